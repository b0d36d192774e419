package io.segflow.segment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.junit.QuarkusTest;
import io.segflow.core.event.Event;
import io.segflow.core.json.Json;
import io.segflow.core.redis.RedisKeys;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.LongStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The event consumer and the wake path processing one user at the same time: each change record reaches
 * {@code segflow.segment-changes} once, in version order (one drainer per outbox, see {@link Outbox}).
 */
@QuarkusTest
class ConcurrentDeliveryTest extends SegmentFunctionTestBase {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @Inject
    EventProcessor processor;

    @Inject
    ChangePublisher publisher;

    @Inject
    SegmentCatalog catalog;

    @Inject
    RedisPipeline pipeline;

    private final String user = "race-" + UUID.randomUUID();
    private final String trait = "racer_" + UUID.randomUUID().toString().substring(0, 8);
    private final String segment = trait.replace('_', '-');

    @BeforeEach
    void setUp() {
        define(segment, "\"" + trait + "\" in traits && traits." + trait + " == \"on\"");
        catalog.refresh();
    }

    @Test
    void eventsAndWakesOfOneUserAtOnceGetEachChangePublishedOnceInVersionOrder() throws InterruptedException {
        int flips = 40;
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger foundRecords = new AtomicInteger();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        // The wake path in a tight loop, as the poller of another instance would run it for this user, while the
        // consumer processes the user's events; and its real wake due all along, for this instance's poller.
        Thread waker = Thread.ofPlatform().name("test-waker").start(() -> {
            while (!stop.get()) {
                try {
                    long now = System.currentTimeMillis();
                    redis.sortedSet(String.class).zadd(RedisKeys.schedule(RedisKeys.scheduleShard(user)), now, user);
                    EventProcessor.WakeWave wave = processor.wakeWave(List.of(new WakeSchedule.Claim(user, 0, now)));
                    if (!(wave.claims().get(0) instanceof Outbox.Empty)) {
                        foundRecords.incrementAndGet();
                    }
                    publisher.deliverAll(wave.claims());
                } catch (RuntimeException e) {
                    failure.set(e);
                    return;
                }
            }
        });
        try {
            for (int i = 0; i < flips; i++) {
                identify(i % 2 == 0 ? "on" : "off");
            }
            changes.await(r -> user.equals(r.key()) && r.value().contains("\"" + segment + "\""), flips, WAIT);
            await().atMost(WAIT).until(this::outboxDrained);
        } finally {
            stop.set(true);
            waker.join();
        }
        assertThat(failure.get()).isNull();

        // Late duplicates would arrive within this second.
        List<JsonNode> published = changes.drain(r -> user.equals(r.key()), Duration.ofSeconds(1)).stream()
                .map(r -> Json.read(r.value(), JsonNode.class)).toList();
        long version = Long.parseLong(redis.hash(String.class).hget(RedisKeys.members(user), RedisKeys.VERSION_FIELD));
        assertThat(published).extracting(r -> r.get("version").asLong())
                .as("every version once, in order, none lost")
                .containsExactlyElementsOf(LongStream.rangeClosed(1, version).boxed().toList());
        List<String> flipsPublished = published.stream().filter(r -> segment.equals(r.get("segmentId").asText()))
                .map(r -> r.get("change").asText()).toList();
        assertThat(flipsPublished).hasSize(flips);
        for (int i = 0; i < flips; i++) {
            assertThat(flipsPublished.get(i)).isEqualTo(i % 2 == 0 ? "entered" : "exited");
        }
        assertThat(foundRecords.get()).as("the wake path found records in the outbox at least once").isPositive();
    }

    @Test
    void aPathThatFindsTheOutboxTakenLeavesItToTheHolderAndLooksAgainWhenItsLeaseEnds() {
        // A drainer claimed the user's first change and died before publishing it; its lease runs 5 s more.
        Outbox.Claim dead = processor.process(identifyEvent("on"), new ProfileStore.Position(2, 1_000));
        assertThat(dead).isInstanceOf(Outbox.Claimed.class);
        redis.key().pexpire(RedisKeys.outboxLease(user), 5_000);
        long leaseEnds = System.currentTimeMillis() + 5_000;

        // The next event stores its change behind it, finds the outbox taken and asks for a wake when the lease ends.
        Outbox.Claim next = processor.process(identifyEvent("off"), new ProfileStore.Position(2, 1_001));
        assertThat(next).isInstanceOfSatisfying(Outbox.Busy.class,
                busy -> assertThat(busy.leaseEnds()).isBetween(leaseEnds - 1_000, leaseEnds + 100));
        OptionalDouble wake = redis.sortedSet(String.class).zscore(RedisKeys.schedule(RedisKeys.scheduleShard(user)), user);
        assertThat(wake).isPresent();
        assertThat(wake.getAsDouble()).isLessThanOrEqualTo(((Outbox.Busy) next).leaseEnds());

        // No further event: that wake publishes both, once each, in order.
        List<JsonNode> published = changes.await(r -> user.equals(r.key()) && r.value().contains("\"" + segment + "\""), 2, WAIT)
                .stream().map(r -> Json.read(r.value(), JsonNode.class)).toList();
        assertThat(published).extracting(r -> r.get("change").asText()).containsExactly("entered", "exited");
        assertThat(published.get(0).get("version").asLong()).isLessThan(published.get(1).get("version").asLong());
        await().atMost(WAIT).until(this::outboxDrained);
        assertThat(changes.drain(r -> user.equals(r.key()) && r.value().contains("\"" + segment + "\""), Duration.ofSeconds(1)))
                .hasSize(2);
    }

    private boolean outboxDrained() {
        return redis.list(String.class).llen(RedisKeys.outbox(user)) == 0 && !redis.key().exists(RedisKeys.outboxLease(user));
    }

    private void identify(String value) {
        send(identifyEvent(value));
    }

    private Event identifyEvent(String value) {
        return identifyEvent(user, Map.of(trait, value));
    }

    @Test
    void aWakeThatFindsTheOutboxTakenLooksAgainWhenThatLeaseEnds() {
        // Another drainer holds the user's outbox, with a record waiting; this user has no time-dependent segment.
        redis.list(String.class).rpush(RedisKeys.outbox(user), "{\"version\":1}");
        long leaseEnds = System.currentTimeMillis() + 20_000;
        redis.value(String.class).psetex(RedisKeys.outboxLease(user), 20_000, "another-drainer");
        // Claimed by us, as claim-due.lua leaves it: the entry's score is our lease.
        String shard = RedisKeys.schedule(RedisKeys.scheduleShard(user));
        long ourLease = System.currentTimeMillis() + 600_000;
        redis.sortedSet(String.class).zadd(shard, ourLease, user);

        EventProcessor.WakeWave wave = processor.wakeWave(List.of(new WakeSchedule.Claim(user, ourLease, ourLease)));
        assertThat(wave.claims()).singleElement().isInstanceOf(Outbox.Busy.class);
        pipeline.run(wave.reschedules(), WakeSchedule.RESCHEDULE);

        // Should that drainer have died, the user comes back when its lease ends, not never.
        OptionalDouble next = redis.sortedSet(String.class).zscore(shard, user);
        assertThat(next).isPresent();
        assertThat((long) next.getAsDouble()).isBetween(leaseEnds - 2_000, leaseEnds + 2_000);
        redis.key().del(RedisKeys.outbox(user), RedisKeys.outboxLease(user));
        redis.sortedSet(String.class).zrem(shard, user);
    }
}
