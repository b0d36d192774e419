package io.segflow.core.event;

import java.util.List;

/** The calls of one request: the valid ones as events, the invalid ones with their reasons; in request order. */
public record ParsedCalls(List<Event> accepted, List<Rejection> rejected) {

    public int size() {
        return accepted.size() + rejected.size();
    }
}
