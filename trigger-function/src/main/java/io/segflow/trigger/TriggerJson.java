package io.segflow.trigger;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import io.segflow.core.json.IsoInstants;
import io.segflow.core.json.Json;
import io.segflow.core.membership.TriggerRecord;
import java.io.IOException;

/**
 * Trigger records written with Jackson's streaming API and {@link IsoInstants}, the same bytes as {@link Json#MAPPER}
 * writes, without data binding's reflection and {@code DateTimeFormatter}. Change records are read likewise, by
 * {@link io.segflow.core.membership.SegmentChangeJson#read}.
 */
final class TriggerJson {
    private static final JsonFactory FACTORY = Json.MAPPER.getFactory();

    private TriggerJson() {
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
}
