package io.segflow.core.event;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.segflow.core.json.Json;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a request body into a {@link SegmentRequest}. A batch is streamed so that each item's size as sent is known
 * (the 32 KB limit is on the item, not on its re-serialized form) and a batch over 2,500 calls stops early.
 */
public final class SegmentRequestReader {

    private SegmentRequestReader() {
    }

    /**
     * @throws com.fasterxml.jackson.core.JsonProcessingException when the body is not JSON
     * @throws InvalidEventException                               when the body is not an object or the batch is no array
     */
    public static SegmentRequest read(byte[] body, boolean batch) throws IOException {
        try (JsonParser parser = Json.MAPPER.createParser(body)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw new InvalidEventException("$", "the body must be a JSON object");
            }
            return batch ? readBatch(parser) : readSingle(parser, body.length);
        }
    }

    private static SegmentRequest readSingle(JsonParser parser, int bytes) throws IOException {
        ObjectNode call = Json.MAPPER.readTree(parser);
        return new SegmentRequest(call, List.of(new RawCall(null, "", call, bytes)));
    }

    private static SegmentRequest readBatch(JsonParser parser) throws IOException {
        ObjectNode envelope = Json.MAPPER.createObjectNode();
        List<RawCall> calls = null;
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String field = parser.currentName();
            JsonToken value = parser.nextToken();
            if (field.equals("batch") && value == JsonToken.START_ARRAY) {
                calls = readItems(parser);
            } else {
                envelope.set(field, valueOf(parser));
            }
        }
        if (calls == null) {
            throw new InvalidEventException("batch", "must be an array of calls");
        }
        return new SegmentRequest(envelope, calls);
    }

    private static List<RawCall> readItems(JsonParser parser) throws IOException {
        List<RawCall> calls = new ArrayList<>();
        while (parser.nextToken() != JsonToken.END_ARRAY) {
            if (calls.size() == SegmentLimits.MAX_BATCH_CALLS) {
                throw new InvalidEventException("batch", "may hold at most " + SegmentLimits.MAX_BATCH_CALLS + " calls");
            }
            long start = parser.currentTokenLocation().getByteOffset();
            JsonNode item = valueOf(parser);
            long end = parser.currentLocation().getByteOffset();
            int index = calls.size();
            calls.add(new RawCall(index, "batch[" + index + "]", item, (int) (end - start)));
        }
        return calls;
    }

    private static JsonNode valueOf(JsonParser parser) throws IOException {
        JsonNode node = Json.MAPPER.readTree(parser);
        return node == null ? NullNode.getInstance() : node;
    }
}
