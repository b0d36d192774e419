package io.segflow.segment;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.segflow.core.event.Event;
import io.segflow.core.history.PartitionHistory;
import io.segflow.core.json.Json;
import io.segflow.core.membership.SegmentChange;
import io.segflow.core.rules.SegmentDefinition;
import io.segflow.testkit.JacksonReach;
import java.io.IOException;
import java.io.InputStream;
import java.util.HashSet;
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
    void everyTypeHandedToJacksonIsRegisteredForReflection() throws IOException {
        Set<String> reached = JacksonReach.typesReachedFrom(PartitionHistory.class, Event.class,
                SegmentChange.class, SegmentDefinition.class);

        assertThat(registered()).containsAll(reached);
    }

    /** The entries open to Jackson: constructors, methods (record accessors) and fields. */
    private static Set<String> registered() throws IOException {
        try (InputStream config = NativeReflectionTest.class.getClassLoader().getResourceAsStream(REFLECT_CONFIG)) {
            Set<String> names = new HashSet<>();
            for (JsonNode entry : Json.MAPPER.readTree(config)) {
                if (entry.path("allDeclaredConstructors").asBoolean() && entry.path("allDeclaredMethods").asBoolean()
                        && entry.path("allDeclaredFields").asBoolean()) {
                    names.add(entry.path("name").asText());
                }
            }
            return names;
        }
    }
}
