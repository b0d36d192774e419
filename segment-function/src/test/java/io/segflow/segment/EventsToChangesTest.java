package io.segflow.segment;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.segflow.core.Topics;
import io.segflow.core.event.EventRecords;
import io.segflow.core.json.Json;
import io.segflow.core.redis.RedisKeys;
import io.segflow.core.rules.SegmentDefinition;
import io.segflow.testkit.KafkaAndRedisResource;
import io.segflow.testkit.TestServices;
import io.segflow.testkit.TopicReader;
import io.segflow.testkit.TopicWriter;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisAPI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * segment-function from the outside only: a segment saved in Redis as the api saves it, events on Kafka as ingest
 * writes them, change records out. Needs no bean, so {@link EventsToChangesIT} runs it against the packaged
 * function (jar, or native binary).
 */
@QuarkusTest
@QuarkusTestResource(value = KafkaAndRedisResource.class, restrictToAnnotatedClass = false)
class EventsToChangesTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

    /** Users of the flow test: enough that the packaged function's JIT profiles its live and backfill paths. */
    private static final int FLOW_USERS = 2_000;

    private final String bootstrapServers = TestServices.kafkaBootstrapServers();

    @Test
    void anEventThatMeetsAConditionPublishesTheEntryInTheEventsTrace() throws Exception {
        String user = "bb-" + UUID.randomUUID();
        String event = "checkout_" + UUID.randomUUID().toString().substring(0, 8);
        String segment = "checkouts-" + UUID.randomUUID().toString().substring(0, 8);
        define(segment, "count(\"" + event + "\") >= 1");

        try (TopicWriter events = new TopicWriter(bootstrapServers, Topics.EVENTS);
             TopicReader changes = new TopicReader(bootstrapServers, Topics.SEGMENT_CHANGES)) {
            events.send(user, new String(EventRecords.write(SegmentFunctionTestBase.trackEvent(user, event, "m-" + UUID.randomUUID())),
                    StandardCharsets.UTF_8), Map.of("traceparent", TRACEPARENT));

            ConsumerRecord<String, String> record = changes.await(r -> user.equals(r.key()), 1, WAIT).get(0);
            JsonNode change = Json.read(record.value(), JsonNode.class);
            assertThat(change.get("segmentId").asText()).isEqualTo(segment);
            assertThat(change.get("change").asText()).isEqualTo("entered");
            assertThat(change.get("version").asLong()).isEqualTo(1);
            assertThat(new String(record.headers().lastHeader("traceparent").value(), StandardCharsets.UTF_8))
                    .as("the change continues the event's trace").contains("0af7651916cd43dd8448eb211c80319c");
        }
    }

    @Test
    void anEventThatMeetsNoConditionPublishesNothing() throws Exception {
        String user = "bb-" + UUID.randomUUID();
        define("never-" + UUID.randomUUID().toString().substring(0, 8), "count(\"never_sent\") >= 1");

        try (TopicWriter events = new TopicWriter(bootstrapServers, Topics.EVENTS);
             TopicReader changes = new TopicReader(bootstrapServers, Topics.SEGMENT_CHANGES)) {
            events.send(user, new String(EventRecords.write(SegmentFunctionTestBase.trackEvent(user, "page_view", "m-" + UUID.randomUUID())),
                    StandardCharsets.UTF_8));
            assertThat(changes.drain(r -> user.equals(r.key()), Duration.ofSeconds(3))).isEmpty();
        }
    }

    /**
     * A segment saved while events flow reaches every user seen before it once, and every live event still counts.
     * Run by {@link EventsToChangesIT}, this is also the workload that trains the packaged function's AOT cache: live
     * events and a backfill in one JVM, so the code compiled from the cache's profiles expects both.
     */
    @Test
    void aSegmentSavedWhileEventsFlowReachesEveryEarlierUserOnceAndLosesNoLiveEvent() throws Exception {
        String tag = UUID.randomUUID().toString().substring(0, 8);
        String visit = "visit_" + tag;
        String buy = "buy_" + tag;
        List<String> users = IntStream.range(0, FLOW_USERS).mapToObj(i -> "flow-" + tag + "-" + i).toList();
        define("visitors-" + tag, "count(\"" + visit + "\") >= 2");
        define("buyers-" + tag, "count(\"" + buy + "\") >= 1");

        try (TopicWriter events = new TopicWriter(bootstrapServers, Topics.EVENTS);
             TopicReader changes = new TopicReader(bootstrapServers, Topics.SEGMENT_CHANGES)) {
            events.sendAll(wave(users, visit, 2));
            changes.await(change("visitors-" + tag), FLOW_USERS, WAIT);

            define("regulars-" + tag, "count(\"" + visit + "\") >= 2");
            events.sendAll(wave(users, buy, 1));
            changes.await(change("regulars-" + tag), FLOW_USERS, WAIT);
            changes.await(change("buyers-" + tag), FLOW_USERS, WAIT);

            List<ConsumerRecord<String, String>> ours = changes.drain(r -> r.key().startsWith("flow-" + tag + "-"), Duration.ofSeconds(2));
            Map<String, List<ConsumerRecord<String, String>>> byUser = ours.stream()
                    .collect(Collectors.groupingBy(ConsumerRecord::key));
            assertThat(byUser).hasSize(FLOW_USERS);
            byUser.forEach((user, records) -> {
                List<JsonNode> parsed = records.stream().map(r -> Json.read(r.value(), JsonNode.class)).toList();
                assertThat(parsed).as("%s: entered each segment once, left none", user)
                        .extracting(c -> c.get("segmentId").asText().replace("-" + tag, "") + " " + c.get("change").asText())
                        .containsExactlyInAnyOrder("visitors entered", "regulars entered", "buyers entered");
                assertThat(parsed).as("%s: versions rise in the order of the records", user)
                        .extracting(c -> c.get("version").asLong()).isSorted().doesNotHaveDuplicates();
            });
        }
    }

    /** {@code perUser} events named {@code name} for each user, each with its own trace as ingest writes them. */
    private static List<TopicWriter.Outgoing> wave(List<String> users, String name, int perUser) {
        List<TopicWriter.Outgoing> wave = new ArrayList<>();
        for (int round = 0; round < perUser; round++) {
            for (String user : users) {
                String event = new String(EventRecords.write(SegmentFunctionTestBase.trackEvent(user, name, "m-" + UUID.randomUUID())),
                        StandardCharsets.UTF_8);
                wave.add(new TopicWriter.Outgoing(user, event, Map.of("traceparent", TopicWriter.newTraceparent())));
            }
        }
        return wave;
    }

    private static Predicate<ConsumerRecord<String, String>> change(String segment) {
        String quoted = "\"" + segment + "\"";
        return r -> r.value().contains(quoted);
    }

    /** As the api-function saves a segment: the definition, then a new catalog revision. */
    private static void define(String id, String condition) throws Exception {
        Vertx vertx = Vertx.vertx();
        try {
            RedisAPI redis = RedisAPI.api(Redis.createClient(vertx, TestServices.redisUrl()));
            String definition = Json.write(new SegmentDefinition(id, id, condition, true, Instant.now()));
            await(redis.hset(List.of(RedisKeys.SEGMENTS, id, definition)));
            await(redis.incr(RedisKeys.SEGMENTS_REVISION));
            redis.close();
        } finally {
            await(vertx.close());
        }
    }

    private static <T> T await(Future<T> future) throws Exception {
        return future.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
}
