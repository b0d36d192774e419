package io.segflow.api.triggers;

import io.segflow.api.ApiConfig;
import io.segflow.core.json.Json;
import io.segflow.core.trigger.CallFailures;
import io.segflow.core.trigger.EndpointGuard;
import io.segflow.core.trigger.TriggerAction;
import io.segflow.core.trigger.TriggerDefinition;
import io.segflow.core.trigger.WebhookSigner;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * {@code POST /v1/triggers/{id}/test}: one signed webhook call of type {@code trigger.test}, made at once from the
 * api, with the same headers, signature and address checks as real deliveries, and the receiver's answer reported.
 */
@ApplicationScoped
public class TestDelivery {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    /** What the endpoint answered; {@code status} null when it could not be reached (then {@code error} says why). */
    @Schema(name = "TestCallResult")
    public record Result(String id, boolean delivered, Integer status, String error, long latencyMs) {
    }

    private final HttpClient http;
    private final EndpointGuard guard;

    TestDelivery(ApiConfig config, Vertx vertx) {
        this.guard = new EndpointGuard(config.triggers().allowPrivate(),
                config.triggers().allow().orElse(List.of()).stream().map(EndpointGuard.Range::parse).toList());
        this.http = vertx.createHttpClient(new HttpClientOptions().setName("trigger-test-delivery")
                .setConnectTimeout((int) TIMEOUT.toMillis()));
    }

    @PreDestroy
    void close() {
        http.close();
    }

    public Result send(TriggerDefinition trigger, TriggerAction.Webhook webhook) throws InterruptedException {
        String id = "sf_test_" + UUID.randomUUID();
        Instant now = Instant.now();
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("trigger", trigger.id());
        data.put("userId", "segflow-test-user");
        byte[] body = Json.write(Map.of("type", "trigger.test", "timestamp", now.toString(), "data", data))
                .getBytes(StandardCharsets.UTF_8);
        long started = System.nanoTime();
        try {
            RequestOptions request = request(webhook.url())
                    .putHeader(WebhookSigner.ID_HEADER, id)
                    .putHeader(WebhookSigner.TIMESTAMP_HEADER, Long.toString(now.getEpochSecond()))
                    .putHeader(WebhookSigner.SIGNATURE_HEADER, WebhookSigner.sign(webhook.secrets(), id, now.getEpochSecond(), body));
            int status = http.request(request).compose(call -> call.send(Buffer.buffer(body)))
                    .map(HttpClientResponse::statusCode)
                    .toCompletionStage().toCompletableFuture().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            return new Result(id, status / 100 == 2, status, null, millisSince(started));
        } catch (EndpointGuard.RefusedEndpoint e) {
            return failed(id, CallFailures.refused(e.getMessage()), started);
        } catch (ExecutionException e) {
            return failed(id, CallFailures.describe(e.getCause(), webhook.url(), TIMEOUT.toMillis()), started);
        } catch (TimeoutException e) {
            return failed(id, CallFailures.noAnswerWithin(TIMEOUT.toMillis()), started);
        } catch (IllegalArgumentException e) {
            return failed(id, "the call to " + webhook.url() + " could not be made: " + e.getMessage(), started);
        }
    }

    /**
     * The call, to the address the guard checked: a second lookup could answer an internal one (DNS rebinding). The
     * host still names the endpoint in the Host header, TLS's SNI and its certificate check.
     */
    private RequestOptions request(URI url) throws EndpointGuard.RefusedEndpoint {
        InetSocketAddress checked = guard.check(url);
        RequestOptions request = new RequestOptions().setMethod(HttpMethod.POST).setAbsoluteURI(url.toString())
                .setFollowRedirects(false).setIdleTimeout(TIMEOUT.toMillis())
                .putHeader("content-type", "application/json");
        if (checked != null) {
            request.setServer(SocketAddress.inetSocketAddress(checked.getPort(), checked.getAddress().getHostAddress()));
        }
        return request;
    }

    private static Result failed(String id, String error, long started) {
        return new Result(id, false, null, error, millisSince(started));
    }

    private static long millisSince(long started) {
        return Duration.ofNanos(System.nanoTime() - started).toMillis();
    }
}
