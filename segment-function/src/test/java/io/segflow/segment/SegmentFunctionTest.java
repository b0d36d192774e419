package io.segflow.segment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.segflow.core.Topics;
import io.segflow.core.event.Event;
import io.segflow.core.json.Json;
import io.segflow.core.redis.RedisKeys;
import io.segflow.core.rules.SegmentDefinition;
import io.segflow.testkit.KafkaAndRedisResource;
import io.segflow.testkit.TopicReader;
import io.segflow.testkit.TopicWriter;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(value = KafkaAndRedisResource.class, restrictToAnnotatedClass = false)
class SegmentFunctionTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    @Inject
    RedisDataSource redis;

    private TopicWriter events;
    private TopicReader changes;
    private String user;

    @BeforeEach
    void setUp() {
        define("carts", "count(\"add_to_cart\") >= 2");
        define("pro", "\"plan\" in traits && traits.plan == \"pro\"");
        events = new TopicWriter(bootstrapServers, Topics.EVENTS);
        changes = new TopicReader(bootstrapServers, Topics.SEGMENT_CHANGES);
        user = "user-" + UUID.randomUUID();
    }

    @AfterEach
    void tearDown() {
        events.close();
        changes.close();
    }

    private void define(String id, String condition) {
        redis.hash(String.class).hset(RedisKeys.SEGMENTS, id,
                Json.write(new SegmentDefinition(id, id, condition, true, Instant.now())));
        redis.value(Long.class).incr(RedisKeys.SEGMENTS_REVISION);
    }

    private void track(String name, String messageId) {
        send(new Event(1, "track", messageId, user, null, name, null, null, null, null, Map.of(), null, null,
                Instant.now(), null, null, Instant.now(), "test"));
    }

    private void identify(Map<String, Object> traits) {
        send(new Event(1, "identify", UUID.randomUUID().toString(), user, null, null, null, null, null, traits, null,
                null, null, Instant.now(), null, null, Instant.now(), "test"));
    }

    private void send(Event event) {
        events.send(event.profileKey(), Json.write(event));
    }

    private List<JsonNode> changesOf(String segment, int count) {
        return changes.await(r -> user.equals(r.key()) && r.value().contains("\"" + segment + "\""), count, WAIT).stream()
                .map(r -> Json.read(r.value(), JsonNode.class)).toList();
    }

    private Map<String, String> members() {
        return redis.hash(String.class).hgetall(RedisKeys.members(user));
    }

    @Test
    void entersACountSegmentOnTheSecondEvent() {
        track("add_to_cart", "m-1");
        track("add_to_cart", "m-2");

        JsonNode change = changesOf("carts", 1).get(0);
        assertThat(change.get("userId").asText()).isEqualTo(user);
        assertThat(change.get("change").asText()).isEqualTo("entered");
        assertThat(change.get("version").asLong()).isEqualTo(1);
        assertThat(change.get("cause").asText()).isEqualTo("event:m-2");
        await().atMost(WAIT).until(() -> members().containsKey("carts"));
    }

    @Test
    void aRedeliveredMessageIdCountsOnce() {
        track("add_to_cart", "dup");
        track("add_to_cart", "dup");
        track("page_view", "after");
        await().atMost(WAIT).until(() -> "1".equals(redis.hash(String.class).hget(RedisKeys.counts(user), "page_view")));

        assertThat(redis.hash(String.class).hget(RedisKeys.counts(user), "add_to_cart")).isEqualTo("1");
        assertThat(members()).doesNotContainKey("carts");
    }

    @Test
    void traitsMoveUsersInAndOut() {
        identify(Map.of("plan", "pro"));
        identify(Map.of("plan", "free"));

        List<JsonNode> proChanges = changesOf("pro", 2);
        assertThat(proChanges).extracting(c -> c.get("change").asText()).containsExactly("entered", "exited");
        assertThat(proChanges.get(1).get("version").asLong()).isGreaterThan(proChanges.get(0).get("version").asLong());
        await().atMost(WAIT).until(() -> !members().containsKey("pro") && "2".equals(members().get(RedisKeys.VERSION_FIELD)));
    }

    @Test
    void aTraitOfTheWrongTypeCountsAsFalseAndTheConsumerGoesOn() {
        define("adults", "traits.age >= 18");
        identify(Map.of("age", "thirty"));
        identify(Map.of("plan", "pro"));

        assertThat(changesOf("pro", 1)).hasSize(1);
        assertThat(members()).doesNotContainKey("adults");
    }
}
