package io.segflow.core.membership;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.segflow.core.json.IsoInstants;
import io.segflow.core.json.Json;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.DateTimeException;
import java.time.Instant;

/**
 * Change records written and read with Jackson's streaming API and {@link IsoInstants}: the same text as
 * {@code Json.write(change)} (fields in declaration order, nulls left out), and the same change as
 * {@code Json.MAPPER.readValue(json, SegmentChange.class)}, without data binding's reflection and
 * {@code DateTimeFormatter}, which cost a few microseconds per change. A change of an unusual shape (a number where a
 * string belongs, say) is read by the mapper.
 */
public final class SegmentChangeJson {
    private static final JsonFactory FACTORY = Json.MAPPER.getFactory();

    private SegmentChangeJson() {
    }

    public static String write(SegmentChange change) {
        StringWriter out = new StringWriter(192);
        try (JsonGenerator json = FACTORY.createGenerator(out)) {
            json.writeStartObject();
            field(json, "userId", change.userId());
            field(json, "segmentId", change.segmentId());
            field(json, "change", change.change());
            if (change.at() != null) {
                json.writeStringField("at", IsoInstants.format(change.at()));
            }
            json.writeNumberField("version", change.version());
            field(json, "cause", change.cause());
            json.writeEndObject();
            json.flush();
            return out.toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The change in {@code json}, or null when it is JSON {@code null}; throws when it is no change. */
    public static SegmentChange read(byte[] json) throws IOException {
        SegmentChange change = readCommonShape(json);
        return change != null ? change : Json.MAPPER.readValue(json, SegmentChange.class);
    }

    /** An object whose known fields are strings (or null) and an integer version; null for anything else. */
    private static SegmentChange readCommonShape(byte[] bytes) throws IOException {
        try (JsonParser json = FACTORY.createParser(bytes)) {
            if (json.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            String userId = null;
            String segmentId = null;
            String change = null;
            Instant at = null;
            long version = 0;
            String cause = null;
            for (String field = json.nextFieldName(); field != null; field = json.nextFieldName()) {
                JsonToken value = json.nextToken();
                if (field.equals("version")) {
                    if (value != JsonToken.VALUE_NUMBER_INT || json.getNumberType() != JsonParser.NumberType.INT
                            && json.getNumberType() != JsonParser.NumberType.LONG) {
                        return null;
                    }
                    version = json.getLongValue();
                    continue;
                }
                if (value != JsonToken.VALUE_STRING && value != JsonToken.VALUE_NULL) {
                    if (isKnown(field)) {
                        return null;
                    }
                    json.skipChildren();
                    continue;
                }
                String text = value == JsonToken.VALUE_NULL ? null : json.getText();
                switch (field) {
                    case "userId" -> userId = text;
                    case "segmentId" -> segmentId = text;
                    case "change" -> change = text;
                    case "cause" -> cause = text;
                    case "at" -> {
                        if (text != null) {
                            try {
                                at = IsoInstants.parse(text);
                            } catch (DateTimeException e) {
                                return null; // blank, or not an instant: the mapper decides and words the error
                            }
                        }
                    }
                    default -> {
                        // a field this reader does not know: ignored, as by the mapper
                    }
                }
            }
            return json.currentToken() == JsonToken.END_OBJECT
                    ? new SegmentChange(userId, segmentId, change, at, version, cause) : null;
        }
    }

    private static boolean isKnown(String field) {
        return switch (field) {
            case "userId", "segmentId", "change", "at", "version", "cause" -> true;
            default -> false;
        };
    }

    private static void field(JsonGenerator json, String name, String value) throws IOException {
        if (value != null) {
            json.writeStringField(name, value);
        }
    }
}
