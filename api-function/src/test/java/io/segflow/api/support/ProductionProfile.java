package io.segflow.api.support;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.Map;

/**
 * The prod profile (none of the %test settings) with CDN caching, for the tests of settings that only a start can
 * change. One profile for all of them: every distinct profile costs a Quarkus build and start of its own.
 */
public class ProductionProfile implements QuarkusTestProfile {
    /** Sites listed as production should list them: one exact origin and one pattern. */
    public static final String LISTED_ORIGIN = "https://shop.example";
    public static final String CORS_ORIGINS = LISTED_ORIGIN + ",/https://[a-z]+[.]partner[.]example/";

    @Override
    public String getConfigProfile() {
        return "prod";
    }

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("segflow.admin-key", "prod-like-admin-key", "quarkus.otel.sdk.disabled", "true",
                // Neither turns the demo on: DemoOffByDefaultTest still sees the production default.
                "segflow.cache.mode", "cdn", "segflow.cache.s-max-age", "7s",
                "segflow.tokens.secret", TestTokens.SECRET,
                "SEGFLOW_CORS_ORIGINS", CORS_ORIGINS);
    }
}
