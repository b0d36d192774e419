package io.segflow.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import io.segflow.core.json.Json;
import io.segflow.testkit.TopicReader;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/** Reading what ingest wrote, for the tests. */
public final class IngestTestSupport {
    public static final Duration WAIT = Duration.ofSeconds(20);

    private IngestTestSupport() {
    }

    /** The values of the first {@code count} records with this key, as JSON. */
    public static List<JsonNode> valuesOf(TopicReader reader, String key, int count) {
        return reader.await(r -> key.equals(r.key()), count, WAIT).stream()
                .map(ConsumerRecord::value).map(v -> Json.read(v, JsonNode.class)).toList();
    }

    /** The values of the records whose value contains {@code marker}, once {@code count} arrived. */
    public static List<JsonNode> valuesContaining(TopicReader reader, String marker, int count) {
        return reader.await(r -> r.value() != null && r.value().contains(marker), count, WAIT).stream()
                .map(ConsumerRecord::value).map(v -> Json.read(v, JsonNode.class)).toList();
    }
}
