package io.segflow.system;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Reads of users' segments from the api, as a customer's backend makes them (a server key): a steady probe that
 * runs through a fault, and a storm of concurrent reads. Every answer is tallied in {@link #answers()}.
 */
final class ApiReads implements AutoCloseable {
    private static final Duration PROBE_INTERVAL = Duration.ofMillis(100);

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2))
            .executor(Executors.newVirtualThreadPerTaskExecutor()).build();
    private final Answers answers = new Answers();
    private final AtomicReference<Instant> lastOkAttempt = new AtomicReference<>(Instant.EPOCH);
    private final String apiUrl;
    private final String serverKey;
    private final List<String> users;
    private volatile Thread probe;

    ApiReads(String apiUrl, String serverKey, List<String> users) {
        this.apiUrl = apiUrl;
        this.serverKey = serverKey;
        this.users = users;
    }

    /** Reads one user after another, one read at a time, until closed. */
    ApiReads probing() {
        probe = Thread.ofVirtual().start(() -> {
            for (int i = 0; !Thread.currentThread().isInterrupted(); i++) {
                read(users.get(i % users.size()));
                try {
                    Thread.sleep(PROBE_INTERVAL);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        return this;
    }

    /** {@code requests} reads of the users, {@code concurrency} of them in flight at any time; returns once all are answered. */
    void storm(int requests, int concurrency) throws Exception {
        Semaphore inFlight = new Semaphore(concurrency);
        List<CompletableFuture<Void>> reads = new ArrayList<>(requests);
        try (var threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < requests; i++) {
                String user = users.get(i % users.size());
                inFlight.acquire();
                reads.add(CompletableFuture.runAsync(() -> {
                    try {
                        read(user);
                    } finally {
                        inFlight.release();
                    }
                }, threads));
            }
            CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new)).get(3, TimeUnit.MINUTES);
        }
    }

    private void read(String user) {
        Instant attempt = Instant.now();
        HttpRequest request = HttpRequest.newBuilder(URI.create(apiUrl + "/v1/users/" + user + "/segments"))
                .timeout(Duration.ofSeconds(30)).header("Authorization", "Bearer " + serverKey).GET().build();
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            answers.record(response);
            if (response.statusCode() == 200) {
                lastOkAttempt.accumulateAndGet(attempt, (a, b) -> a.isAfter(b) ? a : b);
            }
        } catch (IOException e) {
            answers.noAnswer(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Whether a read first sent at or after {@code since} was answered 200. */
    boolean answeredSince(Instant since) {
        return !lastOkAttempt.get().isBefore(since);
    }

    Answers answers() {
        return answers;
    }

    @Override
    public void close() throws InterruptedException {
        Thread running = probe;
        if (running != null) {
            running.interrupt();
            running.join(Duration.ofSeconds(35));
        }
        http.close();
    }
}
