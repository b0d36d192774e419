package io.segflow.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.redis.datasource.RedisDataSource;
import io.segflow.api.redis.ReplicatedWrites;
import io.segflow.api.redis.RetriedOnLostConnection;
import io.segflow.core.json.Json;
import io.segflow.core.profile.Window;
import io.segflow.core.redis.RedisKeys;
import io.segflow.core.redis.ScoringCodec;
import io.segflow.core.redis.ScoringCodec.StoredScoring;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Request;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.ExampleObject;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

/**
 * The engagement score's configuration: a weight per event name and the half-life of its exponential decay,
 * e.g. {@code {"halfLife": "7d", "weights": {"page": 1, "add_to_cart": 5}}}. Segments read it as {@code score}.
 */
@Path("/v1/scoring")
@AdminOnly
@Produces(MediaType.APPLICATION_JSON)
@APIResponse(responseCode = "401", description = OpenApiDocument.NO_ADMIN_KEY)
@APIResponse(responseCode = "403", description = OpenApiDocument.NOT_ADMIN)
@APIResponse(responseCode = "503", description = OpenApiDocument.REDIS_UNAVAILABLE)
public class ScoringResource {
    private static final int MAX_WEIGHTS = 1_000;
    private static final int MAX_EVENT_NAME_LENGTH = 200;
    private static final StoredScoring DEFAULT = new StoredScoring("7d", Map.of());
    private static final String EXAMPLE = "{\"halfLife\": \"7d\", \"weights\": {\"page\": 1, \"add_to_cart\": 5}}";

    /** The body of {@code PUT /v1/scoring}, for the OpenAPI document (the resource reads the JSON itself). */
    @Schema(name = "ScoringInput", requiredProperties = {"halfLife", "weights"})
    public record ScoringInput(
            @Schema(description = "a positive length such as 7d, 12h or 30m", examples = "7d") String halfLife,
            @Schema(description = "a weight per event name (1 to " + MAX_EVENT_NAME_LENGTH + " characters); {} for none",
                    maxProperties = MAX_WEIGHTS) Map<String, Double> weights) {
    }

    private final RedisDataSource redis;
    private final ReplicatedWrites writes;

    ScoringResource(RedisDataSource redis, ReplicatedWrites writes) {
        this.redis = redis;
        this.writes = writes;
    }

    @GET
    @RetriedOnLostConnection
    @APIResponse(responseCode = "200", description = "the stored scoring, {\"halfLife\":\"7d\",\"weights\":{}} until one is saved",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = StoredScoring.class)))
    public StoredScoring get() {
        String stored = redis.value(String.class).get(RedisKeys.SCORING);
        return stored == null ? DEFAULT : Json.read(stored, StoredScoring.class);
    }

    @PUT
    @Consumes(MediaType.WILDCARD)
    @APIResponse(responseCode = "200", description = "the stored scoring (a new catalog revision: segments reading score are re-evaluated)",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = StoredScoring.class)))
    @APIResponse(responseCode = "400", description = "invalid_request naming halfLife, weights or weights.<name>;"
            + " malformed_json for a body that is no JSON")
    public StoredScoring put(@RequestBody(required = true, content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = ScoringInput.class),
            examples = @ExampleObject(name = "engagement", value = EXAMPLE))) InputStream body) {
        JsonNode json = JsonBodies.object(body);
        String halfLife = JsonBodies.requiredText(json, "halfLife", 16);
        try {
            if (Window.parseLength(halfLife) <= 0) {
                throw ApiException.badRequest("halfLife", "must be positive");
            }
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("halfLife", e.getMessage());
        }
        JsonNode weightsNode = json.get("weights");
        if (weightsNode == null || weightsNode.isNull()) {
            throw ApiException.badRequest("weights", "is required: an object of event name to number ({} for none)");
        }
        if (!weightsNode.isObject()) {
            throw ApiException.badRequest("weights", "must be an object of event name to number");
        }
        if (weightsNode.size() > MAX_WEIGHTS) {
            throw ApiException.badRequest("weights", "at most " + MAX_WEIGHTS + " event names");
        }
        Map<String, Double> weights = new LinkedHashMap<>();
        weightsNode.fields().forEachRemaining(entry -> {
            String field = "weights." + entry.getKey();
            if (entry.getKey().isBlank() || entry.getKey().length() > MAX_EVENT_NAME_LENGTH) {
                throw ApiException.badRequest(field, "event names are 1 to " + MAX_EVENT_NAME_LENGTH + " characters");
            }
            if (!entry.getValue().isNumber() || !Double.isFinite(entry.getValue().asDouble())) {
                throw ApiException.badRequest(field, "must be a number");
            }
            weights.put(entry.getKey(), entry.getValue().asDouble());
        });
        String stored = ScoringCodec.write(halfLife, weights);
        // Same MULTI as the revision bump: segment-functions reload scoring with the definitions.
        writes.transaction(List.of(Request.cmd(Command.SET).arg(RedisKeys.SCORING).arg(stored),
                Request.cmd(Command.INCR).arg(RedisKeys.SEGMENTS_REVISION)), "the scoring");
        return Json.read(stored, StoredScoring.class);
    }
}
