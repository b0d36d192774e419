package io.segflow.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.redis.datasource.RedisDataSource;
import io.segflow.api.redis.ReplicatedWrites;
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

/**
 * The engagement score's configuration: a weight per event name and the half-life of its exponential decay,
 * e.g. {@code {"halfLife": "7d", "weights": {"page": 1, "add_to_cart": 5}}}. Segments read it as {@code score}.
 */
@Path("/v1/scoring")
@AdminOnly
@Produces(MediaType.APPLICATION_JSON)
public class ScoringResource {
    private static final int MAX_WEIGHTS = 1_000;
    private static final int MAX_EVENT_NAME_LENGTH = 200;
    private static final StoredScoring DEFAULT = new StoredScoring("7d", Map.of());

    private final RedisDataSource redis;
    private final ReplicatedWrites writes;

    ScoringResource(RedisDataSource redis, ReplicatedWrites writes) {
        this.redis = redis;
        this.writes = writes;
    }

    @GET
    public StoredScoring get() {
        String stored = redis.value(String.class).get(RedisKeys.SCORING);
        return stored == null ? DEFAULT : Json.read(stored, StoredScoring.class);
    }

    @PUT
    @Consumes(MediaType.WILDCARD)
    public StoredScoring put(InputStream body) {
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
