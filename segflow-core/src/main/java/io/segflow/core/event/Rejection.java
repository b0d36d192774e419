package io.segflow.core.event;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * A call that was not accepted, and why.
 *
 * @param index  its position in the batch, or null for a single call
 * @param field  the JSON path of the offending field from the request's root, e.g. {@code batch[1].event}
 * @param reason what is wrong with it
 * @param call   the call as sent, for the dead-letter topic
 */
public record Rejection(Integer index, String field, String reason, @JsonIgnore JsonNode call) {

    public static Rejection of(RawCall call, InvalidEventException e) {
        return new Rejection(call.index(), call.pathOf(e.field()), e.reason(), call.json());
    }
}
