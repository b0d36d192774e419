package io.segflow.trigger.definitions;

import static io.segflow.trigger.definitions.Definitions.unique;
import static io.segflow.trigger.definitions.Definitions.webhook;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.segflow.core.Topics;
import io.segflow.core.json.Json;
import io.segflow.core.membership.SegmentChange;
import io.segflow.core.trigger.Firing;
import io.segflow.core.trigger.TriggerKeys;
import io.segflow.testkit.KafkaAndRedisResource;
import io.segflow.testkit.TestServices;
import io.segflow.testkit.TopicWriter;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * What an instance killed with -9 leaves behind is only what it stored in Redis: a firing claimed (its lease running)
 * or waiting to be retried. The partition's next owner delivers it, with its id, once it is due.
 */
@QuarkusTest
@QuarkusTestResource(value = KafkaAndRedisResource.class, restrictToAnnotatedClass = false)
class RestartTest {

    @Inject
    RedisDataSource redis;

    @Test
    void aFiringLeftInFlightByADeadInstanceIsDeliveredByThePartitionsNextOwner() throws Exception {
        Definitions definitions = new Definitions(redis);
        try (WebhookReceiver receiver = WebhookReceiver.start();
             TopicWriter changes = new TopicWriter(TestServices.kafkaBootstrapServers(), Topics.SEGMENT_CHANGES)) {
            String trigger = unique("orphan");
            String segment = unique("seg");
            definitions.define(trigger, "{'when': {'segment': '" + segment + "', 'change': 'entered'}, 'action': "
                    + webhook(receiver.url("/orphan")) + "}");
            // This instance owns every partition once it consumes: a change makes sure it has joined the group.
            String warm = unique("user");
            changes.send(warm, Json.write(Definitions.change(warm, segment, SegmentChange.ENTERED, 1)));
            receiver.await("/orphan", 1, Duration.ofSeconds(30));

            // As a dead instance left it: claimed, its lease running out in 300 ms, its attempt never finished.
            Instant now = Instant.now();
            String shard = TriggerKeys.changesShard(1);
            Firing orphan = new Firing(Firing.idOf(trigger, "u-orphan", "x"), trigger, "u-orphan", Firing.ENTERED, segment, 7L,
                    null, now, "event:m7", null, shard, Firing.Stage.DELIVER, 1, now, null, null);
            redis.hash(String.class).hset(TriggerKeys.jobs(shard), orphan.id(), Json.write(orphan));
            redis.sortedSet(String.class).zadd(TriggerKeys.due(shard), now.toEpochMilli() + 300, orphan.id());

            WebhookReceiver.Call call = receiver.await("/orphan", 2, Duration.ofSeconds(10)).get(1);
            assertThat(call.header("webhook-id")).isEqualTo(orphan.id());
            assertThat(call.signed()).isTrue();
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                    assertThat(redis.hash(String.class).hexists(TriggerKeys.jobs(shard), orphan.id())).isFalse());
        }
    }
}
