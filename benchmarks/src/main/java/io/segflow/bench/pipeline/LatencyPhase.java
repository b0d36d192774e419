package io.segflow.bench.pipeline;

import io.segflow.bench.engine.Resp;
import io.segflow.bench.engine.SegmentCatalog;
import io.segflow.core.event.Event;
import io.segflow.core.event.EventRecords;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.BitSet;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongFunction;
import java.util.function.Supplier;

/**
 * Latency from event to change record, open loop: events go out at a fixed rate, each change record whose cause is
 * {@code event:<messageId>} is matched to its event (by the number in its messageId), and its latency counts from
 * when the event was due to be sent (a stall anywhere counts in full). A share of the events are probes: an event on
 * a name only the probe segment reads, which flips its user in or out, so that every probe brings a change; a fresh
 * user's first event, or with {@code --probe-users returning} an event of the pool's users, whom the warm-up made
 * known (a round of them then reads nothing from Redis before its events). With backfill
 * users, a third into the window a segment is saved, so that segment-function re-evaluates every known user while
 * the events keep coming; the latencies are then reported before, during and after that backfill. After the window,
 * {@link KafkaFloor} measures what Kafka alone takes for the same two hops at the same rate; with
 * {@code --floor-alongside}, a few events a second take those two hops during the window too, reported the same way.
 */
final class LatencyPhase {
    /** Time between the end of the warm-up and the window's first event, for the readings before the window. */
    private static final long WINDOW_LEAD_NANOS = 200_000_000L;

    private final EngineOptions options;
    private final Resp redis;
    private final GroupProgress progress;
    private final BenchCatalog catalog;
    private final Summary summary;
    private final String run;

    /**
     * When the events of one send loop were due: the n-th at {@code start + n × interval}, on the monotonic clock and
     * on the wall clock (to compare with record timestamps).
     */
    private record Schedule(long startNanos, long startMillis, long intervalNanos) {
        static Schedule from(long startNanos, int rate) {
            return new Schedule(startNanos, System.currentTimeMillis() + (startNanos - System.nanoTime()) / 1_000_000,
                    1_000_000_000L / rate);
        }

        long intendedNanos(long n) {
            return startNanos + n * intervalNanos;
        }

        long intendedMillis(long n) {
            return startMillis + n * intervalNanos / 1_000_000;
        }
    }

    /**
     * Where the backfill started by this phase is (nanoTime); its end is its last catalog-caused change received, or,
     * for a backfill that moves nobody, when every partition's progress says done.
     */
    private static final class BackfillWatch {
        volatile long startNanos = Long.MAX_VALUE;
        volatile long lastChangeNanos;
        volatile long doneNanos;
        final HashedIds usersChanged = new HashedIds();
        final AtomicLong catalogChanges = new AtomicLong();
        volatile BenchCatalog.Backfill started;
    }

    LatencyPhase(EngineOptions options, Resp redis, GroupProgress progress, BenchCatalog catalog, Summary summary, String run) {
        this.options = options;
        this.redis = redis;
        this.progress = progress;
        this.catalog = catalog;
        this.summary = summary;
        this.run = run;
    }

    void run() throws Exception {
        if (progress.members() == 0) {
            System.out.println("warning: group " + EngineLoad.GROUP + " has no consumer: is segment-function running?");
        }
        if (options.backfillUsers() > 0) {
            registerUsers(options.backfillUsers());
        }
        // Events are made as they are sent and numbered by their messageId: the warm-up's 0 … warmupCount-1, then the
        // window's. A change's cause gives its event's number, and the number its due time: nothing is kept per event,
        // so the generator's own collections stay short while it measures.
        String idPrefix = "lat-" + run + "-";
        long total = (long) options.rate() * options.seconds();
        long warmupCount = (long) options.rate() * options.warmupSeconds();
        BitSet warmupProbes = probes(warmupCount);
        BitSet probeEvents = probes(total);
        BitSet answered = new BitSet();
        AtomicLong answeredCount = new AtomicLong();
        AtomicLong probesAnswered = new AtomicLong();
        AtomicReference<Schedule> warmupSchedule = new AtomicReference<>();
        AtomicReference<Schedule> windowSchedule = new AtomicReference<>();
        // The total latency, split at the change record's timestamp: up to segment-function's send, Kafka's delivery after.
        Window measuredWindow = new Window();
        Window warmupWindow = new Window();
        BackfillWatch backfill = new BackfillWatch();
        try (ChangeStream changes = new ChangeStream(options.bootstrap());
             EventProducer producer = new EventProducer(options.bootstrap(), 2);
             SsePushes pushes = options.apiUrl() == null ? null : new SsePushes(options.apiUrl(), options.apiKey());
             // The warm-up's streams, as the window's, into samples thrown away: the api's push path (and this
             // tool's client) compiled before the window, not in its first seconds.
             SsePushes warmupPushes = pushes == null ? null : new SsePushes(options.apiUrl(), options.apiKey());
             // Started with the warm-up, so that its clients are compiled and placed before the window.
             KafkaFloor.Flow alongside = options.floorAlongside() == 0 ? null : KafkaFloor.alongside(options.bootstrap(),
                     progress.partitions(), options.floorAlongside(), floorEvents(run + "-alongside"))) {
            changes.listen((change, received) -> {
                String cause = change.cause();
                if (received > backfill.startNanos && BenchCatalog.BACKFILL_SEGMENT.equals(change.segmentId())) {
                    backfill.usersChanged.add(change.userId());
                }
                if (cause.startsWith("segments:") && received > backfill.startNanos) {
                    backfill.catalogChanges.incrementAndGet();
                    backfill.lastChangeNanos = received;
                }
                long n = eventNumber(cause, idPrefix);
                if (n < 0) {
                    return;
                }
                // The warm-up's answers go through the same code into samples thrown away: compiled by the JIT
                // before the window, not in its first seconds on cores segflow needs.
                boolean measured = n >= warmupCount;
                Schedule schedule = measured ? windowSchedule.get() : warmupSchedule.get();
                long nth = measured ? n - warmupCount : n;
                Window window = measured ? measuredWindow : warmupWindow;
                long intended = schedule.intendedNanos(nth);
                window.all().add(intended, received - intended);
                long receivedMillis = System.currentTimeMillis();
                window.untilSent().add(intended, (change.sentAtMillis() - schedule.intendedMillis(nth)) * 1_000_000);
                window.delivery().add(intended, (receivedMillis - change.sentAtMillis()) * 1_000_000);
                if (measured && !answered.get((int) nth)) {
                    answered.set((int) nth);
                    answeredCount.incrementAndGet();
                    if (probeEvents.get((int) nth)) {
                        probesAnswered.incrementAndGet();
                    }
                }
            });
            ShopTraffic traffic = new ShopTraffic(run, options.users()).numberedIds(idPrefix);
            // Found and read once before the warm-up: the first reading loads classes and starts a process, which
            // at the window's start would hold its first events back by hundreds of milliseconds.
            CpuShares shares = new CpuShares(ProcessCpu.find(options.pid(), options.pidFile()),
                    ProcessCpu.find(null, options.kafkaPidFile()), redis);
            shares.take();
            RedisStats.AofRewrites.take(redis);
            System.out.printf("warm-up: %d s at %,d events/s%n", options.warmupSeconds(), options.rate());
            long warmupStart = System.nanoTime() + (pushes == null ? 0 : SsePushes.LEAD_NANOS);
            warmupSchedule.set(Schedule.from(warmupStart, options.rate()));
            if (warmupPushes != null) {
                watchPushes(warmupPushes, "w", warmupProbes, warmupCount, warmupStart);
            }
            send(producer, warmupCount, n -> warmupProbes.get((int) n) ? traffic.probe(probeUser("w", n)) : traffic.next(),
                    warmupSchedule.get(), null, warmupWindow);

            // The window starts once the readings before it are taken (within its lead, so that they do not hold
            // its first events back), and with push latency measured once the first sampled streams can be open.
            long windowStart = System.nanoTime() + (pushes == null ? WINDOW_LEAD_NANOS : SsePushes.LEAD_NANOS);
            windowSchedule.set(Schedule.from(windowStart, options.rate()));
            if (alongside != null) {
                alongside.countBetween(windowStart, windowStart + Duration.ofSeconds(options.seconds()).toNanos());
            }
            if (pushes != null) {
                watchPushes(pushes, "m", probeEvents, total, windowStart);
            }
            CpuShares.Snapshot sharesBefore = shares.take();
            RedisStats.AofRewrites rewritesBefore = RedisStats.AofRewrites.take(redis);
            // Wall-clock times, to lay the window next to the logs of Redis (its rewrites) and Kafka.
            System.out.printf("measuring: %d s at %,d events/s (%.0f%% probes, of %s users) from %s%n", options.seconds(),
                    options.rate(), options.probeShare() * 100, options.returningProbes() ? "returning" : "new",
                    Instant.ofEpochMilli(windowSchedule.get().startMillis()));
            long probes = probeEvents.cardinality();
            send(producer, total, n -> probeEvents.get((int) n) ? traffic.probe(probeUser("m", n)) : traffic.next(),
                    windowSchedule.get(), options.backfillUsers() > 0 ? backfill : null, measuredWindow);
            double sendSeconds = (System.nanoTime() - windowStart) / 1e9;
            System.out.printf("window over at %s%n", Instant.now());
            CpuShares.Snapshot sharesAfter = shares.take();
            String cpuShares = CpuShares.between(sharesBefore, sharesAfter);
            System.out.printf("CPU in the window, share of one core: %s%n", cpuShares);
            summary.add("latency", "CPU in the window (one core = 100%)", "%s", cpuShares);
            long rewrites = RedisStats.AofRewrites.take(redis).since(rewritesBefore);
            // A rewrite forks Redis and writes its whole data set: on a shared machine, a core taken for seconds.
            System.out.printf("Redis AOF rewrites started in the window: %d%n", rewrites);
            summary.add("latency", "Redis AOF rewrites in the window", "%d", rewrites);

            awaitAnswers(changes, probesAnswered, probes, options.backfillUsers() > 0 ? backfill : null);
            System.out.printf("  of which until segment-function sent the change record: %s%n", measuredWindow.untilSent().percentiles(t -> true));
            System.out.printf("  of which from that send to its arrival here:            %s%n", measuredWindow.delivery().percentiles(t -> true));
            System.out.printf("load generator behind its schedule when sending:          %s%n", measuredWindow.behind().percentiles(t -> true));
            System.out.printf("slowest change per second of the window (ms): %s%n", measuredWindow.all().slowestPerSecond(windowStart));
            // The same split as above, second by second: where a slow second's time went.
            System.out.printf("  of which until segment-function sent it:     %s%n", measuredWindow.untilSent().slowestPerSecond(windowStart));
            System.out.printf("  of which from that send to its arrival here: %s%n", measuredWindow.delivery().slowestPerSecond(windowStart));
            System.out.printf("  load generator behind its schedule:          %s%n", measuredWindow.behind().slowestPerSecond(windowStart));
            report(measuredWindow.all(), backfill, windowStart, total, probes, answeredCount.get(), probesAnswered.get(), sendSeconds, changes);
            if (alongside != null) {
                alongside.stop();
                reportAlongside(alongside.samples, backfill, windowStart);
            }
            if (pushes != null) {
                awaitPushes(pushes);
                System.out.printf("event -> SSE push on api-function (from the intended send time): %s%n", pushes.report());
                summary.add("latency", "push latency (event -> SSE)", "%s", pushes.percentiles());
            }
            long segmentMicros = CpuShares.used(sharesBefore, sharesAfter, CpuShares.SEGMENT_FUNCTION);
            if (segmentMicros >= 0) {
                double perEvent = segmentMicros / (double) total;
                System.out.printf("segment-function CPU during the window: %.1f µs per event (%.0f%% of a core)%n",
                        perEvent, segmentMicros / 1e4 / sendSeconds);
                summary.add("latency", "segment-function CPU per event", "%.1f µs at %,d events/s", perEvent, options.rate());
            }
            if (options.floorSeconds() > 0) {
                measureFloor();
            }
        }
    }

    /** {@link KafkaFloor}: the same kind of events at the same rate through Kafka twice, with nothing in between. */
    private void measureFloor() throws Exception {
        LatencySamples.Percentiles floor = KafkaFloor.measure(options.bootstrap(), progress.partitions(), options.rate(),
                options.floorSeconds(), floorEvents(run + "-floor"));
        System.out.printf("Kafka floor, the same traffic through Kafka twice with nothing in between (%d s at %,d events/s): %s%n",
                options.floorSeconds(), options.rate(), floor);
        summary.add("latency", "Kafka floor (two hops, no work)", "%s", floor);
    }

    /** Shop events as ingest writes them, for a {@link KafkaFloor}. */
    private Supplier<KafkaFloor.EventRecord> floorEvents(String users) {
        ShopTraffic traffic = new ShopTraffic(users, options.users());
        return () -> {
            Event event = traffic.next();
            return new KafkaFloor.EventRecord(event.profileKey(), EventRecords.write(event));
        };
    }

    /**
     * The Kafka floor taken beside the window: its events due in the window, before and while the backfill ran, and
     * second by second, to lay next to the change latencies of the same seconds.
     */
    private void reportAlongside(LatencySamples floor, BackfillWatch backfill, long windowStart) {
        LatencySamples.Percentiles all = floor.percentiles(t -> true);
        System.out.printf("Kafka floor alongside (%,d events/s through the same two hops during the window): %s%n",
                options.floorAlongside(), all);
        System.out.printf("  slowest per second of the window (ms): %s%n", floor.slowestPerSecond(windowStart));
        summary.add("latency", "Kafka floor alongside, all", "%s", all);
        if (backfill.started != null) {
            AroundBackfill split = AroundBackfill.of(floor, backfill);
            System.out.printf("  due before the backfill: %s%n  while it ran:            %s%n", split.before(), split.during());
            summary.add("latency", "Kafka floor alongside, before backfill", "%s", split.before());
            summary.add("latency", "Kafka floor alongside, during backfill", "%s", split.during());
        }
    }

    /** One event for each of {@code n} new users, then until segment-function has them all: the users a backfill goes over. */
    private void registerUsers(int n) throws Exception {
        long start = System.nanoTime();
        try (EventProducer producer = new EventProducer(options.bootstrap(), 10)) {
            ShopTraffic traffic = new ShopTraffic(run, 1);
            for (int i = 0; i < n; i++) {
                producer.send(traffic.view("known-" + run + "-" + i, SegmentCatalog.view(0)));
            }
            producer.flush();
        }
        GroupProgress.Snapshot now = progress.snapshot();
        long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
        while (now.lag() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(200);
            now = progress.snapshot();
        }
        if (now.lag() > 0) {
            throw new IllegalStateException("segment-function did not take the " + n + " registering events within 10 minutes");
        }
        System.out.printf("registered %,d more users in %.1f s; segment-function knows %,d users%n", n,
                (System.nanoTime() - start) / 1e9, catalog.knownUsers(progress.partitions()));
    }

    /** Which of {@code count} events are probes (each with {@code --probe-share} odds), drawn ahead for the streams. */
    private BitSet probes(long count) {
        SplittableRandom random = new SplittableRandom();
        BitSet probes = new BitSet((int) count);
        for (int n = 0; n < count; n++) {
            probes.set(n, random.nextDouble() < options.probeShare());
        }
        return probes;
    }

    /**
     * The user of the n-th event of the warm-up ({@code w}) or the window ({@code m}) if it is a probe: a fresh user,
     * or with {@code --probe-users returning} one of the pool's, spread over it (known from the warm-up, so that
     * segment-function holds it in memory as it holds a site's regular visitors).
     */
    private String probeUser(String phase, long n) {
        if (options.returningProbes()) {
            // a multiplicative hash: the probes of consecutive events go to users far apart in the pool
            return ShopTraffic.user(run, (int) (n * 2_654_435_761L % options.users()));
        }
        return "probe-" + run + "-" + phase + n;
    }

    /** The number of the event a change's cause names ({@code event:<prefix><n>}), or -1 for another cause. */
    static long eventNumber(String cause, String prefix) {
        if (!cause.startsWith("event:") || !cause.startsWith(prefix, 6)) {
            return -1;
        }
        try {
            return Long.parseLong(cause, 6 + prefix.length(), cause.length(), 10);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /**
     * A phase's latencies: event to change record, split at segment-function's send, and how late the generator
     * handed each event to its producer (an open loop's own lateness).
     */
    private record Window(LatencySamples all, LatencySamples untilSent, LatencySamples delivery,
                          LatencySamples behind) {
        Window() {
            this(new LatencySamples(), new LatencySamples(), new LatencySamples(), new LatencySamples());
        }
    }

    /**
     * Sends {@code count} events at the configured rate, the n-th (from {@code events}) at its due time by
     * {@code schedule} (or at once when behind: open loop), and records how late each went in {@code window}; starts
     * the backfill a third in when asked.
     */
    private void send(EventProducer producer, long count, LongFunction<Event> events, Schedule schedule,
                      BackfillWatch backfill, Window window) throws Exception {
        long backfillAt = schedule.startNanos() + Duration.ofSeconds(options.seconds()).toNanos() / 3;
        CompletableFuture<Void> saving = null;
        for (long n = 0; n < count; n++) {
            long intended = schedule.intendedNanos(n);
            Pacing.awaitDue(intended);
            if (backfill != null && saving == null && intended >= backfillAt) {
                // On a thread of its own, as a marketer's save comes from elsewhere: its Redis round trips would
                // hold back the events due meanwhile, and count against segflow's latency.
                // A save that fails fails the phase, at the join below.
                saving = CompletableFuture.runAsync(() -> startBackfill(backfill, schedule),
                        task -> Thread.ofPlatform().name("backfill-save").start(task));
            }
            producer.send(events.apply(n));
            window.behind().add(intended, System.nanoTime() - intended);
        }
        if (saving != null) {
            saving.join();
        }
        producer.flush();
    }

    /** Saves the segment that starts the backfill and says so. */
    private void startBackfill(BackfillWatch backfill, Schedule schedule) {
        try {
            backfill.startNanos = System.nanoTime();
            backfill.started = catalog.startBackfill(progress.partitions(), options.backfillMoves());
            if (!backfill.started.moves()) {
                watchProgress(backfill, progress.partitions());
            }
            System.out.printf("backfill started at %s (%.1f s into the window): segment %s saved, all %,d known users %s, "
                            + "revision %d%n", Instant.now(), (backfill.startNanos - schedule.startNanos()) / 1e9,
                    BenchCatalog.BACKFILL_SEGMENT, backfill.started.knownUsers(), backfill.started.what(),
                    backfill.started.revision());
        } catch (IOException e) {
            throw new UncheckedIOException("saving the backfill's segment failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Streams for every k-th probe of the warm-up or the window, {@code --sse-per-second} of them per second of it. */
    private void watchPushes(SsePushes pushes, String phase, BitSet probes, long count, long start) {
        long interval = 1_000_000_000L / options.rate();
        double probesPerSecond = options.rate() * options.probeShare();
        long every = Math.max(1, Math.round(probesPerSecond / options.ssePerSecond()));
        long probe = 0;
        for (int n = 0; n < count; n++) {
            if (probes.get(n) && probe++ % every == 0) {
                pushes.watch(probeUser(phase, n), start + n * interval);
            }
        }
    }

    /** Until every watched stream had its change, or 30 s. */
    private static void awaitPushes(SsePushes pushes) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (pushes.answered() < pushes.watched() && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
    }

    /** A backfill that moves nobody sends no change: its end is read from the partitions' progress, every 50 ms. */
    private void watchProgress(BackfillWatch backfill, int partitions) {
        long revision = backfill.started.revision();
        Thread.ofPlatform().daemon().name("backfill-progress").start(() -> {
            try (Resp own = new Resp(options.redis())) {
                while (!BenchCatalog.backfillDone(own, revision, partitions)) {
                    Thread.sleep(50);
                }
                backfill.doneNanos = System.nanoTime();
            } catch (Exception e) {
                System.out.println("reading the backfill's progress failed: " + e.getMessage());
            }
        });
    }

    /** Until every probe was answered (and the backfill is over), or a time limit. */
    private void awaitAnswers(ChangeStream changes, AtomicLong probesAnswered, long probes, BackfillWatch backfill)
            throws InterruptedException {
        long end = System.nanoTime();
        long deadline = end + Duration.ofSeconds(30 + (backfill != null ? options.backfillTimeoutSeconds() : 0)).toNanos();
        long nextNotice = end + 5_000_000_000L;
        while (System.nanoTime() < deadline) {
            boolean probesDone = probesAnswered.get() >= probes;
            if (probesDone && (backfill == null || backfillOver(backfill))) {
                break;
            }
            if (System.nanoTime() > nextNotice) {
                System.out.printf("  waiting: %,d of %,d probes answered%s%n", probesAnswered.get(), probes, backfill == null ? ""
                        : String.format("; backfill: %,d of %,d known users changed", backfill.usersChanged.size(), backfill.started.knownUsers()));
                nextNotice = System.nanoTime() + 5_000_000_000L;
            }
            Thread.sleep(100);
        }
        changes.awaitQuiet(Duration.ofSeconds(2), Duration.ofSeconds(10));
    }

    /** Every known user changed and no catalog-caused change for 2 s, or none for 10 s after the last. */
    private static boolean backfillOver(BackfillWatch backfill) {
        if (backfill.started == null) {
            return true;
        }
        if (!backfill.started.moves()) {
            return backfill.doneNanos > 0;
        }
        long quiet = System.nanoTime() - Math.max(backfill.lastChangeNanos, backfill.startNanos);
        return (backfill.started.knownUsers() > 0 && backfill.usersChanged.size() >= backfill.started.knownUsers() && quiet > 2_000_000_000L)
                || (backfill.lastChangeNanos > 0 && quiet > 10_000_000_000L);
    }

    /**
     * When the backfill ended (nanoTime): its last catalog-caused change received, or, for one that moves nobody, when
     * every partition's progress said done; {@code Long.MAX_VALUE} when neither was seen.
     */
    private static long backfillEnd(BackfillWatch backfill) {
        long end = backfill.started.moves() ? backfill.lastChangeNanos : backfill.doneNanos;
        return end > 0 ? end : Long.MAX_VALUE;
    }

    private void report(LatencySamples samples, BackfillWatch backfill, long windowStart, long total, long probes, long answered,
            long probesAnswered, double sendSeconds, ChangeStream changes) {
        System.out.printf("sent %,d events in %.2f s (%,.0f events/s, %,d probes); %,d events answered by a change (%,d of the probes)%n",
                total, sendSeconds, total / sendSeconds, probes, answered, probesAnswered);
        System.out.printf("change records: %,d read, %,d distinct, %,d duplicates%n", changes.records(), changes.distinct(), changes.duplicates());
        LatencySamples.Percentiles all = samples.percentiles(t -> true);
        System.out.printf("event -> change record latency (from the intended send time): %s%n", all);
        summary.add("latency", "rate", "%,d events/s for %d s (%,d probes of %s users; %,d answered)", options.rate(),
                options.seconds(), probes, options.returningProbes() ? "returning" : "new", probesAnswered);
        summary.add("latency", "change latency, all", "%s", all);
        summary.add("latency", "change records", "%,d distinct, %,d duplicates", changes.distinct(), changes.duplicates());
        if (probesAnswered < probes) {
            summary.add("latency", "probes without a change", "%,d (lost, or later than the wait)", probes - probesAnswered);
        }
        if (backfill.started == null) {
            return;
        }
        long startNanos = backfill.startNanos;
        long endNanos = backfillEnd(backfill);
        String end;
        if (!backfill.started.moves()) {
            end = endNanos == Long.MAX_VALUE ? "not done" : String.format("done %.1f s after the start", (endNanos - startNanos) / 1e9);
        } else {
            end = endNanos == Long.MAX_VALUE ? "no catalog-caused change seen"
                    : String.format("last catalog-caused change %.1f s after the start", (endNanos - startNanos) / 1e9);
        }
        System.out.printf("backfill: %,d known users, %,d changed in %s, %,d catalog-caused changes; %s%n",
                backfill.started.knownUsers(), backfill.usersChanged.size(), BenchCatalog.BACKFILL_SEGMENT,
                backfill.catalogChanges.get(), end);
        AroundBackfill split = AroundBackfill.of(samples, backfill);
        System.out.printf("  events due before the backfill: %s%n  while it ran:                  %s%n  after it:                      %s%n",
                split.before(), split.during(), split.after());
        summary.add("latency", "backfill", "%,d known users, %s (%.1f s into the window)", backfill.started.knownUsers(), end,
                (startNanos - windowStart) / 1e9);
        summary.add("latency", "change latency, before backfill", "%s", split.before());
        summary.add("latency", "change latency, during backfill", "%s", split.during());
        summary.add("latency", "change latency, after backfill", "%s", split.after());
    }

    /** A run's samples split by their events' due time around a started backfill: before it, while it ran, after it. */
    private record AroundBackfill(LatencySamples.Percentiles before, LatencySamples.Percentiles during,
                                  LatencySamples.Percentiles after) {
        static AroundBackfill of(LatencySamples samples, BackfillWatch backfill) {
            long start = backfill.startNanos;
            long end = backfillEnd(backfill);
            return new AroundBackfill(samples.percentiles(t -> t < start), samples.percentiles(t -> t >= start && t <= end),
                    samples.percentiles(t -> t > end));
        }
    }
}
