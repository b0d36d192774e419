package io.segflow.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.segflow.core.json.Json;
import io.segflow.core.rules.RuleCompiler;
import io.segflow.core.rules.RuleSyntaxException;
import io.segflow.core.rules.SegmentDefinition;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Admin API for segment definitions. Conditions are compiled at save time, so a stored condition always compiles. */
@Path("/v1/segments")
@AdminOnly
@Produces(MediaType.APPLICATION_JSON)
public class SegmentsResource {
    private static final int MAX_NAME_LENGTH = 200;

    /** A condition CEL refused, with where: {@code line} and {@code column} are 1-based. */
    public record ConditionError(boolean success, String error, String field, String reason, int line, int column) {
    }

    private final SegmentRepository segments;
    private final RuleCompiler compiler = new RuleCompiler();

    SegmentsResource(SegmentRepository segments) {
        this.segments = segments;
    }

    @GET
    public Map<String, List<SegmentDefinition>> list() {
        return Map.of("segments", segments.all());
    }

    @GET
    @Path("{id}")
    public SegmentDefinition get(@PathParam("id") String id) {
        return segments.find(checkedId(id)).orElseThrow(() -> ApiException.notFound("id", "no segment " + id));
    }

    @PUT
    @Path("{id}")
    @Consumes(MediaType.WILDCARD)
    public Response put(@PathParam("id") String id, String body) {
        JsonNode json = parse(body);
        String condition = requiredText(json, "condition", RuleCompiler.MAX_CONDITION_LENGTH);
        String name = optionalText(json, "name", MAX_NAME_LENGTH);
        JsonNode enabled = json.get("enabled");
        if (enabled != null && !enabled.isNull() && !enabled.isBoolean()) {
            throw ApiException.badRequest("enabled", "must be true or false");
        }
        try {
            compiler.compile(condition);
        } catch (RuleSyntaxException e) {
            throw new ApiException(Response.Status.BAD_REQUEST,
                    new ConditionError(false, "invalid_condition", "condition", e.getMessage(), e.line(), e.column()));
        }
        SegmentDefinition definition = new SegmentDefinition(checkedId(id), name != null ? name : id, condition,
                enabled == null || enabled.isNull() || enabled.asBoolean(), Instant.now());
        boolean created = segments.save(definition);
        return Response.status(created ? Response.Status.CREATED : Response.Status.OK).entity(definition).build();
    }

    @DELETE
    @Path("{id}")
    public Response delete(@PathParam("id") String id) {
        if (!segments.delete(checkedId(id))) {
            throw ApiException.notFound("id", "no segment " + id);
        }
        return Response.noContent().build();
    }

    private static String checkedId(String id) {
        if (!SegmentDefinition.isValidId(id)) {
            throw ApiException.badRequest("id", "must match " + SegmentDefinition.ID_PATTERN.pattern());
        }
        return id;
    }

    private static JsonNode parse(String body) {
        JsonNode json;
        try {
            json = body == null || body.isBlank() ? null : Json.read(body, JsonNode.class);
        } catch (UncheckedIOException e) {
            throw ApiException.badRequest("$", "malformed JSON");
        }
        if (json == null || !json.isObject()) {
            throw ApiException.badRequest("$", "body must be a JSON object");
        }
        return json;
    }

    private static String requiredText(JsonNode json, String field, int maxLength) {
        String value = optionalText(json, field, maxLength);
        if (value == null || value.isBlank()) {
            throw ApiException.badRequest(field, "is required");
        }
        return value;
    }

    private static String optionalText(JsonNode json, String field, int maxLength) {
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
