package io.segflow.system;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A steady stream of "tick" track events posted to ingest's {@code /v1/batch}, as a Segment SDK sends them: a
 * batch that gets no answer, a 429 or a 503 is sent again, the same body with the same messageIds, after
 * {@code Retry-After} or a back-off, until ingest answers 200. Every event then counts once for its user, however
 * often it was sent; {@link #delivered()} is what each user must end up with.
 */
final class SteadyLoad implements AutoCloseable {
    static final String EVENT = "tick";
    private static final Duration TICK = Duration.ofMillis(100);
    private static final Duration GIVE_UP = Duration.ofMinutes(3);
    private static final Duration MAX_WAIT = Duration.ofSeconds(2);

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2))
            .executor(Executors.newVirtualThreadPerTaskExecutor()).build();
    private final ExecutorService senders = Executors.newVirtualThreadPerTaskExecutor();
    private final ScheduledExecutorService clock = Executors.newSingleThreadScheduledExecutor();
    private final List<CompletableFuture<Void>> batches = new ArrayList<>();
    private final Map<String, Long> delivered = new HashMap<>();
    private final Answers answers = new Answers();
    private final AtomicLong undelivered = new AtomicLong();
    private final AtomicReference<Instant> lastAcceptedAttempt = new AtomicReference<>(Instant.EPOCH);
    private final Random random = new Random(7);
    private final String url;
    private final String authorization;
    private final List<String> users;
    private final int eventsPerTick;

    private SteadyLoad(String ingestUrl, String writeKey, List<String> users, int eventsPerSecond) {
        this.url = ingestUrl + "/v1/batch";
        this.authorization = "Basic " + Base64.getEncoder().encodeToString((writeKey + ":").getBytes(StandardCharsets.UTF_8));
        this.users = users;
        this.eventsPerTick = Math.max(1, eventsPerSecond * (int) TICK.toMillis() / 1000);
    }

    /** Starts posting {@code eventsPerSecond} events a second, spread over {@code userCount} users named {@code prefix<i>}. */
    static SteadyLoad start(String ingestUrl, String writeKey, String prefix, int userCount, int eventsPerSecond) {
        List<String> users = new ArrayList<>();
        for (int i = 0; i < userCount; i++) {
            users.add(prefix + i);
        }
        SteadyLoad load = new SteadyLoad(ingestUrl, writeKey, List.copyOf(users), eventsPerSecond);
        load.clock.scheduleAtFixedRate(load::sendBatch, 0, TICK.toMillis(), TimeUnit.MILLISECONDS);
        return load;
    }

    List<String> users() {
        return users;
    }

    private void sendBatch() {
        List<String> batchUsers = new ArrayList<>(eventsPerTick);
        StringBuilder body = new StringBuilder("{\"batch\":[");
        for (int i = 0; i < eventsPerTick; i++) {
            String user = users.get(random.nextInt(users.size()));
            batchUsers.add(user);
            body.append(i == 0 ? "" : ",").append("{\"type\":\"track\",\"event\":\"").append(EVENT)
                    .append("\",\"userId\":\"").append(user).append("\",\"messageId\":\"").append(UUID.randomUUID()).append("\"}");
        }
        HttpRequest request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30))
                .header("Authorization", authorization).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.append("]}").toString())).build();
        synchronized (batches) {
            batches.add(CompletableFuture.runAsync(() -> deliver(request, batchUsers), senders));
        }
    }

    /** Sends until a 200, as an SDK retries: the same request, so the same messageIds. */
    private void deliver(HttpRequest request, List<String> batchUsers) {
        Instant giveUp = Instant.now().plus(GIVE_UP);
        Duration backoff = Duration.ofMillis(250);
        while (Instant.now().isBefore(giveUp)) {
            Instant attempt = Instant.now();
            Duration wait = backoff;
            try {
                HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
                answers.record(response);
                if (response.statusCode() == 200) {
                    accepted(attempt, batchUsers);
                    return;
                }
                int status = response.statusCode();
                if (status != 429 && status / 100 != 5) {
                    break; // an SDK never retries a refused request: its events are lost, and the test says so
                }
                wait = response.headers().firstValue("Retry-After").map(seconds -> Duration.ofSeconds(Long.parseLong(seconds)))
                        .orElse(backoff);
            } catch (IOException e) {
                answers.noAnswer(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            sleep(wait.compareTo(MAX_WAIT) > 0 ? MAX_WAIT : wait);
            backoff = backoff.multipliedBy(2).compareTo(MAX_WAIT) > 0 ? MAX_WAIT : backoff.multipliedBy(2);
        }
        undelivered.addAndGet(batchUsers.size());
    }

    private void accepted(Instant attempt, List<String> batchUsers) {
        lastAcceptedAttempt.accumulateAndGet(attempt, (a, b) -> a.isAfter(b) ? a : b);
        synchronized (delivered) {
            batchUsers.forEach(user -> delivered.merge(user, 1L, Long::sum));
        }
    }

    /** Whether ingest accepted a request first sent at or after {@code since}: it takes events again. */
    boolean acceptedSince(Instant since) {
        return !lastAcceptedAttempt.get().isBefore(since);
    }

    /** Events acknowledged so far. */
    long deliveredCount() {
        synchronized (delivered) {
            return delivered.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    /** Stops sending new batches and waits until every batch sent so far got its 200 (or was given up). */
    void stop() throws Exception {
        clock.shutdownNow();
        clock.awaitTermination(5, TimeUnit.SECONDS);
        List<CompletableFuture<Void>> pending;
        synchronized (batches) {
            pending = List.copyOf(batches);
        }
        CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).get(GIVE_UP.toSeconds() + 30, TimeUnit.SECONDS);
    }

    /** Per user, the events ingest acknowledged: what its count must be once everything is processed. */
    Map<String, Long> delivered() {
        synchronized (delivered) {
            return Map.copyOf(delivered);
        }
    }

    /** Events whose requests never got a 200. */
    long undelivered() {
        return undelivered.get();
    }

    Answers answers() {
        return answers;
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        clock.shutdownNow();
        senders.shutdownNow();
        http.close();
    }
}
