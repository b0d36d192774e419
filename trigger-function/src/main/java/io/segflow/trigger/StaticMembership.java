package io.segflow.trigger;

import io.smallrye.reactive.messaging.ClientCustomizer;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.eclipse.microprofile.config.Config;

/**
 * Makes the consumers of segment changes and of events (event and threshold triggers, a group of their own) static
 * members of their groups when {@code segflow.trigger.instance-id} is set: an instance restarted after a crash rejoins
 * as the same member and gets its partitions back at once, instead of waiting for the dead member's session to time
 * out (45 s) while its partitions' records pile up. An instance id is unique within a group, so both groups use it.
 */
@ApplicationScoped
public class StaticMembership implements ClientCustomizer<Map<String, Object>> {
    static final String CHANNEL = "segment-changes";
    static final String EVENTS_CHANNEL = "events";

    private final Optional<String> instanceId;

    StaticMembership(TriggerConfig config) {
        this.instanceId = config.instanceId();
    }

    @Override
    public Map<String, Object> customize(String channel, Config config, Map<String, Object> kafka) {
        if ((CHANNEL.equals(channel) || EVENTS_CHANNEL.equals(channel)) && kafka.containsKey(ConsumerConfig.GROUP_ID_CONFIG)) {
            instanceId.ifPresent(id -> kafka.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, id));
        }
        return kafka;
    }
}
