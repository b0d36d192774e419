package io.segflow.bench.pipeline;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * Recovery after a crash: events go out at a fixed rate while the lag of group {@value EngineLoad#GROUP} is printed
 * every second; the operator kills segment-function ({@code kill -9}) and starts it again. An outage is counted
 * from the last second the lag was under one second of traffic to the first second it is again; change records
 * are counted per (user, version), so what a restart publishes twice shows as duplicates.
 */
final class RecoveryPhase {
    private final EngineOptions options;
    private final GroupProgress progress;
    private final Summary summary;
    private final String run;

    RecoveryPhase(EngineOptions options, GroupProgress progress, Summary summary, String run) {
        this.options = options;
        this.progress = progress;
        this.summary = summary;
        this.run = run;
    }

    void run() throws Exception {
        List<Double> outages = new ArrayList<>();
        try (ChangeStream changes = new ChangeStream(options.bootstrap());
             EventProducer producer = new EventProducer(options.bootstrap(), 2)) {
            Thread sender = Thread.ofPlatform().name("recovery-sender").start(() -> send(producer));
            System.out.printf("sending %,d events/s for %d s; kill -9 segment-function and restart it meanwhile%n",
                    options.rate(), options.seconds());
            long start = System.nanoTime();
            double lastHealthy = 0;
            Double outageStart = null;
            for (int second = 1; ; second++) {
                long next = start + Duration.ofSeconds(second).toNanos();
                LockSupport.parkNanos(next - System.nanoTime());
                GroupProgress.Snapshot now = progress.snapshot();
                double t = (now.nanos() - start) / 1e9;
                double lagSeconds = now.lag() / (double) options.rate();
                System.out.printf("t=%5.1f s  lag %,9d events (%6.2f s of traffic)  consumers %d  changes %,d distinct, %,d duplicates%n",
                        t, now.lag(), lagSeconds, progress.members(), changes.distinct(), changes.duplicates());
                if (lagSeconds < 1) {
                    if (outageStart != null) {
                        outages.add(t - outageStart);
                        System.out.printf("  recovered: lag under 1 s of traffic again %.1f s after it last was (t=%.1f s)%n",
                                t - outageStart, outageStart);
                        outageStart = null;
                    }
                    lastHealthy = t;
                } else if (outageStart == null) {
                    outageStart = lastHealthy;
                }
                // After the traffic, an outage still under way gets two more minutes to end.
                if (second >= options.seconds() && !sender.isAlive() && (outageStart == null || second >= options.seconds() + 120)) {
                    break;
                }
            }
            sender.join();
            if (outageStart != null) {
                System.out.printf("not recovered by the end: lag over 1 s of traffic since t=%.1f s%n", outageStart);
                summary.add("recovery", "outage", "not recovered by the end (since t=%.1f s)", outageStart);
            }
            for (int i = 0; i < outages.size(); i++) {
                summary.add("recovery", "outage " + (i + 1), "%.1f s from the last second under 1 s of lag to the next", outages.get(i));
            }
            changes.awaitQuiet(Duration.ofSeconds(2), Duration.ofSeconds(30));
            summary.add("recovery", "change records", "%,d distinct, %,d duplicates", changes.distinct(), changes.duplicates());
        }
    }

    private void send(EventProducer producer) {
        ShopTraffic traffic = new ShopTraffic(run, options.users());
        long interval = 1_000_000_000L / options.rate();
        long count = (long) options.rate() * options.seconds();
        long start = System.nanoTime();
        for (long n = 0; n < count; n++) {
            Pacing.awaitDue(start + n * interval);
            producer.send(traffic.next());
        }
        producer.flush();
    }
}
