package io.segflow.trigger.definitions;

import static org.assertj.core.api.Assertions.assertThat;

import io.segflow.core.json.Json;
import io.segflow.core.membership.SegmentChange;
import io.segflow.core.trigger.DeliveryEntry;
import io.segflow.core.trigger.TriggerKeys;
import io.segflow.testkit.Ports;
import io.segflow.testkit.RedisProcess;
import io.segflow.testkit.RespClient;
import io.segflow.testkit.TestServices;
import io.segflow.testkit.TopicWriter;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
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
    /**
     * At most this many changes streamed (400 to 520 by the exit on two busy cores): the delivered firings are read from the
     * trigger's deliveries log, which keeps its newest {@link DeliveryEntry#KEPT} entries only.
     */
    private static final int MOST_STREAMED = DeliveryEntry.KEPT - 100;

    @Test
    void stoppedUnderLoadItExitsWithinHalfTheGracePeriodAndEveryFiringIsDeliveredAfter() throws Exception {
        String bootstrap = TestServices.kafkaBootstrapServers();
        String run = "sigterm-" + UUID.randomUUID().toString().substring(0, 8);
        // A topic and groups of its own: no other test's changes, and no member of another test's process that died
        // holding partitions of the group until its session times out.
        String topic = PackagedTriggerFunction.changesTopic(run);
        List<String> settings = PackagedTriggerFunction.ownTopicAndGroups(run,
                // Production's call timeout (the test profile's is 2 s), and firings that outlive the stop.
                "-D%test.segflow.trigger.deliveries.timeout=10s",
                "-D%test.segflow.trigger.deliveries.deadline=10m");
        AtomicInteger streamed = new AtomicInteger();
        // A Redis of its own: firings wait in the schedule of their partition's number (sf:{tc<N>}), whatever the topic,
        // so another trigger-function on the test JVM's Redis (TriggerRouterIT's, which Quarkus keeps running for the
        // rest of the run) would attempt these firings too, with the test profile's 2 s timeout and 3 s deadline.
        try (RedisProcess redis = RedisProcess.start();
             WebhookReceiver slow = WebhookReceiver.start();
             WebhookReceiver flaky = WebhookReceiver.start();
             WebhookReceiver quick = WebhookReceiver.start();
             WebhookReceiver prompt = WebhookReceiver.start();
             TopicWriter changes = new TopicWriter(bootstrap, topic)) {
            String redisUrl = redis.url();
            PackagedTriggerFunction.defineEntryWebhook(redisUrl, run + "-slow", slow.url("/slow"), null);
            PackagedTriggerFunction.defineEntryWebhook(redisUrl, run + "-retried", flaky.url("/retried"), null);
            PackagedTriggerFunction.defineEntryWebhook(redisUrl, run + "-delayed", quick.url("/delayed"), "2s");
            PackagedTriggerFunction.defineEntryWebhook(redisUrl, run + "-stream", quick.url("/stream"), null);
            PackagedTriggerFunction.defineEntryWebhook(redisUrl, run + "-prompt", prompt.url("/prompt"), null);
            slow.slow("/slow", 8_000); // answers later than the stop waits for its calls
            prompt.slow("/prompt", 1_000); // within it
            for (int u = 0; u < RETRIED_USERS; u++) {
                flaky.script("/retried", new WebhookReceiver.Answer(503, Map.of("Retry-After", "5")));
            }
            int port = Ports.free();
            PackagedTriggerFunction first = PackagedTriggerFunction.start(bootstrap, redisUrl, port, run, settings);
            try {
                first.awaitReady(port);
                PackagedTriggerFunction.enter(changes, run + "-retried", RETRIED_USERS);
                flaky.await("/retried", RETRIED_USERS, Duration.ofSeconds(60));
                PackagedTriggerFunction.enter(changes, run + "-delayed", DELAYED_USERS);
                Thread stream = Thread.ofPlatform().start(() -> {
                    while (first.process().isAlive() && streamed.get() < MOST_STREAMED) {
                        String user = run + "-stream-u" + streamed.get();
                        changes.send(user, Json.write(new SegmentChange(user, run + "-stream", SegmentChange.ENTERED, Instant.now(), 1, "event:" + user)));
                        streamed.incrementAndGet();
                        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(STREAM_EVERY_MILLIS));
                    }
                });
                quick.await("/stream", 100, Duration.ofSeconds(60));
                // Last, so that the slow calls have most of their 8 s to go at the stop, and the prompt ones their 1 s.
                PackagedTriggerFunction.enter(changes, run + "-slow", SLOW_USERS);
                slow.await("/slow", 16, Duration.ofSeconds(60));
                PackagedTriggerFunction.enter(changes, run + "-prompt", PROMPT_USERS);
                prompt.await("/prompt", PROMPT_USERS, Duration.ofSeconds(60));

                long signalled = System.nanoTime();
                first.process().destroy(); // SIGTERM
                boolean exited = first.process().waitFor(WITHIN_SECONDS, TimeUnit.SECONDS);
                long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - signalled);
                first.kill();
                stream.join();
                System.out.printf("SigtermIT: exited %d ms after SIGTERM; %d changes streamed; the first instance's log: %s%n",
                        tookMillis, streamed.get(), first.log());
                assertThat(exited).as("exited within %d s of SIGTERM; after %d ms its log ends:%n%s",
                        WITHIN_SECONDS, tookMillis, first.logTail()).isTrue();
            } finally {
                first.kill();
            }

            slow.slow("/slow", 0);
            PackagedTriggerFunction second = PackagedTriggerFunction.start(bootstrap, redisUrl, port, run, settings);
            Map<String, Integer> fired = new LinkedHashMap<>();
            fired.put("-slow", SLOW_USERS);
            fired.put("-retried", RETRIED_USERS);
            fired.put("-delayed", DELAYED_USERS);
            fired.put("-stream", streamed.get());
            fired.put("-prompt", PROMPT_USERS);
            try {
                second.awaitReady(port);
                Instant deadline = Instant.now().plusSeconds(90);
                while (!missing(redisUrl, run, fired).isEmpty() && Instant.now().isBefore(deadline)) {
                    Thread.sleep(200);
                }
            } finally {
                second.kill();
            }
            assertThat(described(redisUrl, missing(redisUrl, run, fired))).as("every firing delivered (a 2xx logged) within 90 s of the restart; the restarted"
                    + " instance's log (%s) ends:%n%s", second.log(), second.logTail()).isEmpty();
            assertThat(slow.calls("/slow")).as("the stop cut the slow receiver's calls short, and they were made again")
                    .hasSizeGreaterThan(SLOW_USERS);
            List<String> promptIds = prompt.calls("/prompt").stream().map(c -> c.header("webhook-id")).toList();
            assertThat(promptIds).as("answered within the stop's wait: called once each, not cut short and called again")
                    .hasSize(PROMPT_USERS).doesNotHaveDuplicates();
        }
    }

    /** Per trigger (its id), the users whose firing is not logged delivered; none for a trigger whose firings all are. */
    private static Map<String, Set<String>> missing(String redisUrl, String run, Map<String, Integer> fired) {
        Map<String, Set<String>> missing = new LinkedHashMap<>();
        for (var trigger : fired.entrySet()) {
            String id = run + trigger.getKey();
            Set<String> users = new TreeSet<>(PackagedTriggerFunction.users(id, trigger.getValue()));
            users.removeAll(delivered(redisUrl, id));
            if (!users.isEmpty()) {
                missing.put(id, users);
            }
        }
        return missing;
    }

    /** The firings not delivered, per trigger, the first few each with what Redis holds of it; empty if there are none. */
    private static String described(String redisUrl, Map<String, Set<String>> missing) {
        StringBuilder report = new StringBuilder();
        missing.forEach((triggerId, users) -> {
            report.append("%s: %d not delivered%n".formatted(triggerId, users.size()));
            users.stream().limit(12).forEach(user -> report.append(held(redisUrl, triggerId, user)));
        });
        return report.toString();
    }

    /**
     * What Redis holds of the user's firing of the trigger: its entry and due time (against now) in the schedule of
     * every shard, and its deliveries log entry.
     */
    private static String held(String redisUrl, String triggerId, String user) {
        StringBuilder held = new StringBuilder("  " + user + ":\n");
        String userField = "\"userId\":" + Json.write(user);
        int heading = held.length();
        try (RespClient redis = new RespClient(URI.create(redisUrl).getPort())) {
            long now = System.currentTimeMillis();
            for (Object jobs : (List<?>) redis.call("KEYS", "sf:{*}:jobs")) {
                String shard = ((String) jobs).substring("sf:{".length(), ((String) jobs).indexOf('}'));
                List<?> entries = (List<?>) redis.call("HGETALL", jobs);
                for (int i = 1; i < entries.size(); i += 2) {
                    String entry = (String) entries.get(i);
                    if (entry.contains(userField) && entry.contains("\"triggerId\":" + Json.write(triggerId))) {
                        String due = redis.text("ZSCORE", TriggerKeys.due(shard), entries.get(i - 1));
                        held.append("    scheduled in %s, due %s: %s%n".formatted(shard, due == null ? "never (not in the schedule)"
                                : (long) Double.parseDouble(due) - now + " ms from now", entry));
                    }
                }
            }
            List<?> log = (List<?>) redis.call("HGETALL", TriggerKeys.log(triggerId));
            for (int i = 1; i < log.size(); i += 2) {
                if (((String) log.get(i)).contains(userField)) {
                    held.append("    logged: ").append(log.get(i)).append('\n');
                }
            }
        }
        return held.length() == heading ? held.append("    nothing in the schedules or the log\n").toString() : held.toString();
    }

    /**
     * The users whose firing of the trigger trigger-function logged as delivered: it got a 2xx for it. A call the stop
     * cut short may have reached the receiver, but only an attempt answered counts.
     */
    private static Set<String> delivered(String redisUrl, String triggerId) {
        return DeliveriesLog.users(redisUrl, triggerId, "delivered");
    }
}
