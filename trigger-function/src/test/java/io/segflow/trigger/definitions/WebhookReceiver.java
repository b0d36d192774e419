package io.segflow.trigger.definitions;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.segflow.core.json.Json;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Predicate;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A real HTTP receiver on a loopback port. It checks every Standard Webhooks signature by hand (HMAC-SHA256 of
 * {@code id.timestamp.body} under the base64-decoded secret, as the specification words it; no segflow code), and
 * answers each path from a script of statuses (then 204).
 */
final class WebhookReceiver implements AutoCloseable {
    static final String SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    /**
     * One call as received; {@code signed} says whether a signature in {@code webhook-signature} verified,
     * {@code status} what it was answered.
     */
    record Call(String path, Map<String, List<String>> headers, String body, Instant at, boolean signed, int status) {
        String header(String name) {
            return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name)).findFirst()
                    .map(e -> e.getValue().get(0)).orElse(null);
        }

        /** The user of the firing the call delivers ({@code data.userId} of its body). */
        String userId() {
            return Json.read(body, JsonNode.class).at("/data/userId").asText();
        }
    }

    /** A scripted answer: status and extra headers. */
    record Answer(int status, Map<String, String> headers) {
        static Answer of(int status) {
            return new Answer(status, Map.of());
        }
    }

    private final int port;
    // Not a copy-on-write list: a benchmark's receiver takes tens of thousands of calls.
    private final Queue<Call> calls = new ConcurrentLinkedQueue<>();
    private final Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();
    private final Map<String, ConcurrentLinkedQueue<Answer>> scripts = new ConcurrentHashMap<>();
    private final Map<String, Long> slowness = new ConcurrentHashMap<>();
    private final Map<String, Queue<Instant>> answered = new ConcurrentHashMap<>();
    private HttpServer server;
    private volatile Consumer<Call> sink;

    private WebhookReceiver(int port) {
        this.port = port;
    }

    static WebhookReceiver start() {
        WebhookReceiver receiver = new WebhookReceiver(freePort());
        receiver.listen();
        return receiver;
    }

    /** A receiver whose port is chosen but not listened on yet: calls to it are refused until {@link #listen}. */
    static WebhookReceiver down() {
        return new WebhookReceiver(freePort());
    }

    synchronized void listen() {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        server.createContext("/", this::handle);
        server.setExecutor(java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor());
        server.start();
    }

    String url(String path) {
        return "http://127.0.0.1:" + port + path;
    }

    void script(String path, Answer... answers) {
        scripts.computeIfAbsent(path, p -> new ConcurrentLinkedQueue<>()).addAll(Arrays.asList(answers));
    }

    /** Answers calls to {@code path} only after {@code millis}: calls are in flight longer. */
    void slow(String path, long millis) {
        slowness.put(path, millis);
    }

    List<Call> calls(String path) {
        return calls.stream().filter(c -> c.path().equals(path)).toList();
    }

    /** When the calls to {@code path} were answered, in that order: with {@link Call#at()}, when each was in flight. */
    List<Instant> answered(String path) {
        return List.copyOf(answered.getOrDefault(path, new ConcurrentLinkedQueue<>()));
    }

    /**
     * Hands each call to {@code sink} instead of keeping it; the counts stay (for {@link #await}). A benchmark keeps
     * only what it measures: kept whole, its hundreds of thousands of calls made this JVM's young collections pause
     * for 20-80 ms every few seconds, and every call arriving meanwhile looked late.
     */
    void tap(Consumer<Call> sink) {
        this.sink = sink;
    }

    /** Waits until {@code count} calls to {@code path} arrived; fails after the timeout. */
    List<Call> await(String path, int count, Duration timeout) throws InterruptedException {
        Instant deadline = Instant.now().plus(timeout);
        while (counts.getOrDefault(path, new AtomicInteger()).get() < count) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("expected " + count + " calls to " + path + ", got " + calls(path));
            }
            Thread.sleep(20);
        }
        return calls(path);
    }

    private void handle(HttpExchange exchange) throws IOException {
        byte[] body = exchange.getRequestBody().readAllBytes();
        Map<String, List<String>> headers = Map.copyOf(new java.util.HashMap<>(exchange.getRequestHeaders()));
        String path = exchange.getRequestURI().getPath();
        Answer answer = scripts.getOrDefault(path, new ConcurrentLinkedQueue<>()).poll();
        if (answer == null) {
            answer = Answer.of(204);
        }
        Call call = new Call(path, headers, new String(body, StandardCharsets.UTF_8), Instant.now(), false, answer.status());
        Call verified = new Call(path, headers, call.body(), call.at(), verifies(call, body), answer.status());
        Consumer<Call> tapped = sink;
        if (tapped != null) {
            tapped.accept(verified);
        } else {
            calls.add(verified);
        }
        counts.computeIfAbsent(path, p -> new AtomicInteger()).incrementAndGet();
        long slow = slowness.getOrDefault(path, 0L);
        if (slow > 0) {
            try {
                Thread.sleep(slow);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        answer.headers().forEach((name, value) -> exchange.getResponseHeaders().add(name, value));
        exchange.sendResponseHeaders(answer.status(), -1);
        exchange.close();
        answered.computeIfAbsent(path, p -> new ConcurrentLinkedQueue<>()).add(Instant.now());
    }

    /** The specification's check: any listed v1 signature matches, and the timestamp is within five minutes. */
    static boolean verifies(Call call, byte[] body) {
        String id = call.header("webhook-id");
        String timestamp = call.header("webhook-timestamp");
        String signatures = call.header("webhook-signature");
        if (id == null || timestamp == null || signatures == null) {
            return false;
        }
        if (Math.abs(Instant.now().getEpochSecond() - Long.parseLong(timestamp)) > 300) {
            return false;
        }
        byte[] expected = hmac(SECRET, (id + "." + timestamp + ".").getBytes(StandardCharsets.UTF_8), body);
        for (String signature : signatures.split(" ")) {
            String[] parts = signature.split(",", 2);
            if (parts.length == 2 && parts[0].equals("v1")
                    && MessageDigest.isEqual(Base64.getDecoder().decode(parts[1]), expected)) {
                return true;
            }
        }
        return false;
    }

    static byte[] hmac(String secret, byte[] prefix, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(Base64.getDecoder().decode(secret.substring("whsec_".length())), "HmacSHA256"));
            mac.update(prefix);
            return mac.doFinal(body);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 0, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public synchronized void close() {
        if (server != null) {
            server.stop(0);
        }
    }

    static Predicate<Call> forUser(String user) {
        return c -> c.body().contains("\"" + user + "\"");
    }

    static List<Call> matching(List<Call> calls, Predicate<Call> wanted) {
        return new ArrayList<>(calls.stream().filter(wanted).toList());
    }
}
