package io.segflow.core.redis;

import io.segflow.core.json.Json;
import io.segflow.core.profile.Scoring;
import io.segflow.core.profile.Window;
import java.time.Duration;
import java.util.Map;

/** Scoring as stored at {@link RedisKeys#SCORING} and sent to {@code PUT /v1/scoring}: {"halfLife": "7d", "weights": {...}}. */
public final class ScoringCodec {
    public record StoredScoring(String halfLife, Map<String, Double> weights) {
    }

    private ScoringCodec() {
    }

    public static String write(String halfLife, Map<String, Double> weights) {
        Window.parseLength(halfLife);
        return Json.write(new StoredScoring(halfLife, weights));
    }

    public static Scoring read(String json) {
        if (json == null) {
            return Scoring.NONE;
        }
        StoredScoring stored = Json.read(json, StoredScoring.class);
        return new Scoring(Duration.ofMillis(Window.parseLength(stored.halfLife())),
                stored.weights() == null ? Map.of() : stored.weights());
    }
}
