package io.segflow.api;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import io.segflow.core.json.Json;
import java.io.IOException;

/** Reads request bodies as JSON objects, refusing bad input with the field it concerns. */
public final class JsonBodies {
    private JsonBodies() {
    }

    public static JsonNode object(String body) {
        JsonNode json;
        try {
            json = body == null || body.isBlank() ? null : onlyValue(body);
        } catch (IOException e) {
            throw ApiException.badRequest("$", "malformed JSON");
        }
        if (json == null || !json.isObject()) {
            throw ApiException.badRequest("$", "body must be a JSON object");
        }
        return json;
    }

    /** The body's JSON value; content after it (a second object, say) is malformed, not dropped. */
    private static JsonNode onlyValue(String body) throws IOException {
        try (JsonParser parser = Json.MAPPER.createParser(body)) {
            JsonNode json = Json.MAPPER.readTree(parser);
            Json.expectEnd(parser);
            return json;
        }
    }

    public static String requiredText(JsonNode json, String field, int maxLength) {
        String value = optionalText(json, field, maxLength);
        if (value == null || value.isBlank()) {
            throw ApiException.badRequest(field, "is required");
        }
        return value;
    }

    public static String optionalText(JsonNode json, String field, int maxLength) {
        JsonNode node = json.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isTextual()) {
            throw ApiException.badRequest(field, "must be a string");
        }
        if (node.asText().length() > maxLength) {
            throw ApiException.badRequest(field, "must be at most " + maxLength + " characters");
        }
        return node.asText();
    }
}
