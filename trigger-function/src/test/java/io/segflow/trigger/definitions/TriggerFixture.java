package io.segflow.trigger.definitions;

import io.quarkus.redis.datasource.RedisDataSource;
import io.segflow.core.Topics;
import io.segflow.core.json.Json;
import io.segflow.core.membership.SegmentChange;
import io.segflow.core.trigger.Firing;
import io.segflow.testkit.TestServices;
import io.segflow.testkit.TopicWriter;
import io.segflow.trigger.fire.ChangeTriggers;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * What the trigger tests share: definitions saved to the function's Redis, a webhook receiver that checks signatures
 * on its own, a writer of change records onto {@code segflow.segment-changes}, and a consumed batch of changes decided
 * without Kafka.
 */
abstract class TriggerFixture {

    @Inject
    RedisDataSource redis;

    @Inject
    ChangeTriggers triggers;

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

    /**
     * Changes are read at once from here on: the consumer group has formed and this instance owns the partitions (and
     * so polls their schedules), so lateness is the schedule's own.
     */
    void consumerIsReading() throws InterruptedException {
        String segment = Definitions.unique("warm-up");
        definitions.define(Definitions.unique("warm-up"), "{'when': {'segment': '" + segment + "', 'change': 'entered'}, "
                + "'action': " + Definitions.webhook(receiver.url("/warm-up")) + "}");
        String user = Definitions.unique("user");
        changes.send(user, Json.write(Definitions.change(user, segment, SegmentChange.ENTERED, 1)));
        receiver.await("/warm-up", 1, Duration.ofSeconds(30));
    }

    /**
     * Waits until the changes of {@code userId} sent so far are handled: a marker change sent after them, on the same
     * partition (same key), is handled after them, and fires a trigger of its own to the receiver.
     */
    void awaitHandled(String userId, long nextVersion) throws InterruptedException {
        String marker = Definitions.unique("marker");
        definitions.define(marker, "{'when': {'segment': '" + marker + "', 'change': 'entered'}, 'action': "
                + Definitions.webhook(receiver.url("/" + marker)) + "}");
        changes.send(userId, Json.write(Definitions.change(userId, marker, SegmentChange.ENTERED, nextVersion)));
        receiver.await("/" + marker, 1, Duration.ofSeconds(20));
    }

    /** Decides a batch as the change consumer does (definitions refreshed first) and hands the firings over to run. */
    List<Firing> decide(List<ChangeTriggers.Change> batch) {
        triggers.refresh();
        List<Firing> runNow = new ArrayList<>();
        triggers.onChanges(batch, runNow);
        triggers.handOver(runNow);
        return runNow;
    }
}
