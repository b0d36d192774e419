package io.segflow.core.event;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One call as it arrived, before validation.
 *
 * @param index its position in a batch, or null for a single call
 * @param path  the JSON path errors about it are reported under ({@code batch[3]}), or empty for a single call
 * @param json  the call's JSON (any JSON value: validation reports a non-object)
 * @param bytes its size as sent, which {@link SegmentLimits#MAX_EVENT_BYTES} limits
 */
public record RawCall(Integer index, String path, JsonNode json, int bytes) {

    /** A field of this call as a JSON path from the request's root, e.g. {@code batch[3].event}. */
    public String pathOf(String field) {
        if (path.isEmpty()) {
            return field;
        }
        return field.equals("$") ? path : path + "." + field;
    }
}
