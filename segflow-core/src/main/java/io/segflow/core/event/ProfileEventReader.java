package io.segflow.core.event;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.segflow.core.json.IsoInstants;
import io.segflow.core.json.Json;
import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a {@code segflow.events} record for a profile straight off Jackson's token stream: the fields an
 * {@link Event} has, maps as Jackson's untyped reader builds them (objects as LinkedHashMap, arrays as ArrayList,
 * Integer, Long or BigInteger, Double), and the carried-through {@code context} and {@code integrations} skipped
 * unread. segment-function reads every record, and this is a few times cheaper than the bean reader's reflection
 * and DateTimeFormatter. A record it does not expect (a field of another JSON type than the schema's) is
 * {@link Unexpected}; the caller then reads it with the bean reader, which decides.
 */
final class ProfileEventReader {

    /** The record is not shaped as this reader expects. */
    static final class Unexpected extends Exception {
        Unexpected() {
            super(null, null, false, false);
        }
    }

    private ProfileEventReader() {
    }

    static Event read(byte[] value) throws IOException, Unexpected {
        return read(value, 0, value.length);
    }

    /** The event of {@code length} bytes at {@code offset} of {@code value}. */
    static Event read(byte[] value, int offset, int length) throws IOException, Unexpected {
        try (JsonParser json = Json.MAPPER.getFactory().createParser(value, offset, length)) {
            expect(json.nextToken() == JsonToken.START_OBJECT);
            int schema = 0;
            String type = null, messageId = null, userId = null, anonymousId = null, event = null, name = null;
            String category = null;
            String groupId = null, previousId = null, source = null;
            Map<String, Object> traits = null, properties = null;
            Instant timestamp = null, originalTimestamp = null, sentAt = null, receivedAt = null;
            JsonToken token;
            while ((token = json.nextToken()) == JsonToken.FIELD_NAME) {
                String field = json.currentName();
                JsonToken valueToken = json.nextToken();
                switch (field) {
                    case "schema" -> {
                        expect(valueToken == JsonToken.VALUE_NUMBER_INT);
                        schema = json.getIntValue();
                    }
                    case "type" -> type = text(json, valueToken);
                    case "messageId" -> messageId = text(json, valueToken);
                    case "userId" -> userId = text(json, valueToken);
                    case "anonymousId" -> anonymousId = text(json, valueToken);
                    case "event" -> event = text(json, valueToken);
                    case "name" -> name = text(json, valueToken);
                    case "category" -> category = text(json, valueToken);
                    case "groupId" -> groupId = text(json, valueToken);
                    case "previousId" -> previousId = text(json, valueToken);
                    case "source" -> source = text(json, valueToken);
                    case "traits" -> traits = object(json, valueToken);
                    case "properties" -> properties = object(json, valueToken);
                    case "timestamp" -> timestamp = instant(json, valueToken);
                    case "originalTimestamp" -> originalTimestamp = instant(json, valueToken);
                    case "sentAt" -> sentAt = instant(json, valueToken);
                    case "receivedAt" -> receivedAt = instant(json, valueToken);
                    default -> json.skipChildren(); // context, integrations, and fields of newer writers
                }
            }
            expect(token == JsonToken.END_OBJECT && json.nextToken() == null);
            return new Event(schema, type, messageId, userId, anonymousId, event, name, category, groupId, previousId,
                    traits, properties, null, null, timestamp, originalTimestamp, sentAt, receivedAt, source);
        }
    }

    private static String text(JsonParser json, JsonToken token) throws IOException, Unexpected {
        if (token == JsonToken.VALUE_NULL) {
            return null;
        }
        expect(token == JsonToken.VALUE_STRING);
        return json.getText();
    }

    private static Instant instant(JsonParser json, JsonToken token) throws IOException, Unexpected {
        String text = text(json, token);
        if (text == null) {
            return null;
        }
        try {
            return IsoInstants.parse(text);
        } catch (DateTimeParseException e) {
            throw new Unexpected();
        }
    }

    private static Map<String, Object> object(JsonParser json, JsonToken token) throws IOException, Unexpected {
        if (token == JsonToken.VALUE_NULL) {
            return null;
        }
        expect(token == JsonToken.START_OBJECT);
        return objectBody(json);
    }

    private static Map<String, Object> objectBody(JsonParser json) throws IOException {
        Map<String, Object> map = new LinkedHashMap<>();
        while (json.nextToken() == JsonToken.FIELD_NAME) {
            String key = json.currentName();
            map.put(key, value(json, json.nextToken()));
        }
        return map;
    }

    private static Object value(JsonParser json, JsonToken token) throws IOException {
        return switch (token) {
            case VALUE_STRING -> json.getText();
            case VALUE_NUMBER_INT -> json.getNumberValue(); // Integer, Long or BigInteger, by size
            case VALUE_NUMBER_FLOAT -> json.getDoubleValue();
            case VALUE_TRUE -> Boolean.TRUE;
            case VALUE_FALSE -> Boolean.FALSE;
            case START_OBJECT -> objectBody(json);
            case START_ARRAY -> {
                List<Object> list = new ArrayList<>();
                JsonToken item;
                while ((item = json.nextToken()) != JsonToken.END_ARRAY) {
                    list.add(value(json, item));
                }
                yield list;
            }
            default -> null;
        };
    }

    private static void expect(boolean condition) throws Unexpected {
        if (!condition) {
            throw new Unexpected();
        }
    }
}
