package io.segflow.api.outage;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.segflow.api.redis.RedisUnavailable;
import io.segflow.api.segments.MemberIndex;
import io.segflow.api.support.FirstSseEvent;
import io.segflow.api.support.FirstSseEvent.Answer;
import io.segflow.api.support.OwnRedis;
import io.segflow.api.support.TestTokens;
import io.segflow.api.support.UserFixtures;
import io.segflow.core.redis.RedisKeys;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Reads while Redis is paused, saturated or gone, and writes while it refuses them: 503 + Retry-After with the JSON
 * error, never a 500, and answers again as soon as Redis is back. A small pool and a short timeout make the outage quick to observe.
 */
@QuarkusTest
@TestProfile(RedisOutageTest.SmallPoolOwnRedis.class)
class RedisOutageTest {

    public static class SmallPoolOwnRedis implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.redis.max-pool-size", "2", "quarkus.redis.max-pool-waiting", "4", "quarkus.redis.timeout", "1s");
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(OwnRedis.class));
        }

        @Override
        public boolean disableGlobalTestResources() {
            return true;
        }
    }

    @TestHTTPResource("/")
    URL base;

    @Inject
    RedisDataSource redis;

    @Inject
    MemberIndex members;

    @ConfigProperty(name = "quarkus.redis.hosts")
    String redisUrl;

    @Test
    void aPausedRedisAnswers503WithRetryAfterUntilItResumes() throws Exception {
        String user = storedUser();
        readsSucceed(user);
        OwnRedis.pause(redisUrl);
        try {
            readIsUnavailable(user);
            Answer stream = openStream(user).get(30, TimeUnit.SECONDS);
            assertThat(stream.status()).as(stream.text()).isEqualTo(503);
            assertThat(stream.retryAfter()).isEqualTo("2");
            assertThat(stream.text()).contains("\"error\":\"unavailable\"");
            // A member count reads every partition at once: it gives up with the timeout, as a 503, never hangs.
            assertTimeoutPreemptively(Duration.ofSeconds(30), () -> assertThatThrownBy(() -> members.count("any"))
                    .satisfies(failure -> assertThat(RedisUnavailable.reason(failure)).isPresent()));
        } finally {
            OwnRedis.resume(redisUrl);
        }
        readsSucceed(user);
    }

    @Test
    void moreReadsThanThePoolAndItsQueueHoldAre503NeverA500() throws Exception {
        String user = storedUser();
        readsSucceed(user);
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        OwnRedis.pause(redisUrl);
        try {
            List<CompletableFuture<HttpResponse<String>>> reads = java.util.stream.IntStream.range(0, 40)
                    .mapToObj(i -> http.sendAsync(HttpRequest.newBuilder(URI.create(base + "v1/users/" + user + "/segments"))
                            .header("Authorization", "Bearer " + TestTokens.forUser(user)).build(), HttpResponse.BodyHandlers.ofString()))
                    .toList();
            CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
            for (CompletableFuture<HttpResponse<String>> read : reads) {
                HttpResponse<String> response = read.join();
                assertThat(response.statusCode()).as(response.body()).isEqualTo(503);
                assertThat(response.headers().firstValue("Retry-After")).hasValue("2");
                assertThat(response.body()).contains("\"error\":\"unavailable\"");
            }
        } finally {
            OwnRedis.resume(redisUrl);
            http.shutdownNow();
        }
        readsSucceed(user);
    }

    @Test
    void aRedisThatIsShutDownAnswers503UntilItIsBack() throws Exception {
        String user = storedUser();
        readsSucceed(user);
        OwnRedis.shutDown(redisUrl);
        try {
            readIsUnavailable(user);
            Answer stream = openStream(user).get(30, TimeUnit.SECONDS);
            assertThat(stream.status()).as(stream.text()).isEqualTo(503);
            assertThat(stream.retryAfter()).isEqualTo("2");
        } finally {
            OwnRedis.startAgain(redisUrl);
        }
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> given().header("Authorization", "Bearer " + TestTokens.forUser(user))
                .when().get("/v1/users/" + user + "/segments").then().statusCode(200).body("version", equalTo(0)));
    }

    @Test
    void aRedisOutOfMemoryAnswersSaves503UntilItHasRoomAgain() {
        String user = storedUser();
        redis.execute("CONFIG", "SET", "maxmemory-policy", "noeviction");
        redis.execute("CONFIG", "SET", "maxmemory", "1");
        try {
            saveIsUnavailable("OOM");
            readsSucceed(user); // reads need no room
        } finally {
            redis.execute("CONFIG", "SET", "maxmemory", "0");
        }
        saveSucceeds();
    }

    @Test
    void aRedisDemotedToAReplicaAnswersSaves503UntilItIsAMasterAgain() {
        String user = storedUser();
        // As after a failover, until clients follow the new master; nothing listens on port 1, so nothing syncs.
        redis.execute("REPLICAOF", "127.0.0.1", "1");
        try {
            saveIsUnavailable("READONLY");
            readsSucceed(user);
        } finally {
            redis.execute("REPLICAOF", "NO", "ONE");
        }
        saveSucceeds();
    }

    private static void saveIsUnavailable(String reply) {
        given().header("Authorization", "Bearer dev-admin-key").contentType(ContentType.JSON).body("{\"condition\":\"true\"}")
                .when().put("/v1/segments/outage-" + UUID.randomUUID().toString().substring(0, 8))
                .then().statusCode(503).header("Retry-After", "2")
                .body("error", equalTo("unavailable")).body("reason", containsString(reply));
    }

    private static void saveSucceeds() {
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> given().header("Authorization", "Bearer dev-admin-key")
                .contentType(ContentType.JSON).body("{\"condition\":\"true\"}")
                .when().put("/v1/segments/outage-" + UUID.randomUUID().toString().substring(0, 8)).then().statusCode(201));
    }

    /** A user without state: its reads still go to Redis, and the partition count is there to find its record. */
    private String storedUser() {
        // Set up with retries: a first command of a freshly started function on a busy machine can outlast the
        // profile's 1 s timeout, and that is not what these tests look at.
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(
                () -> redis.value(String.class).set(RedisKeys.EVENT_PARTITIONS, Integer.toString(UserFixtures.PARTITIONS)));
        return "outage-" + UUID.randomUUID();
    }

    /** Asked from a page on another origin, which may read the delay too (a header CORS does not show by itself). */
    private void readIsUnavailable(String user) {
        given().header("Authorization", "Bearer " + TestTokens.forUser(user)).header("Origin", "https://shop.example")
                .when().get("/v1/users/" + user + "/segments")
                .then().statusCode(503).header("Retry-After", "2")
                .header("Access-Control-Allow-Origin", "https://shop.example")
                .header("Access-Control-Expose-Headers", containsString("Retry-After"))
                .body("success", equalTo(false)).body("error", equalTo("unavailable"));
    }

    /** Both reads work again: a plain GET and a stream's first state. */
    private void readsSucceed(String user) {
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            given().header("Authorization", "Bearer " + TestTokens.forUser(user))
                    .when().get("/v1/users/" + user + "/segments").then().statusCode(200).body("version", equalTo(0));
            Answer stream = openStream(user).get(30, TimeUnit.SECONDS);
            assertThat(stream.status()).isEqualTo(200);
            assertThat(stream.text()).startsWith("id:0.811c9dc5\nevent:state\n");
        });
    }

    private CompletableFuture<Answer> openStream(String user) {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        return FirstSseEvent.open(http, URI.create(base + "v1/users/" + user + "/segments/stream"),
                Map.of("Authorization", "Bearer " + TestTokens.forUser(user))).whenComplete((answer, error) -> http.shutdownNow());
    }
}
