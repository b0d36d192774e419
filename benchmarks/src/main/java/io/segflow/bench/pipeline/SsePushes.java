package io.segflow.bench.pipeline;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Event to browser latency: for a sample of the probes, the probe user's segment stream is opened on a running
 * api-function ({@code GET /v1/users/{id}/segments/stream}, as a front-end's EventSource) a little before the probe
 * event is due, and the first {@code change} event on it counts from the event's intended send time. Only streams
 * whose {@code state} arrived before that time count: a later state may already hold the change.
 */
final class SsePushes implements AutoCloseable {
    /** How long before its event a stream is opened: its state must be there before the event is sent. */
    static final long LEAD_NANOS = Duration.ofMillis(1_500).toNanos();

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final ScheduledExecutorService opener = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("sse-opener").factory());
    private final URI api;
    private final String adminKey;
    private final LatencySamples latencies = new LatencySamples();
    private final AtomicLong watched = new AtomicLong();
    private final AtomicLong ready = new AtomicLong();
    private final AtomicLong late = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong answered = new AtomicLong();
    private final AtomicLong changes = new AtomicLong();
    private volatile boolean closed;
    private final AtomicLong statesAgain = new AtomicLong();

    SsePushes(String apiUrl, String adminKey) {
        this.api = URI.create(apiUrl);
        this.adminKey = adminKey;
    }

    /** Opens {@code userId}'s stream {@link #LEAD_NANOS} before {@code intendedNanos}, when its event is due. */
    void watch(String userId, long intendedNanos) {
        watched.incrementAndGet();
        long delay = Math.max(0, intendedNanos - LEAD_NANOS - System.nanoTime());
        opener.schedule(() -> open(userId, intendedNanos), delay, TimeUnit.NANOSECONDS);
    }

    long watched() {
        return watched.get();
    }

    long answered() {
        return answered.get();
    }

    /** The latencies, and how many streams were ready in time, too late, or failed. */
    String report() {
        return String.format("%s; %,d streams watched: %,d ready before their event, %,d too late, %,d failed; %,d answered "
                        + "(%,d by a change event, %,d by the state again)", latencies.percentiles(t -> true), watched.get(),
                ready.get(), late.get(), failed.get(), answered.get(), changes.get(), statesAgain.get());
    }

    LatencySamples.Percentiles percentiles() {
        return latencies.percentiles(t -> true);
    }

    private void open(String userId, long intendedNanos) {
        HttpRequest request = HttpRequest.newBuilder(api.resolve("/v1/users/" + userId + "/segments/stream"))
                .header("Authorization", "Bearer " + adminKey).header("Accept", "text/event-stream").GET().build();
        StreamLines lines = new StreamLines(intendedNanos);
        http.sendAsync(request, HttpResponse.BodyHandlers.fromLineSubscriber(lines))
                .whenComplete((response, error) -> {
                    if (!closed && !lines.answered && (error != null || response.statusCode() != 200)) {
                        if (failed.incrementAndGet() <= 3) {
                            System.out.printf("  a stream of %s failed: %s%n", userId,
                                    error != null ? error.toString() : "HTTP " + response.statusCode());
                        }
                    }
                });
    }

    @Override
    public void close() {
        closed = true; // the streams still open end now: no failures
        opener.shutdownNow();
        http.shutdownNow();
    }

    /** One stream's lines: its first {@code state} (in time or not), then its first {@code change}. */
    private final class StreamLines implements Flow.Subscriber<String> {
        private final long intendedNanos;
        private Flow.Subscription subscription;
        private boolean stateSeen;
        private boolean timely;
        private volatile boolean answered;

        StreamLines(long intendedNanos) {
            this.intendedNanos = intendedNanos;
        }

        @Override
        public void onSubscribe(Flow.Subscription subscription) {
            this.subscription = subscription;
            subscription.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(String line) {
            if (!line.startsWith("event:")) {
                return;
            }
            String name = line.substring("event:".length()).trim();
            long now = System.nanoTime();
            if (!stateSeen && name.equals("state")) {
                stateSeen = true;
                timely = now < intendedNanos;
                (timely ? ready : late).incrementAndGet();
            } else if (timely && (name.equals("change") || name.equals("state"))) {
                // A change, or the state again when the stream saw a gap in versions: either way the browser has it.
                latencies.add(intendedNanos, now - intendedNanos);
                SsePushes.this.answered.incrementAndGet();
                (name.equals("state") ? statesAgain : changes).incrementAndGet();
                answered = true;
                timely = false;
                subscription.cancel(); // the stream has served: close it
            }
        }

        @Override
        public void onError(Throwable error) {
            // a cancelled or refused stream: counted by the response's outcome
        }

        @Override
        public void onComplete() {
        }
    }
}
