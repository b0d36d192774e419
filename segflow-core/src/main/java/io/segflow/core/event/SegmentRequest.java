package io.segflow.core.event;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * A Segment tracking-API request body, split into its calls.
 *
 * @param envelope for a batch, its top-level fields other than {@code batch} ({@code context}, {@code integrations},
 *                 {@code sentAt}, {@code writeKey}); for a single call, the call itself
 * @param calls    the calls: the batch items in order, or the one call
 */
public record SegmentRequest(ObjectNode envelope, List<RawCall> calls) {

    /** The {@code writeKey} in the body, if it carries a string one. */
    public String writeKey() {
        JsonNode key = envelope.get("writeKey");
        return key != null && key.isTextual() ? key.asText() : null;
    }
}
