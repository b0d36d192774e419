package io.segflow.ingest.cloudevents;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.segflow.core.event.EventType;
import io.segflow.core.event.InvalidEventException;
import io.segflow.core.event.RawCall;
import io.segflow.core.event.SegmentCallParser;
import io.segflow.core.json.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;
import java.util.UUID;

/**
 * Turns a CloudEvent into the Segment call it stands for (documented in docs/ingest.md):
 * <ul>
 *   <li>the call type is {@code data.type} when it names a Segment call, else the last dot-separated part of the
 *       CloudEvent {@code type} when that does ({@code com.example.identify}); then {@code data} is that call.
 *       Otherwise it is a {@code track} call named after the CloudEvent {@code type}, with {@code data} as its
 *       {@code properties};</li>
 *   <li>{@code messageId}, when the call has none, is a UUID derived from {@code source} and {@code id} (unique
 *       together by the spec), so a redelivered CloudEvent is deduplicated; {@code timestamp} defaults to
 *       {@code time}; a call without {@code userId} and {@code anonymousId} takes {@code subject} as its userId (a
 *       KafkaSource's event: its {@code key} extension, the record's key);</li>
 *   <li>{@code context.cloudevent} records {@code id}, {@code source}, {@code type} and {@code subject}.</li>
 * </ul>
 */
public final class CloudEventMapping {
    private static final String[] REQUIRED = {"id", "source", "specversion", "type"};
    /** The type of the events a Knative KafkaSource makes of Kafka records. */
    static final String KAFKA_SOURCE_TYPE = "dev.knative.kafka.event";

    private CloudEventMapping() {
    }

    /** The Segment call, ready for {@code SegmentCallParser}; throws with the attribute or data field at fault. */
    public static RawCall toCall(CloudEvent event) {
        checkRequiredAttributes(event);
        JsonNode data = dataOf(event);
        if (data != null && !data.isObject()) {
            throw new InvalidEventException(event.dataPath().isEmpty() ? "$" : event.dataPath(), "must be a JSON object");
        }
        Optional<EventType> ownType = callType(data == null ? null : data.get("type"));
        Optional<EventType> typeFromAttribute = ownType.isPresent() ? ownType : callType(lastPart(event.attribute("type")));
        ObjectNode call;
        if (typeFromAttribute.isPresent()) {
            call = data == null ? Json.MAPPER.createObjectNode() : ((ObjectNode) data).deepCopy();
            call.put("type", typeFromAttribute.get().wireName());
        } else {
            call = Json.MAPPER.createObjectNode();
            call.put("type", EventType.TRACK.wireName());
            call.put("event", event.attribute("type"));
            if (data != null) {
                call.set("properties", data);
            }
        }
        fillFromAttributes(call, event);
        return new RawCall(event.index(), event.dataPath(), call, event.bytes());
    }

    private static void checkRequiredAttributes(CloudEvent event) {
        for (String name : REQUIRED) {
            if (event.attribute(name) == null) {
                throw new InvalidEventException(event.attributePath() + name, "is required");
            }
        }
        if (!CloudEvent.SPEC_VERSION.equals(event.attribute("specversion"))) {
            throw new InvalidEventException(event.attributePath() + "specversion", "must be " + CloudEvent.SPEC_VERSION);
        }
    }

    private static JsonNode dataOf(CloudEvent event) {
        if (event.dataBase64() == null) {
            return event.data();
        }
        try {
            return Json.MAPPER.readTree(Base64.getDecoder().decode(event.dataBase64()));
        } catch (IOException | IllegalArgumentException e) {
            throw new InvalidEventException(event.attributePath() + "data_base64", "must be base64-encoded JSON");
        }
    }

    private static void fillFromAttributes(ObjectNode call, CloudEvent event) {
        JsonNode messageId = call.get("messageId");
        if (messageId == null || messageId.isNull() || (messageId.isTextual() && messageId.asText().isBlank())) {
            // A blank one too: the parser would put a random id in its place, and a redelivery would count again.
            String identity = event.attribute("source") + "\n" + event.attribute("id");
            call.put("messageId", UUID.nameUUIDFromBytes(identity.getBytes(StandardCharsets.UTF_8)).toString());
        }
        if (!call.hasNonNull("timestamp") && event.attribute("time") != null) {
            // Checked here, so that a bad one is refused under its own name rather than as a timestamp the data lacks.
            SegmentCallParser.dateTime(event.attributePath() + "time", TextNode.valueOf(event.attribute("time")));
            call.put("timestamp", event.attribute("time"));
        }
        if (!call.hasNonNull("userId") && !call.hasNonNull("anonymousId")) {
            String user = userOf(event);
            if (user != null) {
                call.put("userId", user);
            }
        }
        JsonNode context = call.get("context");
        if (context == null || context.isNull()) {
            context = call.putObject("context");
        }
        if (context.isObject()) {
            ObjectNode origin = ((ObjectNode) context).putObject("cloudevent");
            for (String name : new String[] {"id", "source", "type", "subject"}) {
                if (event.attribute(name) != null) {
                    origin.put(name, event.attribute(name));
                }
            }
        }
    }

    /**
     * The user an event is about: its {@code subject}; for a KafkaSource's, the record's key ({@code key} extension),
     * as its subject names the record's partition and offset and would file every record under a user of its own.
     */
    private static String userOf(CloudEvent event) {
        if (!KAFKA_SOURCE_TYPE.equals(event.attribute("type"))) {
            return event.attribute("subject");
        }
        String key = event.attribute("key");
        if (key == null) {
            throw new InvalidEventException(event.attributePath() + "key", "is required: the user of a KafkaSource "
                    + "record is its key, unless its data names a userId or anonymousId");
        }
        return key;
    }

    private static Optional<EventType> callType(JsonNode type) {
        return type != null && type.isTextual() ? EventType.fromWireName(type.asText()) : Optional.empty();
    }

    private static JsonNode lastPart(String type) {
        return Json.MAPPER.getNodeFactory().textNode(type.substring(type.lastIndexOf('.') + 1));
    }
}
