package io.segflow.segment;

import static io.segflow.core.Settings.require;

import io.segflow.core.state.UserRecordCodec;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Optional;

/**
 * segment-function's settings ({@code segflow.*}), checked at startup by {@link #validate}. Kafka and Redis
 * addresses are Quarkus' own ({@code kafka.bootstrap.servers}, {@code quarkus.redis.hosts}).
 */
@ConfigMapping(prefix = "segflow")
public interface SegmentConfig {

    /**
     * What one cached user takes on the heap, about (its stored record, typically a few hundred bytes to a kilobyte,
     * with a quarter of headroom, and the cache's entry): the cache holds at most a third of the heap of them.
     */
    long USER_MEMORY_BYTES = 2 * 1024;

    Engine engine();

    Scheduler scheduler();

    Backfill backfill();

    Identity identity();

    interface Engine {
        /**
         * Identity of this instance in the consumer group (Kafka static membership). Set it to something stable
         * per instance (a pod name): a restarted instance then gets its partitions back at once, with no
         * rebalance and no session timeout to wait. Unset: dynamic membership.
         */
        Optional<String> instanceId();

        /** Most records one poll returns; one Redis transaction stores all of a round's users. */
        @WithDefault("2000")
        int maxPollRecords();

        /**
         * Users kept in memory (evicted by the clock: a user read since the hand last passed gets a second chance); a
         * miss costs a read in the round's Redis round trip. Capped at what a third of the heap holds, budgeting
         * {@link SegmentConfig#USER_MEMORY_BYTES} a user.
         */
        @WithDefault("200000")
        int cacheUsers();

        /** An SDK retry of a messageId within this window counts once (kept per user, about 8 bytes per event). */
        @WithDefault("24h")
        Duration dedupWindow();

        /** Tries of a record whose processing fails before it goes to {@code segflow.events.dead-letter}. */
        @WithDefault("3")
        int maxAttempts();

        /** How long a poll waits for records when there is nothing else to do. */
        @WithDefault("100ms")
        Duration pollTimeout();

        /** How often the segment catalog's revision is checked (a new one reloads it and starts a backfill). */
        @WithDefault("250ms")
        Duration catalogCheckInterval();

        /**
         * On a JVM, how many conditions are compiled, in all, by loading the stored catalog again and again after
         * startup (thrown away; on a thread of its own, at most a quarter of a core), so that the JIT has compiled the
         * load before a segment is saved: the engine thread loads a new revision while live events wait. 0: no
         * rehearsal. A native image rehearses nothing.
         */
        @WithDefault("2000")
        int catalogWarmUpCompiles();

        /**
         * A round of the engine loop that takes longer than this from its poll's return is logged with the time of
         * each of its steps (records, Redis round trip, events, wakes, backfill, seal): to find what held up the events
         * of a latency spike. Up to 10 lines at once, then one a second. 0: off.
         */
        @WithDefault("0s")
        Duration slowRound();

        /** Longest wait for Kafka to acknowledge a poll's change records before the partitions are reset. */
        @WithDefault("30s")
        Duration publishTimeout();

        /**
         * Longest wait for Redis to answer a round's pipeline: a Redis that stops answering (a stalled host, a
         * connection cut without a reset) fails the round, so readiness reports it and the round is retried, instead
         * of the engine waiting for ever.
         */
        @WithDefault("10s")
        Duration redisTimeout();

        /**
         * The format user records are written in: 5, or 4 while api-function, trigger-function or segment-function
         * instances of a version that reads no later format still run (a rolling upgrade from it; see
         * docs/operations.md). Every format is read.
         */
        @WithDefault("5")
        int recordFormat();
    }

    interface Scheduler {
        /** How often the owned partitions' wake schedules are read for due users. */
        @WithDefault("100ms")
        Duration pollInterval();

        /** Due users taken per partition and poll while the engine is idle (no live event for a second). */
        @WithDefault("1000")
        int claimBatch();

        /**
         * Due users taken per round, in all owned partitions together, while live events flow: a round with live
         * events waits for at most this many wakes.
         */
        @WithDefault("100")
        int liveChunk();

        /**
         * The share of the engine thread's time due wakes may take while live events flow (live events first; a
         * storm of wakes, such as many users' windows ending at once, is worked off with what is left).
         */
        @WithDefault("0.25")
        double liveShare();
    }

    interface Backfill {
        /** Users re-evaluated per loop round while a new catalog is backfilled: live events wait at most one chunk. */
        @WithDefault("100")
        int chunk();

        /**
         * Events read per loop round while a replay of {@code segflow.events} rebuilds the past of event properties
         * a new catalog needs (a windowed sum, say): live events wait for at most one such chunk.
         */
        @WithDefault("2000")
        int replayRecords();

        /**
         * The share of the engine thread's time backfills and replays may take while live events flow (live events
         * first; with no event for a second they go at full speed).
         */
        @WithDefault("0.25")
        double liveShare();

        /**
         * Live latency the backfill yields to: a round whose slowest event was stored later than this after ingest
         * received it halves the backfill's share, which grows back while events are on time (0: a fixed share).
         */
        @WithDefault("25ms")
        Duration latencyTarget();
    }

    interface Identity {
        /**
         * Whether an identify or alias may merge an id that is itself a known user id (one that events carried as their
         * userId). Off, as in Segment: such a merge is refused and counted ({@code segflow_identity_merges_total}).
         */
        @WithDefault("false")
        boolean mergeKnownUsers();
    }

    /** Refuses to start with settings that cannot work, naming the setting. */
    static void validate(SegmentConfig config) {
        Engine engine = config.engine();
        // A round's batch is stored as one Redis transaction: bounded, so that Redis is not held long by one.
        require(engine.maxPollRecords() >= 1 && engine.maxPollRecords() <= 3000, "segflow.engine.max-poll-records", "between 1 and 3000");
        require(engine.cacheUsers() >= 1000, "segflow.engine.cache-users", "at least 1000");
        require(engine.dedupWindow().toMinutes() >= 1, "segflow.engine.dedup-window", "at least 1m");
        require(engine.maxAttempts() >= 1, "segflow.engine.max-attempts", "at least 1");
        require(!engine.pollTimeout().isNegative() && engine.pollTimeout().toMillis() <= 5_000, "segflow.engine.poll-timeout", "between 0 and 5s");
        require(engine.catalogWarmUpCompiles() >= 0 && engine.catalogWarmUpCompiles() <= 20_000, "segflow.engine.catalog-warm-up-compiles",
                "between 0 and 20000");
        require(!engine.slowRound().isNegative(), "segflow.engine.slow-round", "0 (off) or more");
        require(engine.publishTimeout().toSeconds() >= 1, "segflow.engine.publish-timeout", "at least 1s");
        require(engine.redisTimeout().toMillis() >= 100, "segflow.engine.redis-timeout", "at least 100ms");
        require(engine.instanceId().map(id -> !id.isBlank()).orElse(true), "segflow.engine.instance-id", "not blank");
        require(engine.recordFormat() == UserRecordCodec.FORMAT || engine.recordFormat() == UserRecordCodec.FORMAT_WITHOUT_HISTORY_LENGTHS,
                "segflow.engine.record-format", UserRecordCodec.FORMAT + " or " + UserRecordCodec.FORMAT_WITHOUT_HISTORY_LENGTHS);
        require(config.scheduler().pollInterval().toMillis() >= 10, "segflow.scheduler.poll-interval", "at least 10ms");
        // An idle engine reads the due wakes when its poll returns: a longer wait would make time flips that late.
        require(engine.pollTimeout().compareTo(config.scheduler().pollInterval()) <= 0, "segflow.engine.poll-timeout",
                "at most segflow.scheduler.poll-interval (" + config.scheduler().pollInterval().toMillis() + "ms)");
        require(config.scheduler().claimBatch() >= 1 && config.scheduler().claimBatch() <= 3000, "segflow.scheduler.claim-batch", "between 1 and 3000");
        require(config.scheduler().liveChunk() >= 1 && config.scheduler().liveChunk() <= 3000, "segflow.scheduler.live-chunk", "between 1 and 3000");
        require(config.scheduler().liveShare() > 0 && config.scheduler().liveShare() <= 1, "segflow.scheduler.live-share",
                "more than 0 and at most 1");
        require(config.backfill().chunk() >= 1 && config.backfill().chunk() <= 3000, "segflow.backfill.chunk", "between 1 and 3000");
        require(config.backfill().replayRecords() >= 1 && config.backfill().replayRecords() <= 20_000,
                "segflow.backfill.replay-records", "between 1 and 20000");
        require(config.backfill().liveShare() > 0 && config.backfill().liveShare() <= 1, "segflow.backfill.live-share",
                "more than 0 and at most 1");
        require(!config.backfill().latencyTarget().isNegative() && config.backfill().latencyTarget().toSeconds() <= 10,
                "segflow.backfill.latency-target", "between 0 and 10s");
    }
}
