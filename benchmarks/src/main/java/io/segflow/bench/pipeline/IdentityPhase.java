package io.segflow.bench.pipeline;

import io.segflow.bench.engine.Resp;
import io.segflow.bench.engine.SegmentCatalog;
import io.segflow.core.event.Event;
import io.segflow.core.identity.IdentityRecords;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * What an identity merge costs. Three steps on the running segment-function:
 * <ol>
 *   <li><b>Visitors</b>: {@code --users} N anonymous visitors A_i browse as analytics.js reports it before sign-up
 *   (anonymousId only, keyed by it): a page call, three product views ({@code view_0}) and an add to cart
 *   ({@code cart_0}), which puts each A_i in {@code g000-t1} (3 views in an hour) and {@code g000-t9} (cart without
 *   order in 30 minutes), most also in {@code g000-t4} (a view over 80 EUR). Each user U_i has two product views of its
 *   own first (userId only: it is not in {@code g000-t1} yet). Then until the group's lag is 0.</li>
 *   <li><b>Identifies</b>: N {@code identify} calls (userId U_i, anonymousId A_i, traits) at {@code --rate}, open loop.
 *   Each one merges A_i into U_i: {@code merge} (keyed by A_i) from U_i's owner, {@code merge-profile} (keyed by U_i)
 *   from A_i's owner, then U_i's owner evaluates every segment on the merged profile. Measured per merge, from the
 *   identify's intended send time: (a) A_i's {@code merged} change record arriving here, (b) U_i's first change record
 *   caused {@code merged:A_i} arriving here (with 5 views and a cart it always enters {@code g000-t0}, {@code g000-t1},
 *   {@code g000-t6}, {@code g000-t9}), split at the step records' timestamps on {@code segflow.events} and at the
 *   change record's {@code at} (segment-function's round) and timestamp (its send); Redis {@code INFO commandstats} and CPU,
 *   segment-function's CPU and the records written to {@code segflow.events}, from the first identify until the last
 *   merge arrived and the lag is 0.</li>
 *   <li><b>Plain events</b>: N events of the same users in the typical track mix (no identify), at the same rate,
 *   measured the same way: the per-event figures to compare with.</li>
 * </ol>
 * Then {@code kafka-producer-perf-test} and {@code redis-benchmark} on the same servers, as the drain phase does.
 */
final class IdentityPhase {
    private static final long POLL_MILLIS = 50;
    /** Without a merge arriving for this long (and the lag not at 0), the missing ones are reported. */
    private static final Duration COMPLETION_TIMEOUT = Duration.ofSeconds(120);
    /** With the lag at 0 (segment-function has taken every record), this long without an arrival means none will come. */
    private static final Duration QUIET_GIVE_UP = Duration.ofSeconds(10);

    private final EngineOptions options;
    private final Resp redis;
    private final GroupProgress progress;
    private final Summary summary;
    private final int n;
    private final String[] users;
    private final String[] anonymous;
    private final Map<String, Integer> byUser = new HashMap<>();
    private final Map<String, Integer> byAnonymous = new HashMap<>();

    // Per merge i: the identify's intended send time, then what arrived when (0: not yet). Written by the listener threads.
    private final long[] dueNanos;
    private final long[] dueMillis;
    private final AtomicLongArray mergeSent;      // timestamp of the merge record (keyed A_i)
    private final AtomicLongArray profileSent;    // timestamp of the merge-profile record (keyed U_i)
    private final AtomicLongArray anonReceived;   // (a) A_i's merged record: received (nanoTime), its at, its timestamp
    private final AtomicLongArray anonAt;
    private final AtomicLongArray anonSent;
    private final AtomicLongArray userReceived;   // (b) U_i's first change caused merged:A_i
    private final AtomicLongArray userAt;
    private final AtomicLongArray userSent;
    private final AtomicLongArray identifyReceived; // U_i's first change caused by the identify itself (its traits)
    private final AtomicInteger anonDone = new AtomicInteger();
    private final AtomicInteger userDone = new AtomicInteger();

    IdentityPhase(EngineOptions options, Resp redis, GroupProgress progress, Summary summary, String run) {
        this.options = options;
        this.redis = redis;
        this.progress = progress;
        this.summary = summary;
        this.n = options.users();
        users = new String[n];
        anonymous = new String[n];
        for (int i = 0; i < n; i++) {
            users[i] = "user-" + run + "-" + i;
            anonymous[i] = UUID.randomUUID().toString(); // analytics.js's anonymousId
            byUser.put(users[i], i);
            byAnonymous.put(anonymous[i], i);
        }
        dueNanos = new long[n];
        dueMillis = new long[n];
        mergeSent = new AtomicLongArray(n);
        profileSent = new AtomicLongArray(n);
        anonReceived = new AtomicLongArray(n);
        anonAt = new AtomicLongArray(n);
        anonSent = new AtomicLongArray(n);
        userReceived = new AtomicLongArray(n);
        userAt = new AtomicLongArray(n);
        userSent = new AtomicLongArray(n);
        identifyReceived = new AtomicLongArray(n);
    }

    /** Resource use over one measured window. */
    private record Window(long sent, double seconds, long records, RedisStats redisBefore, RedisStats redisAfter,
                          long cpuMicros) {
    }

    void run() throws Exception {
        if (progress.members() == 0) {
            throw new IllegalStateException("group " + EngineLoad.GROUP + " has no consumer: start segment-function first");
        }
        ProcessCpu cpu = ProcessCpu.segmentFunction(options);
        int averageBytes;
        try (ChangeStream changes = new ChangeStream(options.bootstrap())) {
            visitors(changes);
            Window merges = identifies(changes, cpu);
            Window plain;
            try (EventProducer producer = new EventProducer(options.bootstrap(), 2)) {
                plain = plainEvents(changes, producer, cpu);
                averageBytes = producer.averageBytes();
            }
            compare(merges, plain);
        }
        limits(averageBytes);
    }

    // ---------------------------------------------------------------- 1. visitors

    private void visitors(ChangeStream changes) throws Exception {
        Map<String, AtomicInteger> segments = new ConcurrentHashMap<>();
        changes.listen((change, received) -> {
            if (change.kind() != null && !change.merged()) {
                segments.computeIfAbsent(change.userId(), u -> new AtomicInteger()).addAndGet(change.entered() ? 1 : -1);
            }
        });
        long start = System.nanoTime();
        long events = 0;
        try (EventProducer producer = new EventProducer(options.bootstrap(), 10)) {
            ShopTraffic traffic = new ShopTraffic("identity", 1);
            for (int i = 0; i < n; i++) {
                producer.send(traffic.productViewed(users[i], null, SegmentCatalog.view(0)));
                producer.send(traffic.productViewed(users[i], null, SegmentCatalog.view(0)));
                String a = anonymous[i];
                producer.send(traffic.page(null, a));
                producer.send(traffic.productViewed(null, a, SegmentCatalog.view(0)));
                producer.send(traffic.productViewed(null, a, SegmentCatalog.view(0)));
                producer.send(traffic.addToCart(null, a));
                producer.send(traffic.productViewed(null, a, SegmentCatalog.view(0)));
                events += 7;
            }
            producer.flush();
            System.out.printf("visitors: %,d anonymous ids with 5 events each (page, 3 product views, add to cart; anonymousId "
                    + "only), %,d users with 2 product views each: %,d events, %,d bytes per record, written in %.1f s%n",
                    n, n, events, producer.averageBytes(), (System.nanoTime() - start) / 1e9);
        }
        GroupProgress.Snapshot drained = awaitLagZero(Duration.ofMinutes(10), "the visitors' events");
        if (drained.lag() > 0) {
            throw new IllegalStateException("segment-function did not take the visitors' events within 10 minutes");
        }
        changes.awaitQuiet(Duration.ofSeconds(2), Duration.ofSeconds(30));
        System.out.printf("  processed %.1f s after the first was written (lag 0)%n", (drained.nanos() - start) / 1e9);
        int anonIn = 0;
        long anonSegments = 0;
        int usersIn = 0;
        long userSegments = 0;
        for (int i = 0; i < n; i++) {
            AtomicInteger a = segments.get(anonymous[i]);
            AtomicInteger u = segments.get(users[i]);
            if (a != null && a.get() > 0) {
                anonIn++;
                anonSegments += a.get();
            }
            if (u != null && u.get() > 0) {
                usersIn++;
                userSegments += u.get();
            }
        }
        System.out.printf("  %,d of %,d anonymous ids are in at least one segment (%.2f segments each on average); "
                + "%,d of %,d users (%.2f segments each)%n", anonIn, n, anonSegments / (double) Math.max(1, anonIn),
                usersIn, n, userSegments / (double) Math.max(1, usersIn));
        summary.add("identity", "visitors before the merges", "%,d of %,d anonymous ids in >= 1 segment (%.2f on average), "
                + "%,d users in >= 1 (%.2f)", anonIn, n, anonSegments / (double) Math.max(1, anonIn), usersIn,
                userSegments / (double) Math.max(1, usersIn));
    }

    // ---------------------------------------------------------------- 2. identifies

    private Window identifies(ChangeStream changes, ProcessCpu cpu) throws Exception {
        Map<String, Integer> identifyIds = new ConcurrentHashMap<>();
        AtomicLong anonExits = new AtomicLong();
        AtomicLong userEntries = new AtomicLong();
        AtomicLong userExits = new AtomicLong();
        AtomicLong identifyChanges = new AtomicLong();
        AtomicLong otherChanges = new AtomicLong();
        changes.listen((change, received) -> {
            String cause = change.cause();
            if (change.causedByMerge()) {
                Integer a = byAnonymous.get(change.userId());
                Integer u = byUser.get(change.userId());
                if (a != null && change.merged()) {
                    if (anonReceived.compareAndSet(a, 0, received)) {
                        anonAt.set(a, change.atMillis());
                        anonSent.set(a, change.sentAtMillis());
                        anonDone.incrementAndGet();
                    }
                } else if (a != null) {
                    anonExits.incrementAndGet();
                } else if (u != null) {
                    (change.entered() ? userEntries : userExits).incrementAndGet();
                    if (userReceived.compareAndSet(u, 0, received)) {
                        userAt.set(u, change.atMillis());
                        userSent.set(u, change.sentAtMillis());
                        userDone.incrementAndGet();
                    }
                } else {
                    otherChanges.incrementAndGet();
                }
                return;
            }
            Integer i = cause.startsWith("event:") ? identifyIds.get(cause.substring("event:".length())) : null;
            if (i != null) {
                identifyChanges.incrementAndGet();
                identifyReceived.compareAndSet(i, 0, received);
            } else {
                otherChanges.incrementAndGet();
            }
        });
        long identifiesSent;
        double seconds;
        long records;
        RedisStats redisBefore;
        RedisStats redisAfter;
        long cpuMicros;
        Map<String, long[]> written;
        try (EventsTap tap = new EventsTap(options.bootstrap(), (type, key, timestamp) -> {
                 if (IdentityRecords.MERGE.equals(type)) {
                     Integer a = byAnonymous.get(key);
                     if (a != null) {
                         mergeSent.compareAndSet(a, 0, timestamp);
                     }
                 } else if (IdentityRecords.PROFILE.equals(type)) {
                     Integer u = byUser.get(key);
                     if (u != null) {
                         profileSent.compareAndSet(u, 0, timestamp);
                     }
                 }
             });
             EventProducer producer = new EventProducer(options.bootstrap(), 2)) {
            GroupProgress.Snapshot before = progress.snapshot();
            redisBefore = RedisStats.take(redis);
            long cpuBefore = cpu != null ? cpu.micros() : 0;
            System.out.printf("%nidentifies: %,d at %,d/s (open loop), each merging A_i into U_i%n", n, options.rate());
            ShopTraffic traffic = new ShopTraffic("identity", 1);
            long interval = 1_000_000_000L / options.rate();
            long start = System.nanoTime();
            long startMillis = System.currentTimeMillis();
            for (int i = 0; i < n; i++) {
                long intended = start + i * interval;
                Pacing.awaitDue(intended);
                Event identify = traffic.identify(users[i], anonymous[i]);
                dueNanos[i] = intended;
                dueMillis[i] = startMillis + (intended - start) / 1_000_000;
                identifyIds.put(identify.messageId(), i);
                producer.send(identify);
            }
            producer.flush();
            identifiesSent = n;
            double sendSeconds = (System.nanoTime() - start) / 1e9;
            System.out.printf("  sent in %.2f s (%,.0f/s)%n", sendSeconds, n / sendSeconds);
            End end = awaitMerges(cpu);
            redisAfter = end.redis;
            cpuMicros = cpu != null && end.cpuMicros >= 0 ? end.cpuMicros - cpuBefore : -1;
            seconds = (end.progress.nanos() - start) / 1e9;
            records = end.progress.end() - before.end();
            written = tap.byType();
        }
        reportMerges(changes, anonExits.get(), userEntries.get(), userExits.get(), identifyChanges.get(), otherChanges.get());
        System.out.printf("  window: %.2f s from the first identify to lag 0 after the last merge%n", seconds);
        System.out.printf("  records written to segflow.events: %,d, of which %,d identifies sent here: %.2f per merge "
                + "(end offsets)%n", records, identifiesSent, (records - identifiesSent) / (double) n);
        written.forEach((type, countAndBytes) -> System.out.printf("    %-16s %,9d records  %,7d bytes each on average%n", type,
                countAndBytes[0], countAndBytes[1] / Math.max(1, countAndBytes[0])));
        summary.add("identity", "records on segflow.events per merge", "%.2f (%s)", (records - identifiesSent) / (double) n,
                describe(written));
        return new Window(identifiesSent, seconds, records - identifiesSent, redisBefore, redisAfter, cpuMicros);
    }

    private static String describe(Map<String, long[]> written) {
        List<String> parts = new ArrayList<>();
        written.forEach((type, countAndBytes) -> parts.add(String.format("%s %,d x %,d B", type, countAndBytes[0],
                countAndBytes[1] / Math.max(1, countAndBytes[0]))));
        return String.join(", ", parts);
    }

    /** The end of a window: the group's progress, Redis' counters and segment-function's CPU at one moment. */
    private record End(GroupProgress.Snapshot progress, RedisStats redis, long cpuMicros) {
    }

    private End end(GroupProgress.Snapshot progress, ProcessCpu cpu) throws Exception {
        return new End(progress, RedisStats.take(redis), cpu != null && cpu.alive() ? cpu.micros() : -1);
    }

    /**
     * Until every merge arrived on both ids and the lag is 0. The window ends at the first moment the lag is 0 after the
     * last arrival: a merge that never completes does not add idle time to the costs. Gives up when nothing arrived for
     * {@link #QUIET_GIVE_UP} with the lag at 0 (nothing left to process), or for {@link #COMPLETION_TIMEOUT}.
     */
    private End awaitMerges(ProcessCpu cpu) throws Exception {
        long lastArrival = System.nanoTime();
        long nextNotice = lastArrival + 5_000_000_000L;
        int seen = -1;
        End end = null;
        while (true) {
            int arrived = anonDone.get() + userDone.get();
            long now = System.nanoTime();
            if (arrived != seen) {
                seen = arrived;
                lastArrival = now;
                end = null;
            }
            if (end == null) {
                GroupProgress.Snapshot snapshot = progress.snapshot();
                if (snapshot.lag() == 0) {
                    end = end(snapshot, cpu);
                }
            }
            if (end != null && arrived == 2 * n) {
                return end;
            }
            if (end != null && now - lastArrival > QUIET_GIVE_UP.toNanos()) {
                System.out.printf("  lag 0 and no merge arrived for %d s: %,d anonymous ids and %,d users still wait%n",
                        QUIET_GIVE_UP.toSeconds(), n - anonDone.get(), n - userDone.get());
                return end;
            }
            if (now - lastArrival > COMPLETION_TIMEOUT.toNanos()) {
                GroupProgress.Snapshot snapshot = progress.snapshot();
                System.out.printf("  no merge arrived for %d s (lag %,d): giving up waiting%n", COMPLETION_TIMEOUT.toSeconds(),
                        snapshot.lag());
                return end(snapshot, cpu);
            }
            if (now > nextNotice) {
                System.out.printf("  waiting: %,d of %,d anonymous ids merged, %,d of %,d users moved by their merge%n",
                        anonDone.get(), n, userDone.get(), n);
                nextNotice = now + 5_000_000_000L;
            }
            Thread.sleep(POLL_MILLIS);
        }
    }

    private void reportMerges(ChangeStream changes, long anonExits, long userEntries, long userExits, long identifyChanges,
                              long otherChanges) {
        LatencySamples a = new LatencySamples();
        LatencySamples aUntilRound = new LatencySamples();
        LatencySamples aRound = new LatencySamples();
        LatencySamples aDelivery = new LatencySamples();
        LatencySamples b = new LatencySamples();
        LatencySamples hop1 = new LatencySamples();
        LatencySamples hop2 = new LatencySamples();
        LatencySamples hop3Delivery = new LatencySamples();
        LatencySamples hop3Round = new LatencySamples();
        LatencySamples bDelivery = new LatencySamples();
        LatencySamples identify = new LatencySamples();
        // Wall-clock instants of reception, from the monotonic ones: the record timestamps and at are wall-clock.
        long nanosToMillis = System.currentTimeMillis() - System.nanoTime() / 1_000_000;
        Map<String, List<String>> incomplete = new java.util.TreeMap<>();
        for (int i = 0; i < n; i++) {
            long due = dueNanos[i];
            long received = anonReceived.get(i);
            if (received != 0) {
                a.add(due, received - due);
                aUntilRound.add(due, ms(anonAt.get(i) - dueMillis[i]));
                aRound.add(due, ms(anonSent.get(i) - anonAt.get(i)));
                aDelivery.add(due, ms(received / 1_000_000 + nanosToMillis - anonSent.get(i)));
            }
            received = userReceived.get(i);
            if (received != 0) {
                b.add(due, received - due);
                if (mergeSent.get(i) != 0 && profileSent.get(i) != 0) {
                    hop1.add(due, ms(mergeSent.get(i) - dueMillis[i]));
                    hop2.add(due, ms(profileSent.get(i) - mergeSent.get(i)));
                    hop3Delivery.add(due, ms(userAt.get(i) - profileSent.get(i)));
                }
                hop3Round.add(due, ms(userSent.get(i) - userAt.get(i)));
                bDelivery.add(due, ms(received / 1_000_000 + nanosToMillis - userSent.get(i)));
            }
            if (identifyReceived.get(i) != 0) {
                identify.add(due, identifyReceived.get(i) - due);
            }
            if (anonReceived.get(i) == 0 || userReceived.get(i) == 0) {
                String stage = mergeSent.get(i) == 0 ? "no merge record (U's owner never asked)"
                        : profileSent.get(i) == 0 ? "merge record, no merge-profile record (A's owner never sent the profile)"
                        : anonReceived.get(i) == 0 ? "merge-profile record, no merged record for A"
                        : "merge-profile record and A's merged record, no change caused merged:A for U";
                incomplete.computeIfAbsent(stage, k -> new ArrayList<>()).add(users[i] + " <- " + anonymous[i]);
            }
        }
        LatencySamples.Percentiles pa = a.percentiles(t -> true);
        LatencySamples.Percentiles pb = b.percentiles(t -> true);
        LatencySamples.Percentiles pi = identify.percentiles(t -> true);
        System.out.printf("  (a) identify -> A's `merged` record here:             %s%n", samples(pa, "merges"));
        System.out.printf("        until A's round (its at):                      %s%n", ms(aUntilRound));
        System.out.printf("        A's round until sent (record timestamp):       %s%n", ms(aRound));
        System.out.printf("        from that send to its arrival here:            %s%n", ms(aDelivery));
        System.out.printf("  (b) identify -> U's first `merged:A` change here:     %s%n", samples(pb, "merges"));
        System.out.printf("        hop 1, until U's owner sent `merge`:           %s%n", ms(hop1));
        System.out.printf("        hop 2, until A's owner sent `merge-profile`:   %s%n", ms(hop2));
        System.out.printf("        hop 3, until U's round (its at):               %s%n", ms(hop3Delivery));
        System.out.printf("               U's round until sent:                  %s%n", ms(hop3Round));
        System.out.printf("        from that send to its arrival here:            %s%n", ms(bDelivery));
        System.out.printf("  for reference, identify -> U's change by its traits (one hop): %s%n", samples(pi, "identifies"));
        System.out.printf("  change records: A's exits %,d (%.2f per merge) and `merged` %,d; U's entries %,d (%.2f per merge), "
                + "exits %,d caused merged:A; %,d caused by the identifies; %,d other; %,d duplicates over the run%n",
                anonExits, anonExits / (double) n, anonDone.get(), userEntries, userEntries / (double) n, userExits,
                identifyChanges, otherChanges, changes.duplicates());
        summary.add("identity", "identifies", "%,d at %,d/s; %,d of %,d merges complete on both ids", n, options.rate(),
                Math.min(anonDone.get(), userDone.get()), n);
        summary.add("identity", "(a) identify -> A's merged record", "%s", samples(pa, "merges"));
        summary.add("identity", "(b) identify -> U's first merged:A change", "%s", samples(pb, "merges"));
        summary.add("identity", "(b) by hop, p50", "merge sent %.0f, merge-profile sent +%.0f, U's round +%.0f, sent +%.0f, "
                + "here +%.0f ms", hop1.percentiles(t -> true).p50(), hop2.percentiles(t -> true).p50(),
                hop3Delivery.percentiles(t -> true).p50(), hop3Round.percentiles(t -> true).p50(),
                bDelivery.percentiles(t -> true).p50());
        summary.add("identity", "identify -> its own change (one hop)", "%s", samples(pi, "identifies"));
        summary.add("identity", "change records per merge", "A: %.2f exits + 1 merged; U: %.2f entries",
                anonExits / (double) n, userEntries / (double) n);
        if (!incomplete.isEmpty()) {
            int total = incomplete.values().stream().mapToInt(List::size).sum();
            System.out.printf("  INCOMPLETE merges: %,d of %,d (U <- A; first ids of each kind):%n", total, n);
            incomplete.forEach((stage, ids) -> {
                System.out.printf("    %,6d  %s: %s%n", ids.size(), stage, ids.subList(0, Math.min(5, ids.size())));
                summary.add("identity", "INCOMPLETE merges", "%,d: %s (first: %s)", ids.size(), stage, ids.getFirst());
            });
        }
    }

    private static long ms(long millis) {
        return millis * 1_000_000;
    }

    private static String ms(LatencySamples samples) {
        LatencySamples.Percentiles p = samples.percentiles(t -> true);
        return p.count() == 0 ? "no samples" : String.format("p50 %.0f / p90 %.0f / p99 %.0f ms", p.p50(), p.p90(), p.p99());
    }

    private static String samples(LatencySamples.Percentiles p, String what) {
        return p.count() == 0 ? "no samples" : String.format("p50 %.0f / p90 %.0f / p99 %.0f / max %.0f ms (%,d %s)",
                p.p50(), p.p90(), p.p99(), p.max(), p.count(), what);
    }

    // ---------------------------------------------------------------- 3. plain events

    private Window plainEvents(ChangeStream changes, EventProducer producer, ProcessCpu cpu) throws Exception {
        Map<String, long[]> due = new ConcurrentHashMap<>();
        Map<String, Boolean> answered = new ConcurrentHashMap<>();
        LatencySamples latency = new LatencySamples();
        changes.listen((change, received) -> {
            String cause = change.cause();
            long[] sent = cause.startsWith("event:") ? due.get(cause.substring("event:".length())) : null;
            if (sent != null && answered.putIfAbsent(cause, Boolean.TRUE) == null) {
                latency.add(sent[0], received - sent[0]);
            }
        });
        GroupProgress.Snapshot before = progress.snapshot();
        RedisStats redisBefore = RedisStats.take(redis);
        long cpuBefore = cpu != null ? cpu.micros() : 0;
        System.out.printf("%nplain events: %,d of the same users (typical track mix, no identify) at %,d/s (open loop)%n",
                n, options.rate());
        ShopTraffic traffic = new ShopTraffic("identity", 1);
        SplittableRandom random = new SplittableRandom();
        long interval = 1_000_000_000L / options.rate();
        long start = System.nanoTime();
        for (int i = 0; i < n; i++) {
            long intended = start + i * interval;
            Pacing.awaitDue(intended);
            int user = random.nextInt(n);
            Event event = traffic.nextTrack(users[user], anonymous[user]);
            due.put(event.messageId(), new long[] {intended});
            producer.send(event);
        }
        producer.flush();
        GroupProgress.Snapshot after = awaitLagZero(Duration.ofSeconds(60), "the plain events");
        RedisStats redisAfter = RedisStats.take(redis);
        long cpuMicros = cpu != null && cpu.alive() ? cpu.micros() - cpuBefore : -1;
        changes.awaitQuiet(Duration.ofSeconds(1), Duration.ofSeconds(10));
        double seconds = (after.nanos() - start) / 1e9;
        long records = after.end() - before.end();
        LatencySamples.Percentiles p = latency.percentiles(t -> true);
        System.out.printf("  event -> its change record here: %s (%,d of the events changed a membership)%n",
                samples(p, "events"), p.count());
        System.out.printf("  window: %.2f s from the first event to lag 0; records written to segflow.events besides the events: %,d%n",
                seconds, records - n);
        summary.add("identity", "plain events (comparison)", "%,d at %,d/s; event -> change %s", n, options.rate(),
                samples(p, "events"));
        return new Window(n, seconds, records - n, redisBefore, redisAfter, cpuMicros);
    }

    // ---------------------------------------------------------------- costs side by side

    private void compare(Window merges, Window plain) {
        System.out.printf("%ncosts: per merge (identify + merge + merge-profile, over %.2f s) and per plain event (over %.2f s)%n",
                merges.seconds, plain.seconds);
        double[] m = redisUse(merges);
        double[] p = redisUse(plain);
        System.out.printf("  %-46s %14s %14s%n", "", "per merge", "per event");
        System.out.printf("  %-46s %14.2f %14.2f%n", "Redis calls (EXEC, scripts and commands sent)", m[0], p[0]);
        System.out.printf("  %-46s %14.1f %14.1f%n", "Redis command time, µs (commandstats)", m[1], p[1]);
        System.out.printf("  %-46s %14.1f %14.1f%n", "Redis process CPU, µs (INFO cpu)", m[2], p[2]);
        if (merges.cpuMicros >= 0 && plain.cpuMicros >= 0) {
            System.out.printf("  %-46s %14.1f %14.1f%n", "segment-function CPU, µs (/proc/<pid>/stat)",
                    merges.cpuMicros / (double) merges.sent, plain.cpuMicros / (double) plain.sent);
        }
        System.out.printf("  %-46s %14.2f %14.2f%n", "records written to segflow.events", merges.records / (double) merges.sent,
                plain.records / (double) plain.sent);
        System.out.println("  Redis commands over each window (the rows of " + DrainPhase.RUN_IN_TRANSACTIONS
                + " are inside EXEC's time):");
        System.out.printf("    %-20s %12s %12s %12s %12s%n", "command", "per merge", "µs/merge", "per event", "µs/event");
        Map<String, RedisStats.Command> plainRows = new HashMap<>();
        plain.redisAfter.since(plain.redisBefore).forEach(c -> plainRows.put(c.name(), c));
        List<RedisStats.Command> mergeRows = merges.redisAfter.since(merges.redisBefore);
        List<String> names = new ArrayList<>(mergeRows.stream().map(RedisStats.Command::name).toList());
        plainRows.keySet().stream().filter(name -> !names.contains(name)).forEach(names::add);
        Map<String, RedisStats.Command> mergeByName = new HashMap<>();
        mergeRows.forEach(c -> mergeByName.put(c.name(), c));
        for (String name : names) {
            RedisStats.Command mc = mergeByName.getOrDefault(name, new RedisStats.Command(name, 0, 0));
            RedisStats.Command pc = plainRows.getOrDefault(name, new RedisStats.Command(name, 0, 0));
            System.out.printf("    %-20s %12.3f %12.2f %12.3f %12.2f%n", name, mc.calls() / (double) merges.sent,
                    mc.usec() / (double) merges.sent, pc.calls() / (double) plain.sent, pc.usec() / (double) plain.sent);
        }
        summary.add("identity", "Redis calls per merge / per event", "%.2f / %.2f", m[0], p[0]);
        summary.add("identity", "Redis command time per merge / per event", "%.1f / %.1f µs (commandstats)", m[1], p[1]);
        summary.add("identity", "Redis process CPU per merge / per event", "%.1f / %.1f µs (INFO cpu)", m[2], p[2]);
        if (merges.cpuMicros >= 0 && plain.cpuMicros >= 0) {
            summary.add("identity", "segment-function CPU per merge / per event", "%.1f / %.1f µs",
                    merges.cpuMicros / (double) merges.sent, plain.cpuMicros / (double) plain.sent);
        }
    }

    /** Calls and command time of what segment-function sends (EXEC and scripts with what they run), and Redis' CPU, per unit. */
    private static double[] redisUse(Window window) {
        List<RedisStats.Command> sent = window.redisAfter.since(window.redisBefore).stream()
                .filter(c -> !DrainPhase.RUN_IN_TRANSACTIONS.contains(c.name())).toList();
        double units = window.sent;
        return new double[] {
            sent.stream().mapToLong(RedisStats.Command::calls).sum() / units,
            sent.stream().mapToLong(RedisStats.Command::usec).sum() / units,
            (window.redisAfter.cpuSeconds() - window.redisBefore.cpuSeconds()) * 1e6 / units};
    }

    private void limits(int recordBytes) throws Exception {
        Baselines.Measured perf = Baselines.producerPerfTest(options.kafkaLibs(), options.bootstrap(), options.producerTopic(),
                recordBytes, 200_000L);
        if (perf == null) {
            System.out.println("kafka-producer-perf-test: no kafka-tools jar in --kafka-libs (infra/local/up fetches it); skipped");
        } else {
            System.out.printf("kafka-producer-perf-test on the same broker (%d-byte records, acks=all, idempotent): %,.0f records/s (%s)%n",
                    recordBytes, perf.perSecond(), perf.summary());
            summary.add("identity", "kafka-producer-perf-test", "%,.0f records/s (%d bytes)", perf.perSecond(), recordBytes);
        }
        Baselines.Measured bench = Baselines.redisBenchmark(options.redis());
        if (bench == null) {
            System.out.println("redis-benchmark: not on the PATH; skipped");
        } else {
            System.out.printf("redis-benchmark -t set,get -P 16 on the same Redis: %s%n", bench.summary());
            summary.add("identity", "redis-benchmark set,get -P 16", "%s", bench.summary());
        }
    }

    /** Until the group's lag is 0, or {@code max} (then with a warning and the lag left). */
    private GroupProgress.Snapshot awaitLagZero(Duration max, String what) throws InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        GroupProgress.Snapshot now = progress.snapshot();
        long nextNotice = System.nanoTime() + 5_000_000_000L;
        while (now.lag() > 0) {
            if (System.nanoTime() > deadline) {
                System.out.printf("  WARNING: segment-function did not take %s within %d s (lag %,d): measured up to now%n", what,
                        max.toSeconds(), now.lag());
                summary.add("identity", "WARNING", "lag %,d after %s", now.lag(), what);
                return now;
            }
            if (System.nanoTime() > nextNotice) {
                System.out.printf("  waiting for %s: lag %,d%n", what, now.lag());
                nextNotice = System.nanoTime() + 5_000_000_000L;
            }
            Thread.sleep(POLL_MILLIS);
            now = progress.snapshot();
        }
        return now;
    }
}
