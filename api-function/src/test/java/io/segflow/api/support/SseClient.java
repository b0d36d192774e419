package io.segflow.api.support;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** A minimal Server-Sent Events reader for tests: events (and comments) are queued as they arrive. */
public final class SseClient implements AutoCloseable {
    private static final Duration WAIT = Duration.ofSeconds(20);

    public record Event(String name, String id, String data, String comment) {

        /** The id without the fingerprint of the segments held: {@code <version>} or {@code <version>@<user>}. */
        public String version() {
            return id == null ? null : id.replaceFirst("\\.[0-9a-f]{8}", "");
        }
    }

    private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
    private final HttpClient http = HttpClient.newHttpClient();
    private final HttpResponse<Stream<String>> response;
    private volatile boolean ended;

    private SseClient(URI uri, Map<String, String> headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).header("Accept", "text/event-stream");
        headers.forEach(request::header);
        response = http.send(request.build(), HttpResponse.BodyHandlers.ofLines());
        if (response.statusCode() == 200) {
            CompletableFuture.runAsync(this::read);
        }
    }

    public static SseClient open(URI uri, Map<String, String> headers) throws Exception {
        return new SseClient(uri, headers);
    }

    public int status() {
        return response.statusCode();
    }

    public String body() {
        return String.join("\n", response.body().toList());
    }

    /** The next event that is not a comment; fails if none comes within the wait (heartbeats do not extend it). */
    public Event next() throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (true) {
            Event event = events.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (event == null) {
                throw new AssertionError("no server-sent event within " + WAIT);
            }
            if (event.comment() == null) {
                return event;
            }
        }
    }

    /** The next event, which must be the change of this membership version ({@link Event#version()}). */
    public Event nextChange(String version) throws InterruptedException {
        Event event = next();
        if (!"change".equals(event.name()) || !version.equals(event.version())) {
            throw new AssertionError("expected change " + version + ", got " + event.name() + " " + event.id() + ": " + event.data());
        }
        return event;
    }

    /** The next comment (heartbeat), skipping events; fails if none comes within the wait. */
    public Event nextComment() throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (true) {
            Event event = events.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (event == null) {
                throw new AssertionError("no comment within " + WAIT);
            }
            if (event.comment() != null) {
                return event;
            }
        }
    }

    /** Whatever arrived without waiting, for asserting that something was NOT sent. */
    public Event poll() {
        Event event;
        do {
            event = events.poll();
        } while (event != null && event.comment() != null);
        return event;
    }

    /** Whether the server closed the stream (every event sent before is queued). */
    public boolean ended() {
        return ended;
    }

    private void read() {
        try {
            readLines();
        } finally {
            ended = true;
        }
    }

    private void readLines() {
        String name = null;
        String id = null;
        StringBuilder data = new StringBuilder();
        for (String line : (Iterable<String>) response.body()::iterator) {
            if (line.isEmpty()) {
                if (data.length() > 0 || name != null) {
                    events.add(new Event(name, id, data.toString(), null));
                }
                name = null;
                id = null;
                data.setLength(0);
            } else if (line.startsWith(":")) {
                events.add(new Event(null, null, null, line.substring(1).trim()));
            } else if (line.startsWith("event:")) {
                name = line.substring(6).trim();
            } else if (line.startsWith("id:")) {
                id = line.substring(3).trim();
            } else if (line.startsWith("data:")) {
                data.append(line.substring(5).trim());
            }
        }
    }

    @Override
    public void close() {
        response.body().close();
        http.shutdownNow();
    }
}
