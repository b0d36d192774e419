package io.segflow.ingest.fuzz;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.segflow.core.json.Json;
import io.segflow.ingest.IngestTopicsTest;
import io.segflow.ingest.RawHttp;
import java.io.IOException;
import java.net.URI;
import java.net.URL;
import java.security.SecureRandom;
import java.util.HashSet;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Random requests against the running collector and CloudEvents endpoint (real HTTP, real Kafka): whatever arrives,
 * the answer is never a 5xx and always ingest's JSON (an error naming the problem and field, or a 200), and a valid call
 * gets its 200. The build runs a fixed seed, so that it fails the same way every time; {@code -Dfuzz.seed=<seed>}
 * runs another ({@code random} draws one and prints it), {@code -Dfuzz.tries=<n>} sets the length. A failing
 * request is shrunk before it is reported.
 */
@QuarkusTest
class CollectorFuzzTest extends IngestTopicsTest {
    private static final String SEED_PROPERTY = "fuzz.seed";
    private static final String TRIES_PROPERTY = "fuzz.tries";
    private static final int DEFAULT_TRIES = 340;
    private static final long DEFAULT_SEED = 20_261_130L;
    /** Re-sends allowed for shrinking: a failure costs a few seconds more. */
    private static final int MAX_SHRINK_RUNS = 400;

    @TestHTTPResource("/")
    URL base;

    @Test
    void noRequestGetsA5xxOrAnythingButIngestsJsonAnswer() {
        String asked = System.getProperty(SEED_PROPERTY, Long.toString(DEFAULT_SEED));
        long seed = asked.equals("random") ? new SecureRandom().nextLong() : Long.parseLong(asked.trim());
        int tries = Integer.getInteger(TRIES_PROPERTY, DEFAULT_TRIES);
        System.out.printf("CollectorFuzzTest: seed %d (-D%s=%d replays it), %d requests%n", seed, SEED_PROPERTY, seed, tries);
        FuzzRequests requests = new FuzzRequests(new Random(seed));
        Set<String> hit = new HashSet<>();
        for (int n = 0; n < tries; n++) {
            FuzzRequest request = requests.next(n);
            Optional<String> violation = violation(request);
            if (violation.isPresent()) {
                RequestShrinker shrinker = new RequestShrinker(candidate -> violation(candidate).isPresent(), MAX_SHRINK_RUNS);
                FuzzRequest minimal = shrinker.shrink(request);
                fail("""
                        Request %d of seed %d (-D%s=%d replays it) broke the answer contract: %s
                          %s
                        Shrunk in %d re-sends to: %s
                          %s""".formatted(n, seed, SEED_PROPERTY, seed, violation.get(), request, shrinker.runs(),
                        violation(minimal).orElse("(passes now: the failure is not deterministic)"), minimal));
            }
            hit.add(request.path());
        }
        assertThat(hit).as("every endpoint was exercised").containsAll(FuzzRequests.PATHS.subList(0, Math.min(tries, FuzzRequests.PATHS.size())));
    }

    /** What is wrong with the answer to this request, if anything. */
    private Optional<String> violation(FuzzRequest request) {
        RawHttp.Answer answer;
        try {
            answer = RawHttp.post(URI.create(base.toString().replaceAll("/$", "") + request.path()), request.headers(),
                    request.wire(), request.chunked(), request.http2());
        } catch (IOException e) {
            return Optional.of("no answer: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        String seen = answer.status() + " " + answer.contentType() + " " + answer.body();
        if (answer.status() >= 500) {
            return Optional.of("a server error: " + seen);
        }
        if (request.expected().isPresent() && answer.status() != request.expected().getAsInt()) {
            return Optional.of("expected " + request.expected().getAsInt() + ", got " + seen);
        }
        if (answer.status() == 200 && answer.body().isEmpty() && acceptsWithoutBody(request)) {
            return Optional.empty();
        }
        if (!answer.contentType().startsWith("application/json")) {
            return Optional.of("not JSON: " + seen);
        }
        JsonNode body;
        try {
            body = Json.read(answer.body(), JsonNode.class);
        } catch (RuntimeException e) {
            return Optional.of("a body that does not parse: " + seen);
        }
        return contractBreach(answer.status(), body).map(breach -> breach + ": " + seen);
    }

    /** A CloudEvent that is not batched is accepted with no body (a Knative sender would read one as its reply). */
    private static boolean acceptsWithoutBody(FuzzRequest request) {
        return request.path().equals("/") && (request.contentType() == null
                || !request.contentType().toLowerCase().startsWith("application/cloudevents-batch+json"));
    }

    /** A 200 says success; anything else is ingest's error: success false, error, field and reason. */
    private static Optional<String> contractBreach(int status, JsonNode body) {
        if (!body.isObject() || !body.path("success").isBoolean()) {
            return Optional.of("no success flag");
        }
        if (status == 200) {
            return body.get("success").asBoolean() ? Optional.empty() : Optional.of("a 200 without success");
        }
        if (body.get("success").asBoolean()) {
            return Optional.of("an error status with success true");
        }
        for (String field : new String[] {"error", "field", "reason"}) {
            if (!body.path(field).isTextual() || body.get(field).asText().isBlank()) {
                return Optional.of("an error without " + field);
            }
        }
        return Optional.empty();
    }
}
