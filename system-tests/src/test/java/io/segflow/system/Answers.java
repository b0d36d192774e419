package io.segflow.system;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The HTTP answers a function gave during a test, tallied by status. Allowed: 2xx, 304, and the documented
 * 429 / 503 with {@code Retry-After}; anything else (a 500, a 503 without Retry-After, a 4xx to a valid request) is
 * kept as evidence. Requests that got no answer at all (refused, reset, timed out) are counted apart.
 */
final class Answers {
    private static final int SAMPLES = 10;

    private final Map<String, Long> tally = new TreeMap<>();
    private final List<String> unexpected = new ArrayList<>();
    private long unexpectedCount;
    private long noAnswer;

    synchronized void record(HttpResponse<String> response) {
        int status = response.statusCode();
        boolean retryAfter = response.headers().firstValue("Retry-After").isPresent();
        boolean allowed = status / 100 == 2 || status == 304 || ((status == 429 || status == 503) && retryAfter);
        tally.merge(status + (retryAfter ? " + Retry-After" : ""), 1L, Long::sum);
        if (!allowed) {
            unexpectedCount++;
            if (unexpected.size() < SAMPLES) {
                unexpected.add(response.request().method() + " " + response.request().uri().getPath() + " -> " + status + " " + response.body());
            }
        }
    }

    synchronized void noAnswer(Throwable failure) {
        noAnswer++;
        tally.merge("no answer (" + failure.getClass().getSimpleName() + ")", 1L, Long::sum);
    }

    /** Answers that are neither a success nor a documented, retryable refusal, with up to ten samples. */
    synchronized List<String> unexpected() {
        List<String> evidence = new ArrayList<>(unexpected);
        if (unexpectedCount > unexpected.size()) {
            evidence.add("... " + (unexpectedCount - unexpected.size()) + " more");
        }
        return evidence;
    }

    synchronized long noAnswers() {
        return noAnswer;
    }

    synchronized long count(int status) {
        return tally.entrySet().stream().filter(e -> e.getKey().startsWith(status + " ") || e.getKey().equals(Integer.toString(status)))
                .mapToLong(Map.Entry::getValue).sum();
    }

    @Override
    public synchronized String toString() {
        return tally.toString();
    }
}
