package io.segflow.trigger.definitions;

import io.quarkus.redis.datasource.RedisDataSource;
import io.segflow.core.Topics;
import io.segflow.testkit.TestServices;
import io.segflow.testkit.TopicWriter;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * What the trigger tests share: definitions saved to the function's Redis, a webhook receiver that checks signatures
 * on its own, and a writer of change records onto {@code segflow.segment-changes}.
 */
abstract class TriggerFixture {

    @Inject
    RedisDataSource redis;

    Definitions definitions;
    WebhookReceiver receiver;
    TopicWriter changes;

    @BeforeEach
    void startFixture() {
        definitions = new Definitions(redis);
        receiver = WebhookReceiver.start();
        changes = new TopicWriter(TestServices.kafkaBootstrapServers(), Topics.SEGMENT_CHANGES);
    }

    @AfterEach
    void stopFixture() {
        receiver.close();
        changes.close();
    }
}
