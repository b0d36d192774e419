package io.segflow.trigger.definitions;

import static org.assertj.core.api.Assertions.assertThat;

import io.segflow.testkit.Ports;
import io.segflow.testkit.RedisProcess;
import io.segflow.testkit.TestServices;
import io.segflow.testkit.TopicWriter;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.junit.jupiter.api.Test;

/**
 * Two packaged trigger-functions in one consumer group, as a scaled-out deployment runs them, while delayed firings
 * wait in Redis: a second instance joins while the first owns every partition, and later the first is stopped
 * (SIGTERM, a scale-down) while more firings wait. A firing waits in the schedule of its change's partition, so it
 * moves with the partition: each is delivered once, by the instance that owns the partition when it comes due.
 */
class WaitingFiringsMoveIT {
    private static final int USERS = 30;
    /** Long enough for the second instance to start and be given partitions before the firings come due. */
    private static final Duration DELAY = Duration.ofSeconds(20);

    @Test
    void firingsWaitingInMovedPartitionsAreDeliveredOnceByTheirNewOwner() throws Exception {
        String bootstrap = TestServices.kafkaBootstrapServers();
        String run = "move-" + UUID.randomUUID().toString().substring(0, 8);
        String topic = PackagedTriggerFunction.changesTopic(run);
        List<String> settings = PackagedTriggerFunction.ownTopicAndGroups(run,
                "-D%test.segflow.trigger.deliveries.deadline=10m",
                // A stopped static member leaves no group: its partitions move once its session times out (the
                // broker's least), not after production's 45 s.
                "-Dmp.messaging.incoming.segment-changes.session.timeout.ms=6000",
                "-Dmp.messaging.incoming.segment-changes.heartbeat.interval.ms=1000");
        String joined = run + "-joined";
        String stopped = run + "-stopped";
        // A Redis of its own, as in SigtermIT: no other test's trigger-function attempts these firings.
        try (RedisProcess redis = RedisProcess.start();
             WebhookReceiver receiver = WebhookReceiver.start();
             TopicWriter changes = new TopicWriter(bootstrap, topic);
             Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            String redisUrl = redis.url();
            PackagedTriggerFunction.defineEntryWebhook(redisUrl, joined, receiver.url("/joined"), DELAY.toSeconds() + "s");
            PackagedTriggerFunction.defineEntryWebhook(redisUrl, stopped, receiver.url("/stopped"), DELAY.toSeconds() + "s");
            int firstPort = Ports.free();
            int secondPort = Ports.free();
            PackagedTriggerFunction first = PackagedTriggerFunction.start(bootstrap, redisUrl, firstPort, run + "-a", settings);
            PackagedTriggerFunction second = null;
            try {
                first.awaitReady(firstPort);
                await(() -> members(admin, run).size() == 1, "the first instance owns the changes' partitions", first);

                // Firings wait in the first instance's schedules; the second joins and is given some of the partitions.
                Instant entered = Instant.now();
                PackagedTriggerFunction.enter(changes, joined, USERS);
                await(() -> DeliveriesLog.users(redisUrl, joined, "scheduled").size() == USERS, "every firing scheduled", first);
                second = PackagedTriggerFunction.start(bootstrap, redisUrl, secondPort, run + "-b", settings);
                second.awaitReady(secondPort);
                await(() -> {
                    Map<String, Integer> members = members(admin, run);
                    return members.size() == 2 && members.values().stream().allMatch(owned -> owned > 0);
                }, "both instances own partitions", second);
                assertThat(Instant.now()).as("the partitions moved before the firings came due (%s after the changes):"
                        + " a machine this slow cannot show the move", DELAY).isBefore(entered.plus(DELAY));
                await(() -> DeliveriesLog.users(redisUrl, joined, "delivered").size() == USERS, "every firing delivered", second);
                int byFirst = delivered(firstPort, joined);
                int bySecond = delivered(secondPort, joined);
                assertThat(bySecond).as("the joining instance delivered the firings waiting in the partitions it was given")
                        .isPositive();
                assertThat(byFirst).as("the first instance delivered those of the partitions it kept").isPositive();
                assertThat(byFirst + bySecond).as("each firing delivered once, by one of the two").isEqualTo(USERS);
                assertThat(callsPerUser(receiver, "/joined")).as("each user's firing called once")
                        .isEqualTo(PackagedTriggerFunction.users(joined, USERS).stream().collect(Collectors.toMap(user -> user, user -> 1L)));

                // Firings wait in both instances' schedules; the first is stopped and the second takes its partitions.
                entered = Instant.now();
                PackagedTriggerFunction.enter(changes, stopped, USERS);
                await(() -> DeliveriesLog.users(redisUrl, stopped, "scheduled").size() == USERS, "every firing scheduled", second);
                first.process().destroy(); // SIGTERM
                assertThat(first.process().waitFor(15, TimeUnit.SECONDS)).as("the first instance exited").isTrue();
                await(() -> members(admin, run).size() == 1, "the second instance owns every partition", second);
                assertThat(Instant.now()).as("the partitions moved before the firings came due (%s after the changes):"
                        + " a machine this slow cannot show the move", DELAY).isBefore(entered.plus(DELAY));
                await(() -> DeliveriesLog.users(redisUrl, stopped, "delivered").size() == USERS, "every firing delivered", second);
                assertThat(delivered(secondPort, stopped)).as("the instance left delivered every firing, the stopped one's too")
                        .isEqualTo(USERS);
                assertThat(callsPerUser(receiver, "/stopped")).as("each user's firing called once")
                        .isEqualTo(PackagedTriggerFunction.users(stopped, USERS).stream().collect(Collectors.toMap(user -> user, user -> 1L)));
            } finally {
                first.kill();
                if (second != null) {
                    second.kill();
                }
            }
        }
    }

    /** The members of the changes consumer group, each with the number of partitions assigned to it. */
    private static Map<String, Integer> members(Admin admin, String group) {
        try {
            ConsumerGroupDescription description = admin.describeConsumerGroups(List.of(group)).all().get().get(group);
            return description.members().stream().collect(Collectors.toMap(MemberDescription::consumerId,
                    member -> member.assignment().topicPartitions().size()));
        } catch (Exception e) {
            return Map.of();
        }
    }

    /** The firings of the trigger this instance delivered (a 2xx), from its metrics. */
    private static int delivered(int port, String triggerId) throws IOException, InterruptedException {
        String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/q/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        return metrics.lines().filter(line -> line.startsWith("segflow_trigger_delivered_total{")
                        && line.contains("trigger=\"" + triggerId + "\""))
                .mapToInt(line -> (int) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1))).sum();
    }

    /** Per user, the receiver's calls that it answered with a 2xx. */
    private static Map<String, Long> callsPerUser(WebhookReceiver receiver, String path) {
        return receiver.calls(path).stream().filter(call -> call.status() / 100 == 2)
                .collect(Collectors.groupingBy(WebhookReceiver.Call::userId, Collectors.counting()));
    }

    private static void await(BooleanSupplier condition, String what, PackagedTriggerFunction function) throws InterruptedException {
        Instant deadline = Instant.now().plusSeconds(60);
        while (!condition.getAsBoolean()) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("not within 60 s: " + what + "; the instance's log (" + function.log() + ") ends:\n"
                        + function.logTail());
            }
            Thread.sleep(100);
        }
    }
}
