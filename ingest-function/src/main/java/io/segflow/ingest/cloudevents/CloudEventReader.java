package io.segflow.ingest.cloudevents;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import io.segflow.core.event.InvalidEventException;
import io.segflow.core.event.SegmentLimits;
import io.segflow.core.json.Json;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Reads the three content modes of the CloudEvents HTTP binding (v1.0) into {@link CloudEvent}s. */
public final class CloudEventReader {
    static final String STRUCTURED = "application/cloudevents+json";
    static final String BATCHED = "application/cloudevents-batch+json";

    private CloudEventReader() {
    }

    /** Binary mode: attributes in {@code ce-*} headers, the body is the data. */
    public static CloudEvent binary(Map<String, String> headers, String contentType, byte[] body) throws IOException {
        Map<String, String> attributes = new HashMap<>();
        headers.forEach((name, value) -> {
            String lower = name.toLowerCase(Locale.ROOT);
            if (lower.startsWith("ce-") && lower.length() > 3) {
                attributes.put(lower.substring(3), percentDecoded(value));
            }
        });
        if (contentType != null) {
            attributes.put("datacontenttype", contentType);
        }
        JsonNode data = null;
        if (body.length > 0) {
            if (contentType != null && !isJson(contentType)) {
                throw new InvalidEventException("content-type", "the data must be JSON (application/json)");
            }
            try (JsonParser parser = Json.MAPPER.createParser(body)) {
                data = Json.EXACT_NUMBERS.readTree(parser);
                Json.expectEnd(parser);
            }
        }
        return new CloudEvent(null, "ce-", attributes, data, null, "", body.length);
    }

    /** Structured mode: one JSON object with the attributes and {@code data} (or {@code data_base64}). */
    public static CloudEvent structured(byte[] body) throws IOException {
        try (JsonParser parser = Json.MAPPER.createParser(body)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw new InvalidEventException("$", "a CloudEvent must be a JSON object");
            }
            JsonNode json = Json.EXACT_NUMBERS.readTree(parser);
            Json.expectEnd(parser);
            return fromJson(json, null, "", body.length);
        }
    }

    /** Batched mode: a JSON array of structured events. */
    public static List<CloudEvent> batched(byte[] body) throws IOException {
        try (JsonParser parser = Json.MAPPER.createParser(body)) {
            if (parser.nextToken() != JsonToken.START_ARRAY) {
                throw new InvalidEventException("$", "a CloudEvents batch must be a JSON array");
            }
            List<CloudEvent> events = new ArrayList<>();
            while (parser.nextToken() != JsonToken.END_ARRAY) {
                if (events.size() == SegmentLimits.MAX_BATCH_CALLS) {
                    throw new InvalidEventException("$", "a batch may hold at most " + SegmentLimits.MAX_BATCH_CALLS + " events");
                }
                long start = parser.currentTokenLocation().getByteOffset();
                JsonNode json = Json.EXACT_NUMBERS.readTree(parser);
                long end = parser.currentLocation().getByteOffset();
                int index = events.size();
                events.add(fromJson(json, index, "[" + index + "]", (int) (end - start)));
            }
            Json.expectEnd(parser);
            return events;
        }
    }

    private static CloudEvent fromJson(JsonNode json, Integer index, String path, int bytes) {
        String attributePath = path.isEmpty() ? "" : path + ".";
        if (json == null || !json.isObject()) {
            return new CloudEvent(index, attributePath, Map.of(), null, null, path, bytes); // refused: no attributes
        }
        Map<String, String> attributes = new HashMap<>();
        json.properties().forEach(field -> {
            JsonNode value = field.getValue();
            if (!field.getKey().equals("data") && !field.getKey().equals("data_base64") && !value.isNull()) {
                attributes.put(field.getKey().toLowerCase(Locale.ROOT), value.isTextual() ? value.asText() : value.toString());
            }
        });
        JsonNode data = json.get("data");
        JsonNode base64 = json.get("data_base64");
        return new CloudEvent(index, attributePath, attributes, data == null || data.isNull() ? null : data,
                base64 == null || base64.isNull() ? null : base64.asText(), attributePath + "data", bytes);
    }

    static boolean isJson(String contentType) {
        String type = contentType.toLowerCase(Locale.ROOT);
        int semicolon = type.indexOf(';');
        String mediaType = (semicolon < 0 ? type : type.substring(0, semicolon)).trim();
        return mediaType.equals("application/json") || mediaType.equals("text/json") || mediaType.endsWith("+json");
    }

    /** Header values are percent-encoded where needed; a '+' stays a '+'. */
    private static String percentDecoded(String value) {
        if (value.indexOf('%') < 0) {
            return value;
        }
        try {
            return URLDecoder.decode(value.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException notEncoded) {
            return value;
        }
    }
}
