package io.segflow.trigger;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import io.segflow.core.json.IsoInstants;
import io.segflow.core.json.Json;
import io.segflow.core.membership.SegmentChange;
import io.segflow.core.membership.TriggerRecord;
import java.io.IOException;
import java.time.DateTimeException;
import java.time.Instant;

/**
 * Change records read and trigger records written with Jackson's streaming API and {@link IsoInstants}, with the
 * same results as {@link Json#MAPPER}: data binding (reflection, {@code DateTimeFormatter}) was the costliest
 * step of a change. A change of an unusual shape (a number where a string belongs, say) is read by the mapper.
 */
final class TriggerJson {
    private static final JsonFactory FACTORY = Json.MAPPER.getFactory();

    private TriggerJson() {
    }

    /** The change in {@code json}, or null when it is JSON {@code null}; throws when it is no change. */
    static SegmentChange readChange(byte[] json) throws IOException {
        SegmentChange change = readCommonShape(json);
        return change != null ? change : Json.MAPPER.readValue(json, SegmentChange.class);
    }

    /** The bytes {@code Json.MAPPER.writeValueAsBytes(trigger)} writes (fields in declaration order, nulls left out). */
    static byte[] writeTrigger(TriggerRecord trigger) throws IOException {
        try (ByteArrayBuilder out = new ByteArrayBuilder(256); JsonGenerator json = FACTORY.createGenerator(out)) {
            json.writeStartObject();
            writeField(json, "id", trigger.id());
            writeField(json, "kind", trigger.kind());
            writeField(json, "userId", trigger.userId());
            writeField(json, "segmentId", trigger.segmentId());
            if (trigger.at() != null) {
                json.writeStringField("at", IsoInstants.format(trigger.at()));
            }
            writeField(json, "cause", trigger.cause());
            json.writeEndObject();
            json.flush();
            return out.toByteArray();
        }
    }

    private static void writeField(JsonGenerator json, String name, String value) throws IOException {
        if (value != null) {
            json.writeStringField(name, value);
        }
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
}
