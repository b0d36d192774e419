package io.segflow.api.triggers;

import io.segflow.api.ApiConfig;
import io.segflow.core.json.Json;
import io.segflow.core.trigger.EndpointGuard;
import io.segflow.core.trigger.TriggerAction;
import io.segflow.core.trigger.TriggerDefinition;
import io.segflow.core.trigger.WebhookSigner;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * {@code POST /v1/triggers/{id}/test}: one signed webhook call of type {@code trigger.test}, made at once from the
 * api, with the same headers, signature and address checks as real deliveries, and the receiver's answer reported.
 */
@ApplicationScoped
public class TestDelivery {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    /** What the endpoint answered; {@code status} null when it could not be reached (then {@code error} says why). */
    public record Result(String id, boolean delivered, Integer status, String error, long latencyMs) {
    }

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT)
            .followRedirects(HttpClient.Redirect.NEVER).build();
    private final EndpointGuard guard;

    TestDelivery(ApiConfig config) {
        this.guard = new EndpointGuard(config.triggers().allowPrivate(),
                config.triggers().allow().orElse(List.of()).stream().map(EndpointGuard.Range::parse).toList());
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
            guard.check(webhook.url());
            HttpResponse<Void> answer = http.send(HttpRequest.newBuilder(webhook.url()).timeout(TIMEOUT)
                    .header("content-type", "application/json")
                    .header(WebhookSigner.ID_HEADER, id)
                    .header(WebhookSigner.TIMESTAMP_HEADER, Long.toString(now.getEpochSecond()))
                    .header(WebhookSigner.SIGNATURE_HEADER, WebhookSigner.sign(webhook.secrets(), id, now.getEpochSecond(), body))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.discarding());
            return new Result(id, answer.statusCode() / 100 == 2, answer.statusCode(), null, millisSince(started));
        } catch (EndpointGuard.RefusedEndpoint e) {
            return new Result(id, false, null, e.getMessage(), millisSince(started));
        } catch (IOException | IllegalArgumentException e) {
            return new Result(id, false, null, e.toString(), millisSince(started));
        }
    }

    private static long millisSince(long started) {
        return Duration.ofNanos(System.nanoTime() - started).toMillis();
    }
}
