package io.segflow.segment;

import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.segflow.core.engine.SegmentEngine;
import io.segflow.core.membership.MembershipDiff.Transition;
import io.segflow.core.redis.RedisKeys;
import io.segflow.testkit.KafkaAndRedisResource;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** apply-memberships.lua records the catalog revision of a full evaluation in the same compare-and-set as its transitions. */
@QuarkusTest
@QuarkusTestResource(value = KafkaAndRedisResource.class, restrictToAnnotatedClass = false)
class MembershipStoreTest {

    @Inject
    ProfileStore store;

    @Inject
    RedisDataSource redis;

    private final String user = "store-" + UUID.randomUUID();

    @Test
    void transitionsAndTheCatalogRevisionAreStoredTogether() {
        assertThat(store.storeTransitions(user, 0, Instant.ofEpochMilli(1000),
                outcome(List.of(new Transition("vip", true)), 5), List.of("{\"r\":1}"))).isTrue();

        assertThat(members()).containsEntry("vip", "1000").containsEntry(RedisKeys.VERSION_FIELD, "1")
                .containsEntry(RedisKeys.CATALOG_FIELD, "5");
        assertThat(store.read(user).memberships().catalogRevision()).isEqualTo(5);
        assertThat(outbox()).containsExactly("{\"r\":1}");
        assertThat(store.read(user).outboxLength()).isEqualTo(1);
    }

    @Test
    void aFullEvaluationWithoutTransitionsRecordsTheRevisionAndNothingElse() {
        store.storeTransitions(user, 0, Instant.ofEpochMilli(1000), outcome(List.of(new Transition("vip", true)), 5), List.of("{\"r\":1}"));

        assertThat(store.storeTransitions(user, 1, Instant.ofEpochMilli(2000), outcome(List.of(), 6), List.of())).isTrue();

        assertThat(members()).containsEntry(RedisKeys.VERSION_FIELD, "1").containsEntry(RedisKeys.CATALOG_FIELD, "6")
                .containsEntry("vip", "1000").hasSize(3);
        assertThat(outbox()).containsExactly("{\"r\":1}");
    }

    @Test
    void aLostCompareAndSetRecordsNoRevision() {
        store.storeTransitions(user, 0, Instant.ofEpochMilli(1000), outcome(List.of(new Transition("vip", true)), 5), List.of());

        assertThat(store.storeTransitions(user, 0, Instant.ofEpochMilli(2000), outcome(List.of(), 6), List.of())).isFalse();

        assertThat(members()).containsEntry(RedisKeys.CATALOG_FIELD, "5").containsEntry(RedisKeys.VERSION_FIELD, "1");
    }

    @Test
    void aPartialEvaluationLeavesTheRevisionAlone() {
        store.storeTransitions(user, 0, Instant.ofEpochMilli(1000), outcome(List.of(new Transition("vip", true)), 5), List.of());

        store.storeTransitions(user, 1, Instant.ofEpochMilli(2000),
                new SegmentEngine.Outcome(List.of(new Transition("vip", false)), OptionalLong.empty(), OptionalLong.empty()), List.of());

        assertThat(members()).containsEntry(RedisKeys.CATALOG_FIELD, "5").containsEntry(RedisKeys.VERSION_FIELD, "2")
                .doesNotContainKey("vip");
    }

    private static SegmentEngine.Outcome outcome(List<Transition> transitions, long catalogRevision) {
        return new SegmentEngine.Outcome(transitions, OptionalLong.empty(), OptionalLong.of(catalogRevision));
    }

    private List<String> outbox() {
        return redis.list(String.class).lrange(RedisKeys.outbox(user), 0, -1);
    }

    private Map<String, String> members() {
        return redis.hash(String.class).hgetall(RedisKeys.members(user));
    }
}
