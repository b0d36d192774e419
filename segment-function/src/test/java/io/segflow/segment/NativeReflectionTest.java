package io.segflow.segment;

import static org.assertj.core.api.Assertions.assertThat;

import io.segflow.core.event.Event;
import io.segflow.core.history.PartitionHistory;
import io.segflow.core.membership.SegmentChange;
import io.segflow.core.rules.SegmentDefinition;
import io.segflow.testkit.JacksonReach;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * What segment-function hands to Jackson (its partitions' history, events read back, changes and definitions read from
 * Redis) is (de)serialized by reflection, which a native image answers only for the classes in reflect-config.json:
 * each of these types, and every segflow type inside them, must be registered there, or the native function fails
 * where the JVM one works.
 */
class NativeReflectionTest {
    private static final String REFLECT_CONFIG = "META-INF/native-image/io.segflow/segment-function/reflect-config.json";

    @Test
    void everyTypeHandedToJacksonIsRegisteredForReflection() {
        Set<String> reached = JacksonReach.typesReachedFrom(PartitionHistory.class, Event.class,
                SegmentChange.class, SegmentDefinition.class);

        assertThat(JacksonReach.registered(REFLECT_CONFIG, JacksonReach.OPEN_TO_JACKSON)).containsAll(reached);
    }
}
