package io.segflow.trigger.definitions;

import static io.segflow.trigger.definitions.Definitions.change;
import static io.segflow.trigger.definitions.Definitions.unique;
import static io.segflow.trigger.definitions.Definitions.webhook;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.segflow.core.json.Json;
import io.segflow.core.membership.SegmentChange;
import io.segflow.core.trigger.DeliveryEntry;
import io.segflow.core.trigger.TriggerKeys;
import io.segflow.testkit.KafkaAndRedisResource;
import io.segflow.trigger.fire.ChangePartitions;
import io.segflow.trigger.fire.OwnedShards;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jboss.logging.Logger;
import org.junit.jupiter.api.Test;

/**
 * An endpoint slower than a quarter of a firing's lease, with a backlog of several rounds of calls: each call slot
 * it frees is taken by the next waiting firing at once, and a firing that waited long calls under a lease that covers
 * its whole call, and only while its shard is still this instance's. The profile's call timeout is 5 s (lease 10 s,
 * a quarter 2.5 s) and the endpoint takes 4 calls at a time, 3 s each.
 */
@QuarkusTest
@TestProfile(SlowEndpointTest.SlowCalls.class)
@QuarkusTestResource(value = KafkaAndRedisResource.class, restrictToAnnotatedClass = false)
class SlowEndpointTest extends TriggerFixture {
    private static final Logger LOG = Logger.getLogger(SlowEndpointTest.class);
    private static final int SLOTS = 4;
    /** The fifth round waits past its whole first lease (12 s): the poll's claim renews it while it waits. */
    private static final int ROUNDS = 5;
    private static final int FIRINGS = SLOTS * ROUNDS;
    private static final Duration CALL = Duration.ofSeconds(3);
    /** Generous, and well under what a firing waiting out its lease would leave a slot idle (7 s here). */
    private static final Duration IDLE_AT_MOST = Duration.ofSeconds(2);

    public static class SlowCalls implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("segflow.trigger.deliveries.timeout", "5s",
                    "segflow.trigger.deliveries.concurrency-per-endpoint", String.valueOf(SLOTS));
        }
    }

    @Inject
    ChangePartitions partitions;

    @Inject
    OwnedShards shards;

    private String triggerOnEntry(String path) {
        String segment = unique("seg");
        definitions.define(unique("slow"), "{'when': {'segment': '" + segment + "', 'change': 'entered'}, 'action': "
                + webhook(receiver.url(path)) + "}");
        return segment;
    }

    private void enter(String user, String segment) {
        changes.send(user, Json.write(change(user, segment, SegmentChange.ENTERED, 1)));
    }

    /** A new user whose firings are in {@code shard}, or (not) elsewhere. */
    private String userOf(String shard, boolean in) {
        while (true) {
            String user = unique("user");
            if (partitions.shardOf(user).equals(shard) == in) {
                return user;
            }
        }
    }

    /**
     * A firing waiting for the endpoint while its shard is revoked (as a rebalance does) is not called when a slot
     * frees: the shard's next owner may be calling it. Once the shard is back, its lease brings it back, once.
     */
    @Test
    void aFiringWhoseShardWasRevokedWhileItWaitedIsNotCalledByThisInstance() throws Exception {
        consumerIsReading();
        String segment = triggerOnEntry("/moved");
        receiver.slow("/moved", CALL.toMillis());
        String shard = partitions.shardOf(unique("user"));
        for (int i = 0; i < 2 * SLOTS; i++) { // two rounds ahead of it: it waits past a quarter of its lease
            enter(userOf(shard, false), segment);
        }
        receiver.await("/moved", SLOTS, Duration.ofSeconds(20));
        String moved = userOf(shard, true);
        enter(moved, segment);
        await().atMost(Duration.ofSeconds(20)).until(() -> redis.hash(String.class).hgetall(TriggerKeys.jobs(shard))
                .values().stream().anyMatch(job -> job.contains(moved)));

        shards.remove(shard);
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> receiver.answered("/moved").size() >= 2 * SLOTS);
            String later = userOf(shard, false); // called once the slots are free: after the revoked one would be
            enter(later, segment);
            receiver.await("/moved", 2 * SLOTS + 1, Duration.ofSeconds(20));
            assertThat(receiver.calls("/moved")).as("the firing of the revoked shard is not called")
                    .noneMatch(WebhookReceiver.forUser(moved));
        } finally {
            shards.add(shard);
        }
        receiver.await("/moved", 2 * SLOTS + 2, Duration.ofSeconds(30));
        assertThat(receiver.calls("/moved")).filteredOn(WebhookReceiver.forUser(moved)).as("called once its shard is back")
                .hasSize(1);
    }

    @Test
    void firingsWaitingForASlowEndpointTakeEachFreedSlotAtOnceUnderALeaseCoveringTheirCall() throws Exception {
        consumerIsReading(); // calls at startup would be slower than the endpoint itself
        String trigger = unique("slow");
        String segment = unique("seg");
        definitions.define(trigger, "{'when': {'segment': '" + segment + "', 'change': 'entered'}, 'action': "
                + webhook(receiver.url("/slow")) + "}");
        receiver.slow("/slow", CALL.toMillis());
        List<WebhookReceiver.Call> calls = new CopyOnWriteArrayList<>();
        Map<String, Long> leaseAtCall = new ConcurrentHashMap<>();
        receiver.tap(call -> {
            calls.add(call);
            // The firing's lease in its schedule as its call arrives: it must outlast the call.
            String user = Json.read(call.body(), JsonNode.class).at("/data/userId").asText();
            OptionalDouble lease = redis.sortedSet(String.class).zscore(TriggerKeys.due(partitions.shardOf(user)), call.header("webhook-id"));
            leaseAtCall.put(call.header("webhook-id"), (long) lease.orElse(0));
        });

        for (int i = 0; i < FIRINGS; i++) {
            String user = unique("user");
            changes.send(user, Json.write(change(user, segment, SegmentChange.ENTERED, 1)));
        }

        receiver.await("/slow", FIRINGS, Duration.ofSeconds(90));
        await().atMost(Duration.ofSeconds(20)).until(() -> receiver.answered("/slow").size() == FIRINGS);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(definitions.log(trigger)).hasSize(FIRINGS)
                .allSatisfy(e -> {
                    assertThat(e.status()).isEqualTo(DeliveryEntry.Status.DELIVERED);
                    assertThat(e.attempts()).as("waiting for the endpoint is no attempt").isEqualTo(1);
                }));
        assertThat(calls).as("every firing called once").hasSize(FIRINGS)
                .extracting(c -> c.header("webhook-id")).doesNotHaveDuplicates();

        List<Instant> starts = calls.stream().map(WebhookReceiver.Call::at).sorted().toList();
        List<Instant> ends = receiver.answered("/slow").stream().sorted().toList();
        // Call k (after the first round) can only start once call k - SLOTS ended and freed a slot.
        List<Duration> idle = new ArrayList<>();
        for (int k = SLOTS; k < FIRINGS; k++) {
            idle.add(Duration.between(ends.get(k - SLOTS), starts.get(k)));
        }
        Duration span = Duration.between(starts.get(0), ends.get(FIRINGS - 1));
        LOG.infof("%d calls of %d ms, %d at a time, took %d ms: %.2f calls/s; slots idle before the next call (ms): %s",
                FIRINGS, CALL.toMillis(), SLOTS, span.toMillis(), FIRINGS * 1000.0 / span.toMillis(),
                idle.stream().map(Duration::toMillis).toList());
        assertThat(idle).as("a freed slot is taken by the next waiting firing, not left idle until its lease runs out")
                .allSatisfy(gap -> assertThat(gap).isLessThanOrEqualTo(IDLE_AT_MOST));
        assertThat(calls).as("each call starts under a lease that outlasts it").allSatisfy(call ->
                assertThat(leaseAtCall.get(call.header("webhook-id"))).as("lease of the call at %s", call.at())
                        .isGreaterThanOrEqualTo(call.at().plus(CALL).toEpochMilli()));
    }
}
