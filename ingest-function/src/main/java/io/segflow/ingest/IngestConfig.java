package io.segflow.ingest;

import io.smallrye.config.ConfigMapping;
import java.util.List;

@ConfigMapping(prefix = "segflow")
public interface IngestConfig {

    /**
     * Write keys, one per source, as {@code <source name>:<write key>} (env {@code SEGFLOW_WRITE_KEYS}, comma separated).
     * No default outside dev and test: the function refuses to start without them.
     */
    List<String> writeKeys();
}
