package io.segflow.bench.pipeline;

import java.util.Properties;
import org.apache.kafka.clients.CommonClientConfigs;

/** The settings every Kafka client of the load generator starts from. */
final class KafkaClients {
    private KafkaClients() {
    }

    /**
     * The bootstrap servers, and socket buffers the kernel sizes (TCP autotuning) as segment-function's own clients
     * have them: Kafka's fixed ones fill up at a backfill's rate and hold the measuring consumers up.
     */
    static Properties properties(String bootstrap) {
        Properties settings = new Properties();
        settings.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        settings.put(CommonClientConfigs.RECEIVE_BUFFER_CONFIG, -1);
        settings.put(CommonClientConfigs.SEND_BUFFER_CONFIG, -1);
        return settings;
    }
}
