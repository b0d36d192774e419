package io.segflow.core.event;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.segflow.core.json.Json;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Reads a request body into a {@link SegmentRequest}. A batch is streamed so that each item's size as sent is known
 * (the 32 KB limit is on the item, not on its re-serialized form) and a batch over 2,500 calls stops early.
 */
public final class SegmentRequestReader {
    private static final Set<String> CARRIED_THROUGH = Set.of("context", "properties", "traits", "integrations");

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
            if (parser.currentTokenLocation().getByteOffset() < 0) {
                // UTF-16 or UTF-32 (Jackson detects them; the parser counts chars, not bytes). Everything below slices
                // and measures UTF-8 bytes: read it as UTF-8. Rare, so the re-encoding costs nothing that matters.
                return read(Json.MAPPER.writeValueAsBytes(Json.EXACT_NUMBERS.readTree(body)), batch);
            }
            SegmentRequest request = batch ? readBatch(parser, body) : readSingle(parser, body);
            Json.expectEnd(parser);
            return request;
        }
    }

    private static SegmentRequest readSingle(JsonParser parser, byte[] body) throws IOException {
        ObjectNode call = (ObjectNode) readCall(parser, body);
        return new SegmentRequest(call, List.of(new RawCall(null, "", call, body.length)));
    }

    private static SegmentRequest readBatch(JsonParser parser, byte[] body) throws IOException {
        ObjectNode envelope = Json.MAPPER.createObjectNode();
        List<RawCall> calls = null;
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String field = parser.currentName();
            JsonToken value = parser.nextToken();
            if (field.equals("batch") && value == JsonToken.START_ARRAY) {
                calls = readItems(parser, body);
            } else {
                envelope.set(field, valueOf(parser));
            }
        }
        if (calls == null) {
            throw new InvalidEventException("batch", "must be an array of calls");
        }
        return new SegmentRequest(envelope, calls);
    }

    private static List<RawCall> readItems(JsonParser parser, byte[] body) throws IOException {
        List<RawCall> calls = new ArrayList<>();
        while (parser.nextToken() != JsonToken.END_ARRAY) {
            if (calls.size() == SegmentLimits.MAX_BATCH_CALLS) {
                throw new InvalidEventException("batch", "may hold at most " + SegmentLimits.MAX_BATCH_CALLS + " calls");
            }
            long start = parser.currentTokenLocation().getByteOffset();
            JsonNode item = readCall(parser, body);
            long end = parser.currentLocation().getByteOffset();
            int index = calls.size();
            calls.add(new RawCall(index, "batch[" + index + "]", item, (int) (end - start)));
        }
        return calls;
    }

    /**
     * A call as a tree of its top-level fields, except the objects ingest only carries through (context, properties,
     * traits, integrations), which stay {@link RawJsonObject}s. Anything but an object is read as it is, for the
     * validation to name.
     */
    private static JsonNode readCall(JsonParser parser, byte[] body) throws IOException {
        if (parser.currentToken() != JsonToken.START_OBJECT) {
            return valueOf(parser);
        }
        ObjectNode call = JsonNodeFactory.instance.objectNode();
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String field = parser.currentName();
            JsonToken value = parser.nextToken();
            if (value == JsonToken.START_OBJECT && CARRIED_THROUGH.contains(field)) {
                call.putPOJO(field, RawJsonObject.read(parser, body));
            } else {
                call.set(field, scalarOrTree(parser, value));
            }
        }
        return call;
    }

    /** Strings, integers, booleans and null (nearly every top-level field) without the mapper's per-call setup. */
    private static JsonNode scalarOrTree(JsonParser parser, JsonToken token) throws IOException {
        return switch (token) {
            case VALUE_STRING -> TextNode.valueOf(parser.getText());
            case VALUE_TRUE -> BooleanNode.TRUE;
            case VALUE_FALSE -> BooleanNode.FALSE;
            case VALUE_NULL -> NullNode.getInstance();
            case VALUE_NUMBER_INT -> parser.getNumberType() == JsonParser.NumberType.INT
                    ? IntNode.valueOf(parser.getIntValue()) : valueOf(parser);
            default -> valueOf(parser);
        };
    }

    private static JsonNode valueOf(JsonParser parser) throws IOException {
        JsonNode node = Json.EXACT_NUMBERS.readTree(parser);
        return node == null ? NullNode.getInstance() : node;
    }
}
