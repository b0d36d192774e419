package io.segflow.segment.consume;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.opentelemetry.api.trace.Span;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.runtime.ImageMode;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.segflow.core.Topics;
import io.segflow.core.event.EventRecords;
import io.segflow.core.json.Json;
import io.segflow.core.membership.SegmentChange;
import io.segflow.core.redis.RedisKeys;
import io.segflow.core.state.Partitioning;
import io.segflow.core.state.PendingRecord;
import io.segflow.segment.SegmentConfig;
import io.segflow.segment.apply.OwnedPartition;
import io.segflow.segment.apply.OwnedPartition.BackfillProgress;
import io.segflow.segment.apply.PartitionBatch;
import io.segflow.segment.apply.Round;
import io.segflow.segment.apply.UserCache;
import io.segflow.segment.apply.UserProcessor;
import io.segflow.segment.backfill.CatalogBackfill;
import io.segflow.segment.backfill.HistoryReplay;
import io.segflow.segment.catalog.SegmentCatalog;
import io.segflow.segment.publish.ChangePublisher;
import io.segflow.segment.publish.ChangeTracing;
import io.segflow.segment.schedule.DueWakes;
import io.segflow.segment.schedule.WakeTraces;
import io.segflow.segment.store.PartitionStore;
import io.smallrye.common.annotation.Identifier;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteBufferDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jboss.logging.Logger;

/**
 * The engine's loop: the only writer of the users of the partitions it owns, as a Kafka Streams task is of its
 * state. Each round polls events, applies them to the users in memory (read from Redis on a miss), handles the due
 * wakes and a chunk of any backfill (within its budget while events flow), then prepares everything the round decided
 * as one transaction fenced by the partitions' owner epochs (users, wakes, registry, change records and the offset
 * they account for). The next round sends it right after its poll, with its own reads behind it on the same
 * connection, and publishes the change records once it is stored; the rounds after go on while Kafka acknowledges
 * them, and a later flush trims the acknowledged ones from Redis. A new owner starts from the offset Redis holds, so
 * every event counts exactly once, and publishes the change records a previous owner stored but may not have
 * published (at least once: a consumer drops a {@code (userId, version)} it has seen). Any failure resets the owned
 * partitions: their users are dropped from memory and the partitions claimed again from what Redis holds.
 */
@ApplicationScoped
public class EventLoop {
    private static final Logger LOG = Logger.getLogger(EventLoop.class);
    /** The consumer group of every segment-function instance. */
    static final String GROUP = "segment-function";
    /** Users whose wake's trace is remembered, to link their time flips to it (a few hundred bytes each). */
    private static final int WAKE_TRACES = 100_000;
    /** The catalog's rehearsal starts this long after startup: a restarted instance catches up on its backlog first. */
    private static final Duration CATALOG_WARM_UP_DELAY = Duration.ofSeconds(30);

    private final SegmentConfig config;
    private final SegmentCatalog catalog;
    private final PartitionStore store;
    private final ChangePublisher publisher;
    private final ChangeTracing tracing;
    private final RedisDataSource redis;
    private final Map<String, Object> kafka;
    private final MeterRegistry metrics;
    private final UserProcessor processor;
    private final EngineStatus status = new EngineStatus();

    private final EngineMetrics meters;
    private final DueWakes dueWakes;
    private final CatalogBackfill catalogBackfill;
    /** Live events first: how much of this thread backfills and replays may take while events flow. */
    private final LiveFirstBudget backfillBudget;
    /** The same for due wakes, its own budget: a wake storm and a backfill together still leave live events half. */
    private final LiveFirstBudget wakeBudget;
    private final HistoryReplay historyReplay;
    private final FailingRecords failing;
    private final Recovery recovery;
    private final RoundsInFlight inFlight;
    private final GroupOffsets groupOffsets = new GroupOffsets();

    // Touched by the loop thread only (the rebalance listener runs inside poll, on it).
    private KafkaConsumer<String, ByteBuffer> consumer;
    /** Set when a static member (re)joins: its first assignment asks for one more rebalance (see {@link Rebalance}). */
    private boolean rebalanceOnFirstAssignment;
    private int partitions;
    private UserCache cache;
    private final Map<Integer, OwnedPartition> owned = new HashMap<>();
    private final Set<Integer> unclaimed = new TreeSet<>();
    /**
     * The last round, applied and sealed, its writes not sent yet: the next round sends them along with its own reads
     * (one Redis round trip per round instead of two) right after its poll, which does not wait while one is here.
     */
    private Prepared prepared;
    /** Logs the steps of rounds slower than {@code segflow.engine.slow-round}. */
    private final SlowRounds slowRounds;
    /** At most one warning a minute per condition that goes over its iteration budget. */
    private final WarningLimit overBudgetWarnings = new WarningLimit(Duration.ofMinutes(1));
    private long nextWakePoll;
    /** The last read of due wakes took as many as it asked for: more are due now. */
    private boolean moreWakesDue;
    private long nextCatalogCheck;
    private Thread thread;
    private volatile boolean running;

    EventLoop(SegmentConfig config, SegmentCatalog catalog, PartitionStore store, ChangePublisher publisher,
              ChangeTracing tracing, RedisDataSource redis, @Identifier("default-kafka-broker") Map<String, Object> kafka,
              MeterRegistry metrics) {
        this.config = config;
        this.slowRounds = new SlowRounds(config.engine().slowRound());
        this.catalog = catalog;
        this.store = store;
        this.publisher = publisher;
        this.tracing = tracing;
        this.redis = redis;
        this.kafka = kafka;
        this.metrics = metrics;
        this.meters = new EngineMetrics(metrics);
        WakeTraces wakeTraces = new WakeTraces(WAKE_TRACES);
        this.processor = new UserProcessor(config.engine().dedupWindow().toMillis(), new UserProcessor.Listener() {
            @Override
            public void duplicate() {
                meters.duplicates.increment();
            }

            @Override
            public void merge(UserProcessor.MergeStep step) {
                meters.identity.get(step).increment();
            }

            @Override
            public void evaluationError(String condition, String user, Exception error) {
                meters.evaluationErrors.increment();
                String message = String.valueOf(error.getMessage());
                if (message.contains("Iteration budget exceeded") && overBudgetWarnings.tryAcquire(condition)) {
                    LOG.warnf("Condition %s went over its iteration budget for user %s (counted as false): %s",
                            condition, user, message);
                } else {
                    // A missing trait or a property never seen: normal for many users, not worth a warning each.
                    LOG.debugf("Condition %s failed for user %s: %s", condition, user, message);
                }
            }
        }, wakeTraces, config.identity().mergeKnownUsers());
        this.dueWakes = new DueWakes(store, processor, tracing, meters.lateness, wakeTraces);
        this.catalogBackfill = new CatalogBackfill(store, processor, tracing, meters.backfilled, meters.backfillChunksReadAhead,
                meters.backfillChunksReadThemselves, config.backfill().chunk());
        this.historyReplay = new HistoryReplay(kafka, processor, config.backfill().replayRecords(), meters.replayed);
        this.backfillBudget = new LiveFirstBudget(config.backfill().liveShare(), config.backfill().latencyTarget().toMillis(),
                System.nanoTime());
        this.wakeBudget = new LiveFirstBudget(config.scheduler().liveShare(), System.nanoTime());
        this.inFlight = new RoundsInFlight(config.engine().publishTimeout(), meters.publishStage, meters.published);
        this.failing = new FailingRecords(config.engine().maxAttempts(), (record, reason) -> {
            publisher.deadLetter(record.key(), new String(EventRecords.bytesOf(record.value()), StandardCharsets.UTF_8), record.partition(),
                    record.offset(), reason, config.engine().publishTimeout());
            meters.deadLettered.increment();
        });
        this.recovery = new Recovery(new Recovery.Engine() {
            @Override
            public void rewind(PartitionStore.CatalogChanged changed) {
                EventLoop.this.rewind(changed);
            }

            @Override
            public void failed(PoisonRecord poison) {
                failing.failed(poison);
            }

            @Override
            public void reset() {
                EventLoop.this.reset();
            }

            @Override
            public void failing(RuntimeException failure) {
                status.failing(failure);
            }

            @Override
            public boolean sleep(Duration duration) {
                return EventLoop.sleep(duration);
            }
        });
        Gauge.builder("segflow.backfill.live.share", backfillBudget, LiveFirstBudget::share)
                .description("Share of the engine's time backfills and replays may take while events flow (it halves while live events are late)")
                .register(metrics);
        Gauge.builder("segflow.engine.cached.users", this, loop -> loop.cache == null ? 0 : loop.cache.size())
                .description("Users held in memory").register(metrics);
    }

    public EngineStatus status() {
        return status;
    }

    void start(@Observes StartupEvent ignored) {
        SegmentConfig.validate(config);
        cache = new UserCache(cacheCapacity());
        running = true;
        ChangeTracing.loadSpanClasses();
        // Compiling the segments takes seconds in a cold JVM: do it while the engine subscribes and joins the group,
        // so that a restarted instance is processing as soon as it owns its partitions.
        Thread.ofPlatform().name("segflow-catalog-warmup").daemon().start(this::warmUpCatalog);
        thread = Thread.ofPlatform().name("segflow-engine").start(this::run);
    }

    /**
     * Loads the catalog ahead of the first round, then, on a JVM, rehearses loading it (see
     * {@link SegmentCatalog#rehearseLoads}) once the instance has caught up and segments are stored (a new deployment
     * has none yet).
     */
    private void warmUpCatalog() {
        try {
            catalog.refresh();
        } catch (RuntimeException e) {
            LOG.debugf("Loading the segment catalog ahead failed (the engine loads it on its first round): %s", e.getMessage());
            return;
        }
        int compiles = config.engine().catalogWarmUpCompiles();
        if (compiles == 0 || ImageMode.current().isNativeImage()) {
            return;
        }
        try {
            Thread.sleep(CATALOG_WARM_UP_DELAY);
            catalog.rehearseLoads(compiles, () -> running);
        } catch (RuntimeException e) {
            LOG.debugf("Rehearsing the catalog's load failed (a save then loads it as cold code): %s", e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The configured number of users, at most what a third of the heap holds (a user takes a few KB in memory). */
    private int cacheCapacity() {
        long fits = Runtime.getRuntime().maxMemory() / 3 / SegmentConfig.USER_MEMORY_BYTES;
        int capacity = (int) Math.max(1_000, Math.min(config.engine().cacheUsers(), fits));
        if (capacity < config.engine().cacheUsers()) {
            LOG.infof("Keeping at most %d users in memory (segflow.engine.cache-users is %d; the heap holds about that many)",
                    capacity, config.engine().cacheUsers());
        }
        return capacity;
    }

    void stop(@Observes ShutdownEvent ignored) throws InterruptedException {
        running = false;
        if (consumer != null) {
            consumer.wakeup();
        }
        if (thread != null) {
            thread.join(10_000);
        }
    }

    private void run() {
        while (running) {
            try {
                if (consumer == null) {
                    open();
                }
                round();
                status.ok();
                recovery.succeeded();
            } catch (WakeupException e) {
                break;
            } catch (Error e) {
                // Out of memory, say: nothing in this process can be trusted any more. Stop, so that it is restarted.
                LOG.fatalf(e, "segment-function's engine loop stopped on %s: exiting", e);
                status.stopped();
                io.quarkus.runtime.Quarkus.asyncExit(1);
                return;
            } catch (RuntimeException e) {
                if (!recovery.recover(e)) {
                    break; // stopping
                }
            }
        }
        historyReplay.close();
        if (consumer != null) {
            try {
                storePrepared(); // its change records out now, not by the next owner
            } catch (RuntimeException e) {
                LOG.debugf("Storing the last round on shutdown failed (the next owner processes its events): %s", e.getMessage());
                dropPrepared();
            }
            try {
                consumer.close(Duration.ofSeconds(5));
            } catch (RuntimeException e) {
                LOG.debugf("Closing the consumer: %s", e.getMessage());
            }
        }
        status.stopped();
    }

    /** Subscribes; the partition count of segflow.events is recorded on first start and must never change. */
    private void open() {
        Map<String, Object> settings = new HashMap<>(kafka);
        settings.put(ConsumerConfig.GROUP_ID_CONFIG, GROUP);
        settings.put(ConsumerConfig.CLIENT_ID_CONFIG, "segment-function-events");
        settings.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        settings.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        settings.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, config.engine().maxPollRecords());
        settings.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName());
        config.engine().instanceId().ifPresent(id -> settings.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, id));
        KafkaConsumer<String, ByteBuffer> created = new KafkaConsumer<>(settings, new StringDeserializer(), new ByteBufferDeserializer());
        try {
            partitions = created.partitionsFor(Topics.EVENTS, Duration.ofSeconds(30)).size();
            if (partitions == 0) {
                throw new IllegalStateException(Topics.EVENTS + " does not exist yet");
            }
            checkPartitionCount(partitions);
            new KafkaClientMetrics(created).bindTo(metrics);
            created.subscribe(List.of(Topics.EVENTS), new Rebalance());
        } catch (RuntimeException e) {
            created.close(Duration.ofSeconds(1));
            throw e;
        }
        consumer = created;
        rebalanceOnFirstAssignment = config.engine().instanceId().isPresent();
        LOG.infof("Consuming %s (%d partitions) as group %s%s", Topics.EVENTS, partitions, GROUP,
                config.engine().instanceId().map(id -> ", static member " + id).orElse(""));
    }

    private void checkPartitionCount(int count) {
        var values = redis.value(String.class);
        values.setnx(RedisKeys.EVENT_PARTITIONS, Integer.toString(count));
        String stored = values.get(RedisKeys.EVENT_PARTITIONS);
        if (!Integer.toString(count).equals(stored)) {
            running = false;
            throw new IllegalStateException(Topics.EVENTS + " has " + count + " partitions but the state in Redis is laid out for "
                    + stored + ": users would move between partitions; restore the partition count");
        }
    }

    /**
     * The poll's wait: none while a backfill, replay or due wakes have a chunk to run now, until a budget allows one
     * while they wait for it, else the configured wait for events.
     */
    private Duration pollTimeout(boolean backfillPending) {
        if (prepared != null) {
            return Duration.ZERO; // its writes, and its change records, wait for this poll
        }
        long now = System.nanoTime();
        long wait = Long.MAX_VALUE;
        if (backfillPending) {
            wait = backfillBudget.waitNanos(now);
        }
        if (moreWakesDue) {
            wait = Math.min(wait, wakeBudget.waitNanos(now));
        }
        if (wait == Long.MAX_VALUE) {
            return config.engine().pollTimeout();
        }
        return wait == 0 ? Duration.ZERO : Duration.ofNanos(Math.min(wait, config.engine().pollTimeout().toNanos()));
    }

    /** One round: claim, poll, events, wakes, a backfill chunk, then store and publish all of it. */
    private void round() {
        long claiming = System.nanoTime();
        claimPending();
        long polling = System.nanoTime();
        SegmentCatalog.Current beforePoll = catalog.current();
        boolean backfillPending = CatalogBackfill.pending(beforePoll, owned.values());
        ConsumerRecords<String, ByteBuffer> records = consumer.poll(pollTimeout(backfillPending));
        if (!records.isEmpty()) {
            meters.pollStage.record(System.nanoTime() - polling, TimeUnit.NANOSECONDS);
        }
        long now = System.currentTimeMillis();
        long start = System.nanoTime();
        slowRounds.polled(start, start - claiming);
        PolledEvents polled = readOwned(records);
        slowRounds.ended(SlowRounds.Step.RECORDS, System.nanoTime());
        if (!records.isEmpty()) {
            backfillBudget.liveEvents(start);
            wakeBudget.liveEvents(start);
        }
        PartitionStore.Loaded readAhead = null;
        boolean storeAtOnce = false;
        boolean chunk = backfillPending && backfillBudget.allows(System.nanoTime());
        // A backfill's next users are listed, and a chunk's records read, in the round trip that stores the last
        // round: a chunk then waits on no read of its own.
        CatalogBackfill.ReadAhead chunkReads = backfillPending
                ? catalogBackfill.readAhead(catalog.current().index().revision(), owned.values(), chunk) : null;
        // Checked before every batch of events, so that a segment saved before an event is known when it is processed:
        // read along with the batch's users that memory does not hold, in the round trip that stores the last round.
        if (!polled.events().isEmpty() || chunk && chunkReads != null) {
            int owners = owned.size();
            Map<Integer, Set<String>> wanted = chunkReads == null ? polled.users()
                    : withUsers(polled.users(), chunkReads.partition(), chunkReads.users());
            Map<Integer, List<String>> notInMemory = Round.notInMemory(wanted, cache);
            if (chunkReads == null && notInMemory.isEmpty() && store.watchedCatalogRevision().isPresent()) {
                // Nothing to read first: the catalog's revision is the one the last store's connection watches, and
                // this round is stored at once, refused if a segment is saved meanwhile (see rewind).
                storePrepared(); // a round that read ahead left its writes for the next reads: there are none
                storeAtOnce = true;
                // (that store may have watched nothing: its partitions were claimed by another instance)
                store.watchedCatalogRevision().ifPresentOrElse(watched -> catalog.refresh(watched.value()), catalog::refresh);
            } else {
                readAhead = storePreparedThenLoad(notInMemory, chunkReads == null ? null : chunkReads.scan());
                catalogBackfill.listed(chunkReads, readAhead.scanned());
                catalog.refresh(readAhead.catalogRevision());
            }
            if (owned.size() < owners) {
                polled = readOwned(records); // another instance claimed a partition meanwhile: its events are not ours
            }
            nextCatalogCheck = now + config.engine().catalogCheckInterval().toMillis();
        } else {
            storePrepared();
            if (!records.isEmpty() || now >= nextCatalogCheck) {
                catalog.refresh();
                nextCatalogCheck = now + config.engine().catalogCheckInterval().toMillis();
            }
        }
        slowRounds.ended(SlowRounds.Step.ROUND_TRIP, System.nanoTime());
        SegmentCatalog.Current current = catalog.current();
        Round round = new Round(current, System.currentTimeMillis(), cache, store, meters.userReads, meters.unreadableRecords,
                partition -> owned.containsKey(partition) ? owned.get(partition).history() : null, config.engine().recordFormat());
        try {
            historyReplay.plan(round, owned.values());
            if (!polled.events().isEmpty()) {
                events(polled, readAhead, round);
            }
            long waking = System.nanoTime();
            slowRounds.ended(SlowRounds.Step.EVENTS, waking);
            boolean wakes = (moreWakesDue || round.now >= nextWakePoll) && wakeBudget.allows(waking);
            if (wakes) {
                moreWakesDue = dueWakes.run(round, owned.keySet(), wakesPerPartition(waking));
                nextWakePoll = round.now + config.scheduler().pollInterval().toMillis();
            }
            long backfilling = System.nanoTime();
            slowRounds.ended(SlowRounds.Step.WAKES, backfilling);
            if (chunk) {
                historyReplay.run(round, owned.values(), !records.isEmpty());
                catalogBackfill.run(round, owned.values(), readAhead);
            }
            settlePublished(false);
            long nowNanos = System.nanoTime();
            for (OwnedPartition partition : owned.values()) {
                if (partition.trimDue(nowNanos)) {
                    round.batch(partition.partition()); // a quiet partition: a flush only to trim its acknowledged records
                }
            }
            long sealing = System.nanoTime();
            slowRounds.ended(SlowRounds.Step.BACKFILL, sealing);
            meters.applyStage.record(sealing - start, TimeUnit.NANOSECONDS);
            // The work besides live events is charged to its budget now, and its store (mostly its users' records and
            // change records) once the round is stored: with the next round's reads, or now on a Redis Cluster.
            List<LiveFirstBudget> charged = new ArrayList<>(2);
            if (chunk) {
                backfillBudget.spent(sealing - backfilling);
                charged.add(backfillBudget);
            }
            if (wakes) {
                wakeBudget.spent(sealing - waking); // the wakes and the backfill chunk
                charged.add(wakeBudget);
            }
            store(round, storeAtOnce, charged);
            commitOffsets(); // in quiet rounds too, so that the last offsets of a burst are committed
            long stored = System.nanoTime();
            slowRounds.ended(SlowRounds.Step.SEAL, stored);
            slowRounds.roundEnded(stored, records.count(), beforePoll.index().revision(), current.index().revision());
        } finally {
            if (prepared == null || prepared.round() != round) {
                round.spans.forEach(Span::end); // else once its writes are stored
            }
        }
        if (!round.batches.isEmpty()) {
            meters.round.record(Duration.ofNanos(System.nanoTime() - start));
        }
    }

    /** The polled users, by partition, with more of one partition. */
    private static Map<Integer, Set<String>> withUsers(Map<Integer, Set<String>> polled, int partition, List<String> more) {
        if (more.isEmpty()) {
            return polled;
        }
        Map<Integer, Set<String>> all = new HashMap<>(polled);
        Set<String> union = new HashSet<>(polled.getOrDefault(partition, Set.of()));
        union.addAll(more);
        all.put(partition, union);
        return all;
    }

    /** Due users to take per owned partition this round: the live chunk shared out while events flow, else a batch. */
    private int wakesPerPartition(long nowNanos) {
        int whileLive = Math.max(1, config.scheduler().liveChunk() / Math.max(1, owned.size()));
        return wakeBudget.chunk(nowNanos, whileLive, config.scheduler().claimBatch());
    }

    private PolledEvents readOwned(ConsumerRecords<String, ByteBuffer> records) {
        return records.isEmpty() ? PolledEvents.NONE
                : PolledEvents.read(records, records.count(), owned::containsKey, record -> meters.unreadable.increment());
    }

    private void events(PolledEvents polled, PartitionStore.Loaded readAhead, Round round) {
        round.load(polled.users(), readAhead);
        for (PolledEvents.Polled item : polled.events()) {
            ConsumerRecord<String, ByteBuffer> record = item.record();
            PartitionBatch batch = round.batch(record.partition());
            if (item.event() != null && !failing.skips(record)) {
                Span span = tracing.startProcessing(record);
                round.spans.add(span);
                try {
                    round.apply(processor, batch, item.event(), record.value(), span);
                } catch (RuntimeException e) {
                    span.recordException(e);
                    throw new PoisonRecord(record, e);
                }
                round.applied(item.event());
                meters.processed.increment();
            }
            batch.consumedUpTo(record.offset() + 1);
        }
    }

    /**
     * Seals the round and prepares every partition's batch for one transaction (the member indexes are written with
     * the users), which the next round sends with its reads; it is stored now when the round read nothing first
     * ({@code atOnce}: the next may not either), and on a Redis Cluster, where the two cannot share a round trip.
     */
    private void store(Round round, boolean atOnce, List<LiveFirstBudget> charged) {
        if (round.batches.isEmpty()) {
            return;
        }
        long sealing = System.nanoTime();
        round.seal();
        List<PartitionStore.Flush> flushes = new ArrayList<>(round.batches.size());
        List<OwnedPartition> owners = new ArrayList<>(round.batches.size());
        round.batches.forEach((partition, batch) -> {
            OwnedPartition owner = owned.get(partition);
            if (owner != null && !batch.isEmpty() || owner != null && owner.acknowledged() > 0) {
                flushes.add(new PartitionStore.Flush(batch, owner.epoch(), owner.acknowledged(), owner.flushes()));
                owners.add(owner);
            }
        });
        if (flushes.isEmpty()) {
            return;
        }
        prepared = new Prepared(round, flushes, owners, charged, System.nanoTime() - sealing);
        if (atOnce || !store.flushesWithReads()) {
            storePrepared();
        }
    }

    /**
     * A sealed round's flushes, one per partition it changed, and the partitions they are for; the budgets its
     * store is charged to, with the time its seal took (the store's share of that work).
     */
    private record Prepared(Round round, List<PartitionStore.Flush> flushes, List<OwnedPartition> owners,
                            List<LiveFirstBudget> charged, long sealNanos) {
        /** The revision of the catalog the round was evaluated against, which its store checks. */
        long catalogRevision() {
            return round.catalog.index().revision();
        }
    }

    /** Stores the prepared round, if any, on its own. */
    private void storePrepared() {
        if (prepared != null) {
            long flushing = System.nanoTime();
            List<Boolean> stored = store.flush(prepared.flushes(), prepared.catalogRevision());
            meters.flushStage.record(System.nanoTime() - flushing, TimeUnit.NANOSECONDS);
            stored(stored, flushing);
        }
    }

    /** Stores the prepared round, if any, and reads what this round needs in the same round trip, after the write. */
    private PartitionStore.Loaded storePreparedThenLoad(Map<Integer, List<String>> users, PartitionStore.ScanAhead scan) {
        if (prepared == null) {
            return store.loadWithCatalogRevision(users, scan);
        }
        long flushing = System.nanoTime();
        PartitionStore.FlushedAndLoaded done = store.flushThenLoad(prepared.flushes(), prepared.catalogRevision(), users, scan);
        meters.flushStage.record(System.nanoTime() - flushing, TimeUnit.NANOSECONDS);
        stored(done.stored(), flushing);
        return done.loaded();
    }

    /**
     * Once the prepared round is stored ({@code stored}: per flush, false where another instance claimed the
     * partition since): starts publishing its change records (settled by the next rounds) and queues its offsets for
     * the group commit; charges the seal, the round trip (which carried this round's reads too) and the start of the
     * publishing to the budgets of the work it stored.
     */
    private void stored(List<Boolean> stored, long flushStartNanos) {
        Prepared done = prepared;
        prepared = null;
        List<ChangePublisher.Outgoing> outgoing = new ArrayList<>();
        Map<OwnedPartition, Integer> entriesByPartition = new HashMap<>();
        for (int i = 0; i < done.flushes().size(); i++) {
            PartitionBatch batch = done.flushes().get(i).batch();
            if (!stored.get(i)) {
                lose(batch.partition());
                continue;
            }
            OwnedPartition owner = done.owners().get(i);
            owner.stored(batch, done.flushes().get(i).acknowledged());
            entriesByPartition.put(owner, batch.pendingRecords() > 0 ? 1 : 0); // the flush stored its records as one entry
            for (PartitionBatch.Change change : batch.changes()) {
                outgoing.add(ChangePublisher.Outgoing.change(change.userId(), change.json(), change.cause()));
            }
            for (PendingRecord send : batch.sends()) {
                outgoing.add(new ChangePublisher.Outgoing(send.topic(), send.key(), send.value(), null));
            }
            if (batch.nextOffset() >= 0) {
                groupOffsets.stored(batch.partition(), batch.nextOffset());
                failing.storedUpTo(batch.partition(), batch.nextOffset());
            }
        }
        historyReplay.stored();
        inFlight.add(publisher.start(outgoing), entriesByPartition, outgoing.size());
        long slowest = done.round().recordLatencies(meters.membershipLatency, System.currentTimeMillis());
        if (slowest >= 0) {
            backfillBudget.liveLatency(slowest, System.nanoTime());
        }
        done.round().spans.forEach(Span::end);
        long storing = done.sealNanos() + System.nanoTime() - flushStartNanos;
        done.charged().forEach(budget -> budget.spent(storing));
    }

    /**
     * Forgets the prepared round (its events are read again from the stored offsets); its users leave memory, and the
     * backfill and the history replay go on from their stored progress (the round's chunk and replay run again).
     */
    private void dropPrepared() {
        catalogBackfill.forgetUnstored();
        historyReplay.forgetUnstored();
        if (prepared != null) {
            prepared.round().unseal();
            prepared.round().spans.forEach(Span::end);
            prepared = null;
        }
    }

    /**
     * A segment was saved after the catalog the prepared round was evaluated against, and nothing of that round was
     * written: its users leave memory and the owned partitions go back to their stored offsets, so that its events
     * (and wakes, and backfill chunk) are evaluated again, against the new catalog the next round reads. Saving a
     * segment costs the rounds in flight at that moment, not a claim of the partitions.
     */
    private void rewind(PartitionStore.CatalogChanged e) {
        meters.catalogRewinds.increment();
        LOG.debugf("Evaluating the last round again: %s", e.getMessage());
        dropPrepared();
        nextCatalogCheck = 0; // the next round reads the new catalog, whether it has events or not
        for (OwnedPartition partition : owned.values()) {
            seekToStored(new TopicPartition(Topics.EVENTS, partition.partition()), partition.nextOffset());
        }
    }

    /** Commits the stored offsets to the group when due (see {@link GroupOffsets}). */
    private void commitOffsets() {
        groupOffsets.commitIfDue(System.nanoTime(), consumer::commitAsync, owned::containsKey);
    }

    /** Settles the rounds Kafka acknowledged (all of them, waiting), letting their partitions trim what they stored. */
    private void settlePublished(boolean all) {
        inFlight.settle(all, partition -> owned.get(partition.partition()) == partition);
    }

    /** Another instance claimed this partition: stop writing it; the rebalance will take it away from us too. */
    private void lose(int partition) {
        meters.fenced.increment();
        LOG.warnf("Partition %d of %s was claimed by another instance: dropping it", partition, Topics.EVENTS);
        owned.remove(partition);
        catalogBackfill.lost(partition);
        historyReplay.lost(partition);
        TopicPartition topicPartition = new TopicPartition(Topics.EVENTS, partition);
        groupOffsets.forget(topicPartition);
        cache.removePartition(partition, user -> Partitioning.partitionOf(user, partitions));
        if (consumer.assignment().contains(topicPartition)) { // not when a rebalance took it already
            consumer.pause(List.of(topicPartition));
        }
    }

    /** Forgets everything in memory and claims the owned partitions again from what Redis holds. */
    private void reset() {
        meters.resets.increment();
        dropPrepared();
        inFlight.clear(); // the new claims publish whatever it held again
        groupOffsets.clear();
        cache = new UserCache(cacheCapacity());
        unclaimed.addAll(owned.keySet());
        owned.clear();
        if (consumer != null && !unclaimed.isEmpty()) {
            consumer.pause(topicPartitions(unclaimed));
        }
        // Last, as it may fail while Kafka is away (the next reset tries again): a producer that refused a record
        // dropped the ones after it, which the new claims publish again too.
        publisher.restart();
    }

    /**
     * Claims the assigned partitions not claimed yet: fences the previous owner, seeks to the offset the stored
     * state accounts for, and publishes the change records it stored but may not have published.
     */
    private void claimPending() {
        if (unclaimed.isEmpty()) {
            return;
        }
        Set<TopicPartition> assigned = consumer.assignment();
        unclaimed.removeIf(partition -> !assigned.contains(new TopicPartition(Topics.EVENTS, partition)));
        List<PartitionStore.Claim> claims = store.claim(List.copyOf(unclaimed));
        List<ChangePublisher.Outgoing> unpublished = new ArrayList<>();
        for (PartitionStore.Claim claim : claims) {
            for (String stored : claim.unpublished()) {
                PendingRecord pending = PendingRecord.decode(stored, json -> Json.read(json, SegmentChange.class).userId());
                unpublished.add(new ChangePublisher.Outgoing(pending.topic(), pending.key(), pending.value(), null));
            }
        }
        publisher.start(unpublished).await(config.engine().publishTimeout());
        Map<TopicPartition, OffsetAndMetadata> claimed = new HashMap<>();
        for (PartitionStore.Claim claim : claims) {
            TopicPartition topicPartition = new TopicPartition(Topics.EVENTS, claim.partition());
            owned.put(claim.partition(), new OwnedPartition(claim.partition(), claim.epoch(), claim.nextOffset(),
                    BackfillProgress.parse(claim.backfillProgress()), claim.history(), claim.flushes(), claim.pendingEntries()));
            seekToStored(topicPartition, claim.nextOffset());
            if (claim.nextOffset() >= 0) {
                claimed.put(topicPartition, new OffsetAndMetadata(claim.nextOffset()));
            }
            consumer.resume(List.of(topicPartition));
            unclaimed.remove(claim.partition());
        }
        if (!claimed.isEmpty()) {
            consumer.commitAsync(claimed, null); // lag reads from the committed offsets: start them where the state is
        }
        if (!unpublished.isEmpty()) {
            LOG.infof("Published %d change records a previous owner had stored", unpublished.size());
        }
        LOG.infof("Owning partitions %s of %s", new TreeSet<>(owned.keySet()), Topics.EVENTS);
    }

    /**
     * Points the consumer at a partition's stored next offset. A partition whose state was never stored
     * ({@code storedNextOffset} negative): none of its events counted yet, so it starts where the group's offsets are
     * (none, at its first start: its beginning), not where an earlier, failed round of this instance left the
     * consumer's position.
     */
    private void seekToStored(TopicPartition partition, long storedNextOffset) {
        if (storedNextOffset >= 0) {
            consumer.seek(partition, storedNextOffset);
            return;
        }
        OffsetAndMetadata committed = consumer.committed(Set.of(partition)).get(partition);
        if (committed != null) {
            consumer.seek(partition, committed.offset());
        } else {
            consumer.seekToBeginning(List.of(partition));
        }
    }

    private static List<TopicPartition> topicPartitions(Collection<Integer> partitions) {
        return partitions.stream().map(p -> new TopicPartition(Topics.EVENTS, p)).toList();
    }

    private static boolean sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Runs inside poll, on the loop thread. New partitions are claimed at the start of the next round. */
    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            if (rebalanceOnFirstAssignment) {
                // A static member that rejoins gets its last assignment back without a rebalance. If it died between
                // the two rounds of a cooperative rebalance, after giving up partitions and before the round that
                // hands them to another member, nobody owns them and nothing would start that round. One rebalance
                // now does; the sticky assignor leaves the owned partitions where they are.
                rebalanceOnFirstAssignment = false;
                consumer.enforceRebalance("static member " + config.engine().instanceId().orElseThrow() + " rejoined");
            }
            if (partitions.isEmpty()) {
                return;
            }
            partitions.forEach(tp -> unclaimed.add(tp.partition()));
            consumer.pause(partitions);
        }

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            RuntimeException storing = storePreparedBeforeRebalance();
            try {
                settlePublished(true); // so that the trims below cover all that was sent
            } catch (RuntimeException e) {
                // The rounds not settled were not credited to the kept partitions either: a later trim of theirs would
                // cut records never acknowledged. Thrown once the revoked ones are let go: the reset claims the kept
                // ones again and publishes what they stored (the next owners of the revoked ones do the same).
                LOG.debugf("Waiting for the change records on revocation failed: %s", e.getMessage());
                inFlight.clear();
                storing = storing != null ? storing : e;
            }
            List<PartitionStore.Flush> trims = new ArrayList<>();
            for (TopicPartition tp : partitions) {
                groupOffsets.forget(tp);
                OwnedPartition partition = owned.remove(tp.partition());
                unclaimed.remove(tp.partition());
                if (partition != null && partition.acknowledged() > 0) {
                    trims.add(new PartitionStore.Flush(new PartitionBatch(tp.partition()), partition.epoch(), partition.acknowledged()));
                }
                cache.removePartition(tp.partition(), user -> Partitioning.partitionOf(user, EventLoop.this.partitions));
            }
            try {
                store.flush(trims); // so that the next owner does not publish them again
            } catch (RuntimeException e) {
                LOG.debugf("Trimming published change records on revocation failed (the next owner republishes them): %s", e.getMessage());
            }
            if (storing != null) {
                throw storing;
            }
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            RuntimeException storing = storePreparedBeforeRebalance();
            for (TopicPartition tp : partitions) {
                groupOffsets.forget(tp);
                owned.remove(tp.partition());
                unclaimed.remove(tp.partition());
                cache.removePartition(tp.partition(), user -> Partitioning.partitionOf(user, EventLoop.this.partitions));
            }
            if (storing != null) {
                throw storing;
            }
        }

        /**
         * The prepared round is stored before partitions leave (the next owner starts from what is stored; a partition
         * claimed by another instance already is fenced). A failure is thrown once the partitions are let go: poll
         * throws it, and the round resets the partitions kept, whose users in memory are ahead of Redis.
         */
        private RuntimeException storePreparedBeforeRebalance() {
            try {
                storePrepared();
                return null;
            } catch (RuntimeException e) {
                LOG.debugf("Storing the last round before a rebalance failed (its events are processed again): %s", e.getMessage());
                dropPrepared();
                return e;
            }
        }
    }
}
