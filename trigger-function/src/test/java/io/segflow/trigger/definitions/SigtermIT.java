package io.segflow.trigger.definitions;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.segflow.core.Topics;
import io.segflow.core.json.Json;
import io.segflow.core.membership.SegmentChange;
import io.segflow.core.trigger.TriggerKeys;
import io.segflow.testkit.Ports;
import io.segflow.testkit.RespClient;
import io.segflow.testkit.TestServices;
import io.segflow.testkit.TopicWriter;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * The packaged trigger-function stopped with SIGTERM, as Kubernetes stops a pod, while changes stream in, its calls to
 * a slow receiver are in flight, more firings wait for that receiver, retries wait out a {@code Retry-After} and
 * delays are running: it exits within half the pod's 30 s grace period, and once the partitions' next owner runs (the
 * same pod started again) every firing is delivered, those the stop cut short included. Calls answered within the
 * stop's wait for them are not cut short: their receiver sees each firing once.
 */
class SigtermIT {
    /** Half of {@code terminationGracePeriodSeconds} (infra/k8s/base/functions/trigger-function.yaml). */
    private static final int WITHIN_SECONDS = 15;
    /** The slow endpoint's 16 calls in flight (its bound), and more waiting for one. */
    private static final int SLOW_USERS = 24;
    private static final int RETRIED_USERS = 10;
    private static final int DELAYED_USERS = 10;
    /** Calls in flight at the stop that are answered within its wait for them (3 s). */
    private static final int PROMPT_USERS = 16;
    /** A change every few milliseconds, until the stopped process has exited: batches are being handled as it stops. */
    private static final long STREAM_EVERY_MILLIS = 5;

    @Test
    void stoppedUnderLoadItExitsWithinHalfTheGracePeriodAndEveryFiringIsDeliveredAfter() throws Exception {
        String bootstrap = TestServices.kafkaBootstrapServers();
        String redisUrl = TestServices.redisUrl();
        String run = "sigterm-" + UUID.randomUUID().toString().substring(0, 8);
        // A topic and groups of its own: no other test's changes, and no member of another test's process that died
        // holding partitions of the group until its session times out.
        String topic = Topics.SEGMENT_CHANGES + "." + run;
        List<String> settings = List.of(
                "-Dmp.messaging.incoming.segment-changes.topic=" + topic,
                "-Dmp.messaging.incoming.segment-changes.group.id=" + run,
                "-Dmp.messaging.incoming.events.group.id=" + run + "-events",
                // Production's call timeout (the test profile's is 2 s), and firings that outlive the stop.
                "-D%test.segflow.trigger.deliveries.timeout=10s",
                "-D%test.segflow.trigger.deliveries.deadline=10m");
        AtomicInteger streamed = new AtomicInteger();
        try (WebhookReceiver slow = WebhookReceiver.start();
             WebhookReceiver flaky = WebhookReceiver.start();
             WebhookReceiver quick = WebhookReceiver.start();
             WebhookReceiver prompt = WebhookReceiver.start();
             TopicWriter changes = new TopicWriter(bootstrap, topic)) {
            define(redisUrl, run + "-slow", slow.url("/slow"), null);
            define(redisUrl, run + "-retried", flaky.url("/retried"), null);
            define(redisUrl, run + "-delayed", quick.url("/delayed"), "2s");
            define(redisUrl, run + "-stream", quick.url("/stream"), null);
            define(redisUrl, run + "-prompt", prompt.url("/prompt"), null);
            slow.slow("/slow", 8_000); // answers later than the stop waits for its calls
            prompt.slow("/prompt", 1_000); // within it
            for (int u = 0; u < RETRIED_USERS; u++) {
                flaky.script("/retried", new WebhookReceiver.Answer(503, Map.of("Retry-After", "5")));
            }
            int port = Ports.free();
            PackagedTriggerFunction first = PackagedTriggerFunction.start(bootstrap, redisUrl, port, run, settings);
            try {
                first.awaitReady(port);
                enter(changes, run + "-retried", RETRIED_USERS);
                flaky.await("/retried", RETRIED_USERS, Duration.ofSeconds(60));
                enter(changes, run + "-delayed", DELAYED_USERS);
                Thread stream = Thread.ofPlatform().start(() -> {
                    while (first.process().isAlive()) {
                        String user = run + "-stream-u" + streamed.get();
                        changes.send(user, Json.write(new SegmentChange(user, run + "-stream", SegmentChange.ENTERED, Instant.now(), 1, "event:" + user)));
                        streamed.incrementAndGet();
                        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(STREAM_EVERY_MILLIS));
                    }
                });
                quick.await("/stream", 100, Duration.ofSeconds(60));
                // Last, so that the slow calls have most of their 8 s to go at the stop, and the prompt ones their 1 s.
                enter(changes, run + "-slow", SLOW_USERS);
                slow.await("/slow", 16, Duration.ofSeconds(60));
                enter(changes, run + "-prompt", PROMPT_USERS);
                prompt.await("/prompt", PROMPT_USERS, Duration.ofSeconds(60));

                long signalled = System.nanoTime();
                first.process().destroy(); // SIGTERM
                boolean exited = first.process().waitFor(WITHIN_SECONDS, TimeUnit.SECONDS);
                long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - signalled);
                first.kill();
                stream.join();
                assertThat(exited).as("exited within %d s of SIGTERM; after %d ms its log ends:%n%s",
                        WITHIN_SECONDS, tookMillis, first.logTail()).isTrue();
            } finally {
                first.kill();
            }

            slow.slow("/slow", 0);
            PackagedTriggerFunction second = PackagedTriggerFunction.start(bootstrap, redisUrl, port, run, settings);
            try {
                second.awaitReady(port);
                Instant deadline = Instant.now().plusSeconds(90);
                while (!allDelivered(redisUrl, run, streamed.get()) && Instant.now().isBefore(deadline)) {
                    Thread.sleep(200);
                }
            } finally {
                second.kill();
            }
            Map<String, Integer> fired = Map.of("-slow", SLOW_USERS, "-retried", RETRIED_USERS, "-delayed", DELAYED_USERS,
                    "-stream", streamed.get(), "-prompt", PROMPT_USERS);
            for (var trigger : fired.entrySet()) {
                String id = run + trigger.getKey();
                assertThat(delivered(redisUrl, id)).as("every firing of %s delivered (a 2xx logged)", id)
                        .isEqualTo(users(id, trigger.getValue()));
            }
            assertThat(slow.calls("/slow")).as("the stop cut the slow receiver's calls short, and they were made again")
                    .hasSizeGreaterThan(SLOW_USERS);
            List<String> promptIds = prompt.calls("/prompt").stream().map(c -> c.header("webhook-id")).toList();
            assertThat(promptIds).as("answered within the stop's wait: called once each, not cut short and called again")
                    .hasSize(PROMPT_USERS).doesNotHaveDuplicates();
        }
    }

    private static void define(String redisUrl, String id, String url, String delay) {
        PackagedTriggerFunction.define(redisUrl, id, """
                {"when": {"segment": "%s", "change": "entered"}, %s
                 "action": {"type": "webhook", "url": "%s", "secret": "%s"}}""".formatted(
                id, delay == null ? "" : "\"delay\": \"" + delay + "\",", url, WebhookReceiver.SECRET));
    }

    /** Each user enters the segment {@code id} (the trigger's segment is named like the trigger). */
    private static void enter(TopicWriter changes, String id, int users) {
        for (String user : users(id, users)) {
            changes.send(user, Json.write(new SegmentChange(user, id, SegmentChange.ENTERED, Instant.now(), 1, "event:" + user)));
        }
    }

    private static Set<String> users(String id, int count) {
        return IntStream.range(0, count).mapToObj(u -> id + "-u" + u).collect(Collectors.toSet());
    }

    private static boolean allDelivered(String redisUrl, String run, int streamed) {
        return delivered(redisUrl, run + "-slow").size() == SLOW_USERS
                && delivered(redisUrl, run + "-retried").size() == RETRIED_USERS
                && delivered(redisUrl, run + "-delayed").size() == DELAYED_USERS
                && delivered(redisUrl, run + "-stream").size() == streamed
                && delivered(redisUrl, run + "-prompt").size() == PROMPT_USERS;
    }

    /**
     * The users whose firing of the trigger trigger-function logged as delivered: it got a 2xx for it. A call the stop
     * cut short may have reached the receiver, but only an attempt answered counts.
     */
    private static Set<String> delivered(String redisUrl, String triggerId) {
        try (RespClient redis = new RespClient(URI.create(redisUrl).getPort())) {
            List<?> log = (List<?>) redis.call("HGETALL", TriggerKeys.log(triggerId));
            Set<String> users = new HashSet<>();
            for (int i = 1; i < log.size(); i += 2) {
                JsonNode entry = Json.read((String) log.get(i), JsonNode.class);
                if ("delivered".equals(entry.path("status").asText())) {
                    users.add(entry.path("userId").asText());
                }
            }
            return users;
        }
    }
}
