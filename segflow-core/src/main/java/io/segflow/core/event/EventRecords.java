package io.segflow.core.event;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import com.fasterxml.jackson.databind.ObjectReader;
import io.segflow.core.json.IsoInstants;
import io.segflow.core.json.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The value of a {@code segflow.events} record: an {@link Event} as JSON (schema in docs/contracts.md).
 *
 * <p>Ingest writes one per accepted call, so {@link #write} drives the generator itself instead of going through
 * Jackson's bean and map serializers (reflection, a serializer lookup per map value, {@code DateTimeFormatter}):
 * about half of ingest's CPU went there. The output is exactly what {@code Json.MAPPER} writes for an {@code Event}
 * (same field order, nulls left out, ISO instants), except that the objects ingest carries through
 * ({@link RawJsonObject}) are copied as they arrived; tests hold the two together.
 */
public final class EventRecords {
    private static final ObjectReader READER = Json.MAPPER.readerFor(Event.class);
    /** Skips what a profile never reads: the carried-through context and integrations are most of a record's bytes. */
    private static final ObjectReader PROFILE_READER = Json.MAPPER.copy()
            .addMixIn(Event.class, WithoutCarriedThrough.class).readerFor(Event.class);

    @JsonIgnoreProperties({"context", "integrations"})
    private abstract static class WithoutCarriedThrough {
    }

    private EventRecords() {
    }

    public static byte[] write(Event event) {
        ByteArrayBuilder bytes = new ByteArrayBuilder(1024);
        try (JsonGenerator json = Json.MAPPER.getFactory().createGenerator(bytes)) {
            json.writeStartObject();
            json.writeNumberField("schema", event.schema());
            text(json, "type", event.type());
            text(json, "messageId", event.messageId());
            text(json, "userId", event.userId());
            text(json, "anonymousId", event.anonymousId());
            text(json, "event", event.event());
            text(json, "name", event.name());
            text(json, "category", event.category());
            text(json, "groupId", event.groupId());
            text(json, "previousId", event.previousId());
            map(json, "traits", event.traits());
            map(json, "properties", event.properties());
            map(json, "context", event.context());
            map(json, "integrations", event.integrations());
            instant(json, "timestamp", event.timestamp());
            instant(json, "originalTimestamp", event.originalTimestamp());
            instant(json, "sentAt", event.sentAt());
            instant(json, "receivedAt", event.receivedAt());
            text(json, "source", event.source());
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    public static Event read(byte[] value) throws IOException {
        return READER.readValue(value);
    }

    /** A record value as a profile needs it: {@code context} and {@code integrations} are left out (null). */
    public static Event readForProfile(byte[] value) throws IOException {
        return readForProfile(value, 0, value.length);
    }

    /**
     * {@link #readForProfile(byte[])} of a value where the consumer left it, in the fetched batch's buffer: copying
     * each record out of it was a twentieth of segment-function's garbage.
     */
    public static Event readForProfile(ByteBuffer value) throws IOException {
        if (!value.hasArray()) {
            return readForProfile(bytesOf(value));
        }
        return readForProfile(value.array(), value.arrayOffset() + value.position(), value.remaining());
    }

    private static Event readForProfile(byte[] value, int offset, int length) throws IOException {
        try {
            return ProfileEventReader.read(value, offset, length);
        } catch (ProfileEventReader.Unexpected e) {
            return PROFILE_READER.readValue(value, offset, length);
        }
    }

    /** A copy of the buffer's remaining bytes (its position left as it is). */
    public static byte[] bytesOf(ByteBuffer value) {
        byte[] bytes = new byte[value.remaining()];
        value.duplicate().get(bytes);
        return bytes;
    }

    /** A record value as segment-function consumes it; a value that is no event throws {@link UncheckedIOException}. */
    public static Event read(String value) {
        try {
            return READER.readValue(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void text(JsonGenerator json, String field, String value) throws IOException {
        if (value != null) {
            json.writeStringField(field, value);
        }
    }

    private static void instant(JsonGenerator json, String field, Instant value) throws IOException {
        if (value != null) {
            json.writeStringField(field, IsoInstants.format(value));
        }
    }

    private static void map(JsonGenerator json, String field, Map<String, Object> value) throws IOException {
        if (value != null) {
            json.writeFieldName(field);
            value(json, value);
        }
    }

    /** The values {@link JsonMaps} produces; anything else (a caller's own object) goes through Jackson. */
    private static void value(JsonGenerator json, Object value) throws IOException {
        switch (value) {
            case null -> json.writeNull();
            case String text -> json.writeString(text);
            case Integer number -> json.writeNumber(number);
            case Long number -> json.writeNumber(number);
            case Double number -> json.writeNumber(number);
            case Boolean bool -> json.writeBoolean(bool);
            case BigDecimal number -> json.writeNumber(number);
            case BigInteger number -> json.writeNumber(number);
            case RawJsonObject raw -> raw.writeTo(json);
            case Map<?, ?> map -> {
                json.writeStartObject();
                for (Map.Entry<?, ?> entry : map.entrySet()) {
                    json.writeFieldName(String.valueOf(entry.getKey()));
                    value(json, entry.getValue());
                }
                json.writeEndObject();
            }
            case List<?> list -> {
                json.writeStartArray();
                for (Object item : list) {
                    value(json, item);
                }
                json.writeEndArray();
            }
            default -> Json.MAPPER.writeValue(json, value);
        }
    }
}
