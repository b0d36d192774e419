package io.segflow.trigger;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.junit.jupiter.api.Test;

class StaticMembershipTest {

    @Test
    void anInstanceIdMakesTheSegmentChangesConsumerAStaticMember() {
        Map<String, Object> consumer = customize(Optional.of("trigger-0"), StaticMembership.CHANNEL);
        assertThat(consumer).containsEntry(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, "trigger-0");
    }

    @Test
    void theEventsConsumerOfEventAndThresholdTriggersIsAStaticMemberToo() {
        Map<String, Object> consumer = customize(Optional.of("trigger-0"), StaticMembership.EVENTS_CHANNEL);
        assertThat(consumer).containsEntry(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, "trigger-0");
    }

    @Test
    void withoutAnInstanceIdTheConsumerStaysADynamicMember() {
        assertThat(customize(Optional.empty(), StaticMembership.CHANNEL)).doesNotContainKey(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
    }

    @Test
    void otherChannelsAreLeftAlone() {
        assertThat(customize(Optional.of("trigger-0"), "other")).doesNotContainKey(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
    }

    private static Map<String, Object> customize(Optional<String> instanceId, String channel) {
        TriggerConfig config = new TriggerConfig() {
            @Override
            public Dedupe dedupe() {
                return () -> 1;
            }

            @Override
            public Optional<String> instanceId() {
                return instanceId;
            }

            @Override
            public Map<String, String> producer() {
                return Map.of();
            }

            @Override
            public Deliveries deliveries() {
                throw new UnsupportedOperationException("not read by the static membership");
            }

            @Override
            public Endpoints endpoints() {
                throw new UnsupportedOperationException("not read by the static membership");
            }

            @Override
            public RedisReplicas redisReplicas() {
                throw new UnsupportedOperationException("not read by the static membership");
            }
        };
        Map<String, Object> kafka = new HashMap<>(Map.of(ConsumerConfig.GROUP_ID_CONFIG, "trigger-function"));
        return new StaticMembership(config).customize(channel, null, kafka);
    }
}
