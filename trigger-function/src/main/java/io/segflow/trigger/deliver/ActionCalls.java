package io.segflow.trigger.deliver;

import io.opentelemetry.api.trace.Span;
import io.segflow.core.json.IsoInstants;
import io.segflow.core.json.Json;
import io.segflow.core.trigger.CallFailures;
import io.segflow.core.trigger.EndpointGuard;
import io.segflow.core.trigger.Firing;
import io.segflow.core.trigger.TriggerAction;
import io.segflow.core.trigger.TriggerDefinition;
import io.segflow.core.trigger.WebhookSigner;
import io.segflow.trigger.TriggerConfig;
import io.segflow.trigger.TriggerProducer;
import io.segflow.trigger.TriggerTracing;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.jboss.logging.Logger;

/**
 * One attempt of a firing's action: a signed webhook, a Segment {@code track} call, a binary-mode CloudEvent, or a
 * trigger record on a Kafka topic. HTTP calls follow no redirects (only 2xx counts), time out, carry the firing's
 * {@code traceparent}, and go only to addresses the {@link EndpointGuard} lets through. They go through Vert.x's
 * HTTP/1.1 client on kept-alive connections, as many per endpoint as calls may be in flight to it
 * ({@link EndpointLimits}): the JDK's {@code HttpClient} costs several times its CPU per call.
 */
@ApplicationScoped
public class ActionCalls {
    /** The longest {@code Retry-After} taken as asked: a week, longer than any retry deadline. */
    static final Duration LONGEST_RETRY_AFTER = Duration.ofDays(7);
    private static final Pattern SECONDS = Pattern.compile("[-+]?[0-9]+");
    private static final Logger LOG = Logger.getLogger(ActionCalls.class);
    private static final String TRACEPARENT = "traceparent";

    private final HttpClient http;
    private final Duration timeout;
    private final EndpointGuard guard;
    private final TriggerProducer producer;
    private final TriggerTracing tracing;

    ActionCalls(TriggerConfig config, TriggerProducer producer, Vertx vertx, TriggerTracing tracing) {
        this.tracing = tracing;
        this.timeout = config.deliveries().timeout();
        this.http = vertx.httpClientBuilder()
                .with(new HttpClientOptions().setName("trigger-actions").setProtocolVersion(HttpVersion.HTTP_1_1)
                        .setKeepAlive(true).setConnectTimeout((int) timeout.toMillis()))
                .with(new PoolOptions().setHttp1MaxSize(config.deliveries().concurrencyPerEndpoint()).setMaxWaitQueueSize(-1))
                // An endpoint resetting an idle kept-alive connection fails no call (one in flight fails on its own).
                .withConnectHandler(connection -> connection.exceptionHandler(
                        e -> LOG.debugf("Connection to %s closed: %s", connection.remoteAddress(), e.toString())))
                .build();
        this.guard = new EndpointGuard(config.endpoints().allowPrivate(),
                config.endpoints().allow().orElse(List.of()).stream().map(EndpointGuard.Range::parse).toList());
        this.producer = producer;
    }

    /** The endpoint whose breaker and concurrency bound a firing of this action goes through. */
    public static String endpointOf(TriggerAction action) {
        return switch (action) {
            case TriggerAction.Webhook w -> endpointOf(w.url());
            case TriggerAction.Segment s -> endpointOf(s.url());
            case TriggerAction.CloudEvents c -> endpointOf(c.url());
            // The topic itself, not a URI's host: a topic with '_' (or a label ending in '-') is no host name, and
            // every such topic would share one key, "kafka://null:-1".
            case TriggerAction.Kafka k -> "kafka:" + k.topic();
        };
    }

    private static String endpointOf(URI url) {
        return url.getScheme() + "://" + url.getHost() + ":" + url.getPort();
    }

    public Outcome attempt(TriggerDefinition trigger, Firing firing) throws InterruptedException {
        long started = System.nanoTime();
        try {
            return switch (trigger.action()) {
                case TriggerAction.Webhook w -> post(webhook(w, firing), firing, started);
                case TriggerAction.Segment s -> post(segment(s, firing), firing, started);
                case TriggerAction.CloudEvents c -> post(cloudEvent(c, firing), firing, started);
                case TriggerAction.Kafka k -> kafka(k, firing, started);
            };
        } catch (EndpointGuard.RefusedEndpoint e) {
            return Outcome.failed(null, CallFailures.refused(e.getMessage()), null, millisSince(started));
        }
    }

    /** The webhook body: {@code {"type", "timestamp", "data"}}, the same on every attempt. */
    static byte[] payload(Firing firing) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", firing.kind());
        body.put("timestamp", IsoInstants.format(firing.firedAt() != null ? firing.firedAt() : firing.at()));
        body.put("data", data(firing));
        return Json.writeBytes(body);
    }

    /** What a firing says, in the webhook body's {@code data} and as a CloudEvent's data. */
    private static Map<String, Object> data(Firing firing) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("trigger", firing.triggerId());
        data.put("userId", firing.userId());
        put(data, "segmentId", firing.segmentId());
        put(data, "version", firing.version());
        put(data, "event", firing.event());
        put(data, "properties", firing.properties());
        put(data, "cause", firing.cause());
        put(data, "at", firing.at() == null ? null : IsoInstants.format(firing.at()));
        return data;
    }

    /** An HTTP POST to make: where, with which headers, and its body. */
    private record Post(URI url, RequestOptions request, byte[] body) {
        Post header(String name, String value) {
            request.putHeader(name, value);
            return this;
        }
    }

    private Post webhook(TriggerAction.Webhook webhook, Firing firing) throws EndpointGuard.RefusedEndpoint {
        byte[] body = payload(firing);
        long now = Instant.now().getEpochSecond();
        return request(webhook.url(), body)
                .header(WebhookSigner.ID_HEADER, firing.id())
                .header(WebhookSigner.TIMESTAMP_HEADER, Long.toString(now))
                .header(WebhookSigner.SIGNATURE_HEADER, WebhookSigner.sign(webhook.secrets(), firing.id(), now, body));
    }

    /** As Segment Engage sends audiences: {@code Audience Entered|Exited} with {@code audience_key} and {@code <key>: bool}. */
    private Post segment(TriggerAction.Segment segment, Firing firing) throws EndpointGuard.RefusedEndpoint {
        Map<String, Object> properties = new LinkedHashMap<>();
        String event;
        if (firing.segmentId() != null) {
            boolean entered = Firing.ENTERED.equals(firing.kind());
            event = entered ? "Audience Entered" : "Audience Exited";
            properties.put("audience_key", firing.segmentId());
            properties.put(firing.segmentId(), entered);
        } else {
            event = "Trigger Fired";
            properties.put("trigger", firing.triggerId());
        }
        Map<String, Object> call = new LinkedHashMap<>();
        call.put("type", "track");
        call.put("userId", firing.userId());
        call.put("event", event);
        call.put("properties", properties);
        call.put("messageId", firing.id());
        call.put("timestamp", IsoInstants.format(firing.at()));
        call.put("context", Map.of("library", Map.of("name", "segflow")));
        String basic = Base64.getEncoder().encodeToString((segment.writeKey() + ":").getBytes(StandardCharsets.UTF_8));
        return request(URI.create(segment.url().toString().replaceAll("/+$", "") + "/v1/track"),
                Json.writeBytes(call)).header("authorization", "Basic " + basic);
    }

    /** Binary mode: attributes as {@code ce-} headers, the firing's data as the body. */
    private Post cloudEvent(TriggerAction.CloudEvents cloudEvents, Firing firing) throws EndpointGuard.RefusedEndpoint {
        String type = switch (firing.kind()) {
            case Firing.ENTERED -> "io.segflow.segment.entered.v1";
            case Firing.EXITED -> "io.segflow.segment.exited.v1";
            default -> "io.segflow.trigger.fired.v1";
        };
        byte[] data = Json.writeBytes(data(firing));
        return request(cloudEvents.url(), data)
                .header("ce-specversion", "1.0")
                .header("ce-id", firing.id())
                .header("ce-source", "/segflow/triggers/" + firing.triggerId())
                .header("ce-type", type)
                .header("ce-subject", firing.userId())
                .header("ce-time", IsoInstants.format(firing.at()))
                .header("ce-partitionkey", firing.userId());
    }

    private Post request(URI url, byte[] body) throws EndpointGuard.RefusedEndpoint {
        InetSocketAddress checked = guard.check(url);
        RequestOptions request = new RequestOptions().setMethod(HttpMethod.POST).setAbsoluteURI(url.toString())
                .setFollowRedirects(false).setIdleTimeout(timeout.toMillis())
                .putHeader("content-type", "application/json")
                .putHeader("user-agent", "segflow-trigger-function");
        if (checked != null) {
            // Connect to the address the guard checked: a second lookup could answer an internal one. The host
            // still names the endpoint in the Host header, TLS's SNI and its certificate check.
            request.setServer(SocketAddress.inetSocketAddress(checked.getPort(), checked.getAddress().getHostAddress()));
        }
        return new Post(url, request, body);
    }

    /** Sends the call, in a client span of the firing's trace, and waits for its answer, at most the timeout. */
    private Outcome post(Post post, Firing firing, long started) throws InterruptedException {
        Span span = tracing.startCall(firing.traceparent(), post.url());
        String traceparent = tracing.callTraceparent(span, firing.traceparent());
        if (traceparent != null) {
            post.header(TRACEPARENT, traceparent);
        }
        Outcome outcome = null;
        try {
            outcome = call(post, started);
            return outcome;
        } finally {
            tracing.endCall(span, outcome == null ? null : outcome.status(), outcome == null ? "interrupted" : outcome.error());
        }
    }

    /** Sends the call and waits for its answer (on the firing's virtual thread), at most the timeout. */
    private Outcome call(Post post, long started) throws InterruptedException {
        AtomicReference<HttpClientRequest> sent = new AtomicReference<>();
        CompletableFuture<HttpClientResponse> answered = http.request(post.request())
                .compose(request -> {
                    sent.set(request);
                    return request.send(Buffer.buffer(post.body()));
                })
                // Waiting for the end reads the body (dropped) so that the connection is reused. No body handler: the
                // response may have ended already, and setting one then throws.
                .compose(response -> response.end().map(response))
                .toCompletionStage().toCompletableFuture();
        try {
            HttpClientResponse answer = answered.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            int status = answer.statusCode();
            if (status / 100 == 2) {
                return Outcome.ok(status, millisSince(started));
            }
            String retryAfterHeader = status == 429 || status == 503 ? answer.getHeader("retry-after") : null;
            Duration retryAfter = retryAfterHeader == null ? null : retryAfter(retryAfterHeader);
            return Outcome.failed(status, "HTTP " + status, retryAfter, millisSince(started));
        } catch (TimeoutException e) {
            reset(sent.get());
            return timedOut(started);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof TimeoutException) { // the idle timeout: no answer, or no more of it, within the timeout
                return timedOut(started);
            }
            return Outcome.failed(null, CallFailures.describe(cause, post.url(), timeout.toMillis()), null, millisSince(started));
        } catch (InterruptedException e) {
            reset(sent.get());
            throw e;
        }
    }

    /** Abandons a call: its connection is closed, not handed to the next call. */
    private static void reset(HttpClientRequest request) {
        if (request != null) {
            request.reset();
        }
    }

    private Outcome timedOut(long started) {
        return Outcome.failed(null, CallFailures.noAnswerWithin(timeout.toMillis()), null, millisSince(started));
    }

    private Outcome kafka(TriggerAction.Kafka kafka, Firing firing, long started) throws InterruptedException {
        Map<String, Object> record = new LinkedHashMap<>();
        record.put("id", firing.id());
        record.put("kind", firing.kind());
        record.put("trigger", firing.triggerId());
        record.put("userId", firing.userId());
        put(record, "segmentId", firing.segmentId());
        put(record, "event", firing.event());
        put(record, "at", firing.at() == null ? null : IsoInstants.format(firing.at()));
        put(record, "cause", firing.cause());
        RecordHeaders headers = new RecordHeaders();
        if (firing.traceparent() != null) {
            headers.add(TRACEPARENT, firing.traceparent().getBytes(StandardCharsets.UTF_8));
        }
        try {
            producer.sendAll(List.of(new ProducerRecord<>(kafka.topic(), null, firing.userId(),
                    Json.writeBytes(record), headers)));
            return Outcome.ok(null, millisSince(started));
        } catch (RuntimeException e) {
            return Outcome.failed(null, e.getMessage(), null, millisSince(started));
        }
    }

    /**
     * Seconds, or an HTTP date; null when neither (the backoff then decides). At most {@link #LONGEST_RETRY_AFTER}:
     * a wait past any retry deadline is cut to it anyway, and a larger one would overflow the due time. A number too
     * large for a {@code long} is such a wait too; zero, a negative number or a past date is {@code 0}, which the
     * {@link RetryPolicy} waits as its first backoff.
     */
    static Duration retryAfter(String value) {
        String trimmed = value.trim();
        Duration asked;
        if (SECONDS.matcher(trimmed).matches()) {
            try {
                asked = Duration.ofSeconds(Math.max(0, Long.parseLong(trimmed)));
            } catch (NumberFormatException tooLong) {
                asked = trimmed.startsWith("-") ? Duration.ZERO : LONGEST_RETRY_AFTER;
            }
        } else {
            try {
                Duration until = Duration.between(Instant.now(), ZonedDateTime.parse(trimmed, DateTimeFormatter.RFC_1123_DATE_TIME));
                asked = until.isNegative() ? Duration.ZERO : until;
            } catch (DateTimeParseException neither) {
                return null;
            }
        }
        return asked.compareTo(LONGEST_RETRY_AFTER) > 0 ? LONGEST_RETRY_AFTER : asked;
    }

    private static void put(Map<String, Object> map, String key, Object value) {
        if (value != null) {
            map.put(key, value);
        }
    }

    private static long millisSince(long started) {
        return Duration.ofNanos(System.nanoTime() - started).toMillis();
    }

    @PreDestroy
    void close() {
        http.close();
    }
}
