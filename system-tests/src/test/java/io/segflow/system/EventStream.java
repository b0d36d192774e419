package io.segflow.system;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

/** A user's Server-Sent Events stream on the api, as segflow.js holds it: the names of the events it was sent. */
final class EventStream implements AutoCloseable {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final BlockingQueue<String> eventNames = new LinkedBlockingQueue<>();
    private final AtomicReference<Stream<String>> lines = new AtomicReference<>();
    private final Thread reader;

    private EventStream(HttpRequest request) {
        // A thread of its own: the stream blocks its reader for as long as it is open.
        this.reader = Thread.ofVirtual().name("sse-reader").start(() -> {
            try {
                Stream<String> body = HTTP.send(request, HttpResponse.BodyHandlers.ofLines()).body();
                lines.set(body);
                body.filter(line -> line.startsWith("event:"))
                        .forEach(line -> eventNames.add(line.substring("event:".length()).trim()));
            } catch (IOException | InterruptedException | UncheckedIOException closed) {
                // closed by the test or by the server
            }
        });
    }

    static EventStream open(String apiUrl, String user, String token) {
        return new EventStream(HttpRequest.newBuilder(URI.create(apiUrl + "/v1/users/" + user + "/segments/stream"))
                .header("Accept", "text/event-stream").header("Authorization", "Bearer " + token).build());
    }

    /** Waits for the next event of this name, skipping others. */
    void awaitEvent(String name, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            String next = eventNames.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (next == null) {
                throw new AssertionError("no '" + name + "' event on the stream within " + timeout);
            }
            if (next.equals(name)) {
                return;
            }
        }
    }

    @Override
    public void close() {
        Stream<String> body = lines.get();
        if (body != null) {
            body.close();
        }
        reader.interrupt();
    }
}
