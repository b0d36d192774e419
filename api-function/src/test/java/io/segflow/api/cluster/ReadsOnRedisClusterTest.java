package io.segflow.api.cluster;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import io.segflow.api.support.TestTokens;
import io.segflow.api.support.UserFixtures;
import io.segflow.core.redis.RedisKeys;
import io.segflow.core.trigger.TriggerKeys;
import io.segflow.testkit.OnRedisCluster;
import io.segflow.testkit.RedisCluster;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The api's reads and writes on a Redis Cluster: a user's record on its partition's master, segment definitions
 * saved with the catalog revision in one MULTI (deleted with it in one script), a member index on its own slot — and no command refused for keys of
 * several slots.
 */
@QuarkusTest
@TestProfile(OnRedisCluster.class)
class ReadsOnRedisClusterTest {

    @Inject
    RedisDataSource redis;

    @ConfigProperty(name = "quarkus.redis.hosts")
    String hosts;

    @Test
    void aStoredUsersSegmentsAreReadFromItsMaster() {
        String user = "cluster-user-" + UUID.randomUUID();
        try (UserFixtures fixtures = new UserFixtures(redis)) {
            fixtures.store(user, Map.of("vip", Instant.ofEpochMilli(1795600000000L)), 4);
        }
        given().header("Authorization", "Bearer " + TestTokens.forUser(user))
                .when().get("/v1/users/" + user + "/segments")
                .then().statusCode(200).body("version", equalTo(4)).body("segments.id", contains("vip"));
    }

    @Test
    void aSegmentIsSavedWithTheRevisionAndItsMembersAreListed() {
        String segment = "cluster-" + UUID.randomUUID().toString().substring(0, 8);
        String revision = redis.value(String.class).get(RedisKeys.SEGMENTS_REVISION);
        given().header("Authorization", "Bearer dev-admin-key").contentType(ContentType.JSON)
                .body("{\"name\":\"Cluster\",\"condition\":\"count(\\\"add_to_cart\\\") >= 2\"}")
                .when().put("/v1/segments/" + segment).then().statusCode(201);
        assertThat(redis.value(String.class).get(RedisKeys.SEGMENTS_REVISION)).isNotEqualTo(revision);

        try (UserFixtures fixtures = new UserFixtures(redis)) {
            fixtures.index(segment, "u1", 1795600000000L);
        }
        given().header("Authorization", "Bearer dev-admin-key")
                .when().get("/v1/segments/" + segment + "/members")
                .then().statusCode(200).body("count", equalTo(1)).body("members.userId", contains("u1"));
    }

    @Test
    void aDeleteBumpsTheRevisionOnlyWhenTheDefinitionWasThere() {
        String segment = "cluster-" + UUID.randomUUID().toString().substring(0, 8);
        admin().body("{\"condition\":\"true\"}").when().put("/v1/segments/" + segment).then().statusCode(201);
        String saved = redis.value(String.class).get(RedisKeys.SEGMENTS_REVISION);
        admin().when().delete("/v1/segments/" + segment).then().statusCode(204);
        String deleted = redis.value(String.class).get(RedisKeys.SEGMENTS_REVISION);
        assertThat(deleted).isNotEqualTo(saved);
        admin().when().delete("/v1/segments/" + segment).then().statusCode(404);
        assertThat(redis.value(String.class).get(RedisKeys.SEGMENTS_REVISION)).isEqualTo(deleted);

        String trigger = "cluster-" + UUID.randomUUID().toString().substring(0, 8);
        admin().body("{\"when\": {\"segment\": \"vip\", \"change\": \"entered\"}, \"action\": {\"type\": \"kafka\"}}")
                .when().put("/v1/triggers/" + trigger).then().statusCode(201);
        admin().when().delete("/v1/triggers/" + trigger).then().statusCode(204);
        String triggers = redis.value(String.class).get(TriggerKeys.REVISION);
        admin().when().delete("/v1/triggers/" + trigger).then().statusCode(404);
        assertThat(redis.value(String.class).get(TriggerKeys.REVISION)).isEqualTo(triggers);
    }

    private static RequestSpecification admin() {
        return given().header("Authorization", "Bearer dev-admin-key").contentType(ContentType.JSON);
    }

    @AfterEach
    void noCommandSpannedSlots() {
        assertThat(hosts).as("the cluster's masters").contains(",");
        assertThat(RedisCluster.errorReplies(hosts, "CROSSSLOT")).as("CROSSSLOT errors").isZero();
    }
}
