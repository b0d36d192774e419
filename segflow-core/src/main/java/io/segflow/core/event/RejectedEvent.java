package io.segflow.core.event;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;

/**
 * A record of the dead-letter topic {@code segflow.events.rejected}: a call ingest refused, with everything needed to
 * see why and to replay it ({@code POST /v1/batch} with {@code envelope}'s fields and {@code "batch": [call]}).
 *
 * @param schema     {@link #SCHEMA_VERSION}
 * @param source     the name of the source whose write key authenticated the request
 * @param endpoint   where it was posted, e.g. {@code /v1/batch} or {@code /} (CloudEvents)
 * @param index      its position in the batch, or null for a single call
 * @param field      the JSON path of the offending field, e.g. {@code batch[1].event}
 * @param reason     what is wrong with it
 * @param receivedAt when ingest received the request
 * @param call       the call as sent ({@code writeKey} removed)
 * @param envelope   the batch's other top-level fields ({@code context}, {@code integrations}, {@code sentAt};
 *                   {@code writeKey} removed), or null for a single call
 */
public record RejectedEvent(int schema, String source, String endpoint, Integer index, String field, String reason,
                            Instant receivedAt, JsonNode call, JsonNode envelope) {

    public static final int SCHEMA_VERSION = 1;

    public static RejectedEvent of(Rejection rejection, String source, String endpoint, Instant receivedAt, ObjectNode envelope) {
        return new RejectedEvent(SCHEMA_VERSION, source, endpoint, rejection.index(), rejection.field(), rejection.reason(),
                receivedAt, withoutWriteKey(rejection.call()), rejection.index() == null ? null : withoutWriteKey(envelope));
    }

    /** The record key: the call's userId, else its anonymousId, else null (any partition). */
    @JsonIgnore
    public String profileKey() {
        if (call == null || !call.isObject()) {
            return null;
        }
        for (String field : new String[] {"userId", "anonymousId"}) {
            JsonNode id = call.get(field);
            if (id != null && (id.isTextual() || id.isIntegralNumber()) && !id.asText().isBlank()) {
                return id.asText();
            }
        }
        return null;
    }

    private static JsonNode withoutWriteKey(JsonNode node) {
        if (node == null || !node.isObject() || !node.has("writeKey")) {
            return node;
        }
        ObjectNode copy = ((ObjectNode) node).deepCopy();
        copy.remove("writeKey");
        return copy;
    }
}
