package io.segflow.ingest;

import io.quarkus.test.common.QuarkusTestResource;
import io.segflow.core.Topics;
import io.segflow.testkit.KafkaAndRedisResource;
import io.segflow.testkit.TestServices;
import io.segflow.testkit.TopicReader;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * What ingest's black-box tests share: the real Kafka, readers of {@code segflow.events} and
 * {@code segflow.events.rejected}, and a fresh user id per test, so tests find their own records.
 */
@QuarkusTestResource(value = KafkaAndRedisResource.class, restrictToAnnotatedClass = false)
public abstract class IngestTopicsTest {

    /** The broker the resource points the function at; read directly, so that *IT subclasses (no injection) work too. */
    protected final String bootstrapServers = TestServices.kafkaBootstrapServers();

    protected TopicReader events;
    protected TopicReader rejected;
    protected String user;

    @BeforeEach
    void openTopics() {
        events = new TopicReader(bootstrapServers, Topics.EVENTS);
        rejected = new TopicReader(bootstrapServers, Topics.EVENTS_REJECTED);
        user = "user-" + UUID.randomUUID();
    }

    @AfterEach
    void closeTopics() {
        events.close();
        rejected.close();
    }
}
