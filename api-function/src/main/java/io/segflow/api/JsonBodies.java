package io.segflow.api;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.segflow.core.api.ErrorBody;
import io.segflow.core.json.Json;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.io.InputStream;
import java.util.Iterator;
import java.util.Optional;
import java.util.Set;

/** Reads request bodies as JSON objects, refusing bad input with the field it concerns. */
public final class JsonBodies {
    private JsonBodies() {
    }

    /**
     * The body as a JSON object. Read as bytes, at most {@link RequestSizeLimit#MAX_BODY_BYTES}: a larger body (one
     * sent chunked, whose size was not declared) is a 413.
     */
    public static JsonNode object(InputStream body) {
        byte[] bytes = bounded(body);
        JsonNode json;
        try {
            json = isBlank(bytes) ? null : onlyValue(bytes);
        } catch (JsonProcessingException e) {
            throw malformed(e);
        } catch (IOException e) {
            throw new ApiException(Response.Status.BAD_REQUEST, ErrorBody.of("malformed_json", "$", "malformed JSON"));
        }
        if (json == null || !json.isObject()) {
            throw ApiException.badRequest("$", "body must be a JSON object");
        }
        return json;
    }

    /** As ingest words it: what the parser found and where (a nesting-depth error has no position). */
    private static ApiException malformed(JsonProcessingException e) {
        String found = e.getOriginalMessage() == null ? "" : ": " + e.getOriginalMessage();
        JsonLocation where = e.getLocation();
        String position = where == null || where.getLineNr() < 1
                ? "" : " (line " + where.getLineNr() + ", column " + where.getColumnNr() + ")";
        return new ApiException(Response.Status.BAD_REQUEST, ErrorBody.of("malformed_json", "$", "malformed JSON" + found + position));
    }

    private static byte[] bounded(InputStream body) {
        if (body == null) {
            return new byte[0];
        }
        byte[] bytes;
        try {
            bytes = body.readNBytes(RequestSizeLimit.MAX_BODY_BYTES + 1);
        } catch (IOException e) {
            throw ApiException.badRequest("$", "the body could not be read");
        }
        if (bytes.length > RequestSizeLimit.MAX_BODY_BYTES) {
            throw RequestSizeLimit.tooLarge();
        }
        return bytes;
    }

    private static boolean isBlank(byte[] bytes) {
        for (byte b : bytes) {
            if (!Character.isWhitespace(b)) {
                return false;
            }
        }
        return true;
    }

    /** The body's JSON value; content after it (a second object, say) is malformed, not dropped. */
    private static JsonNode onlyValue(byte[] body) throws IOException {
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

    /**
     * The first field of {@code json} (if it is an object) that is not in {@code known}. A call refuses it rather
     * than drop it: a misspelled {@code "enabeld": false} or a {@code delay} put inside {@code when} would otherwise
     * save something other than what was meant, and say 2xx.
     */
    public static Optional<String> unknownField(JsonNode json, Set<String> known) {
        if (json == null || !json.isObject()) {
            return Optional.empty();
        }
        for (Iterator<String> names = json.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!known.contains(name)) {
                return Optional.of(name);
            }
        }
        return Optional.empty();
    }

    /** The reason an unknown field is refused with: what the object takes. */
    public static String unknownFieldReason(Set<String> known) {
        return "is not a field here; known: " + String.join(", ", new java.util.TreeSet<>(known));
    }
}
