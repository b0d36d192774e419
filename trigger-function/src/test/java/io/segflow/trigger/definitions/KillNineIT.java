package io.segflow.trigger.definitions;

import static org.assertj.core.api.Assertions.assertThat;

import io.segflow.core.json.Json;
import io.segflow.core.membership.SegmentChange;
import io.segflow.testkit.Ports;
import io.segflow.testkit.RedisProcess;
import io.segflow.testkit.TestServices;
import io.segflow.testkit.TopicWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * The packaged trigger-function killed with -9 while it delivers a stream of firings, then started again: every
 * firing reaches the receiver (some perhaps twice, with the same webhook-id), none is lost.
 */
class KillNineIT {
    private static final int USERS = 80;

    @Test
    void killedMidStreamAndRestartedItLosesNoFiring() throws Exception {
        String bootstrap = TestServices.kafkaBootstrapServers();
        String run = "kill-" + UUID.randomUUID().toString().substring(0, 8);
        // A topic, groups and a Redis of its own, as in SigtermIT: firings wait in the schedule of their partition's
        // number whatever the topic, so TriggerRouterIT's function, which runs on the test JVM's Redis until the end
        // of the run, would otherwise attempt them with the test profile's 3 s deadline.
        String topic = PackagedTriggerFunction.changesTopic(run);
        // The test profile gives up after 3 s; here firings must outlive the crash and the restart.
        List<String> settings = PackagedTriggerFunction.ownTopicAndGroups(run, "-D%test.segflow.trigger.deliveries.deadline=10m");
        try (RedisProcess redis = RedisProcess.start();
             WebhookReceiver receiver = WebhookReceiver.start();
             TopicWriter changes = new TopicWriter(bootstrap, topic)) {
            String redisUrl = redis.url();
            define(redisUrl, run, receiver.url("/kill"));
            // A slow receiver: firings are in flight and waiting when the process dies.
            receiver.slow("/kill", 300);
            int port = Ports.free();
            PackagedTriggerFunction first = PackagedTriggerFunction.start(bootstrap, redisUrl, port, run, settings);
            try {
                first.awaitReady(port);
                for (int u = 0; u < USERS; u++) {
                    String user = run + "-u" + u;
                    changes.send(user, Json.write(new SegmentChange(user, run, SegmentChange.ENTERED, Instant.now(), 1, "event:m" + u)));
                }
                receiver.await("/kill", 15, Duration.ofSeconds(60));
            } finally {
                first.kill();
            }
            int delivered = users(receiver).size();
            PackagedTriggerFunction second = PackagedTriggerFunction.start(bootstrap, redisUrl, port, run, settings);
            try {
                second.awaitReady(port);
                Instant deadline = Instant.now().plusSeconds(90);
                while (users(receiver).size() < USERS && Instant.now().isBefore(deadline)) {
                    Thread.sleep(200);
                }
            } finally {
                second.kill();
            }
            assertThat(delivered).as("killed mid-stream").isLessThan(USERS);
            assertThat(users(receiver)).as("every user's firing arrived")
                    .isEqualTo(IntStream.range(0, USERS).mapToObj(u -> run + "-u" + u).collect(Collectors.toSet()));
            assertThat(receiver.calls("/kill")).allMatch(WebhookReceiver.Call::signed);
        }
    }

    /** Users whose firing the receiver answered with a 2xx. */
    private static Set<String> users(WebhookReceiver receiver) {
        return receiver.calls("/kill").stream().filter(c -> c.status() / 100 == 2)
                .map(WebhookReceiver.Call::userId).collect(Collectors.toSet());
    }

    /** A webhook trigger on the segment's entries, stored as api-function stores it. */
    static void define(String redisUrl, String segment, String url) {
        PackagedTriggerFunction.define(redisUrl, "kill-nine-" + segment, """
                {"when": {"segment": "%s", "change": "entered"},
                 "action": {"type": "webhook", "url": "%s", "secret": "%s"}}""".formatted(segment, url, WebhookReceiver.SECRET));
    }
}
