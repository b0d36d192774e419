package io.segflow.api;

import io.smallrye.config.ConfigMapping;

@ConfigMapping(prefix = "segflow")
public interface ApiConfig {

    /** The bearer key of the admin API (env {@code SEGFLOW_ADMIN_KEY}); no default outside dev and test. */
    String adminKey();
}
