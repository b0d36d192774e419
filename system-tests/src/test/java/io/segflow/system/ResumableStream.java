package io.segflow.system;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

/**
 * A user's Server-Sent Events stream as a browser holds it across a lost connection: every event with its id, and a
 * reconnect (to any api instance) that sends the last id seen as {@code Last-Event-ID}.
 */
final class ResumableStream implements AutoCloseable {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    /**
     * One event: the membership version its id carries, its name ({@code state} or {@code change}), and its whole id
     * ({@code <version>.<fingerprint of the segments held>}), which a reconnect sends back.
     */
    record Received(long id, String event, String eventId) {
    }

    private final String user;
    private final String token;
    private final List<Received> received = new ArrayList<>();
    private final AtomicReference<Stream<String>> lines = new AtomicReference<>();
    private Thread reader;

    private ResumableStream(String user, String token) {
        this.user = user;
        this.token = token;
    }

    static ResumableStream open(String apiUrl, String user, String token) {
        ResumableStream stream = new ResumableStream(user, token);
        stream.connect(apiUrl, null);
        return stream;
    }

    /** The connection gone (its api stopped), connects to {@code apiUrl} with the last id seen. */
    void reconnect(String apiUrl) {
        close();
        List<Received> all = received();
        connect(apiUrl, all.isEmpty() ? null : all.get(all.size() - 1).eventId());
    }

    private void connect(String apiUrl, String lastEventId) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(apiUrl + "/v1/users/" + user + "/segments/stream"))
                .header("Accept", "text/event-stream").header("Authorization", "Bearer " + token);
        if (lastEventId != null) {
            request.header("Last-Event-ID", lastEventId);
        }
        reader = Thread.ofVirtual().name("sse-" + user).start(() -> {
            try {
                Stream<String> body = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofLines()).body();
                lines.set(body);
                String[] id = {"-1"};
                body.forEach(line -> {
                    if (line.startsWith("id:")) {
                        id[0] = line.substring(3).trim();
                    } else if (line.startsWith("event:")) {
                        long version = Long.parseLong(id[0].split("[.@]", 2)[0]);
                        synchronized (received) {
                            received.add(new Received(version, line.substring(6).trim(), id[0]));
                        }
                    }
                });
            } catch (IOException | InterruptedException | UncheckedIOException closed) {
                // closed by the test or by the server
            }
        });
    }

    List<Received> received() {
        synchronized (received) {
            return List.copyOf(received);
        }
    }

    Long lastId() {
        List<Received> all = received();
        return all.isEmpty() ? null : all.get(all.size() - 1).id();
    }

    @Override
    public void close() {
        Stream<String> body = lines.getAndSet(null);
        if (body != null) {
            body.close();
        }
        if (reader != null) {
            reader.interrupt();
        }
    }
}
