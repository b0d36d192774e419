package io.segflow.api.redis;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.segflow.api.support.TestTokens;
import io.segflow.api.support.UserFixtures;
import io.segflow.testkit.CuttingProxy;
import io.segflow.testkit.TestServices;
import jakarta.inject.Inject;
import java.net.URI;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The api reaches Redis through a proxy that cuts a connection mid-command on demand, as an idle timeout closing a
 * pooled connection just as a request takes it does. A read runs once more on another connection and answers; a read
 * whose second connection is cut too answers 503; a write is not run again, since its first run may have been stored.
 */
@QuarkusTest
@TestProfile(LostConnectionRetryTest.ThroughACuttingProxy.class)
class LostConnectionRetryTest {
    private static final String ADMIN = "Bearer dev-admin-key";
    private static final String RETRIES = "segflow_api_redis_lost_connection_retries_total";

    public static class ThroughACuttingProxy implements QuarkusTestProfile {
        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(ProxiedRedis.class));
        }

        @Override
        public boolean disableGlobalTestResources() {
            return true;
        }
    }

    /** The shared test Redis, behind a proxy of the test's own. */
    public static class ProxiedRedis implements QuarkusTestResourceLifecycleManager {
        private CuttingProxy proxy;

        @Override
        public Map<String, String> start() {
            proxy = CuttingProxy.start(URI.create(TestServices.redisUrl()).getPort());
            return Map.of("kafka.bootstrap.servers", TestServices.kafkaBootstrapServers(),
                    "quarkus.redis.hosts", "redis://127.0.0.1:" + proxy.port());
        }

        @Override
        public void stop() {
            proxy.close();
        }
    }

    @Inject
    RedisDataSource redis;

    @ConfigProperty(name = "quarkus.redis.hosts")
    String hosts;

    private final String user = "cut-" + UUID.randomUUID();
    private int proxy;

    @BeforeEach
    void storeAUserAndOpenAConnection() {
        proxy = URI.create(hosts).getPort();
        try (UserFixtures fixtures = new UserFixtures(redis)) {
            fixtures.store(user, Map.of("vip", Instant.ofEpochMilli(1795600000000L)), 1);
        }
        readMemberships().then().statusCode(200); // the pool holds an open connection, which the next request takes
    }

    @AfterEach
    void disarm() {
        CuttingProxy.disarm(proxy);
    }

    @Test
    void aReadWhoseConnectionIsCutRunsOnceMoreAndAnswers() {
        double retriedBefore = retries();
        CuttingProxy.cut(proxy, 1);

        readMemberships().then().statusCode(200).body("segments.id", contains("vip"));
        assertThat(CuttingProxy.cutsLeft(proxy)).as("the read's connection was cut").isZero();
        assertThat(retries() - retriedBefore).as("runs again, counted").isEqualTo(1.0);

        given().header("Authorization", ADMIN).when().get("/v1/segments").then().statusCode(200);
        assertThat(retries() - retriedBefore).as("a read on connections that stay open runs once").isEqualTo(1.0);
    }

    @Test
    void aReadCutTwiceAnswers503NamingRedis() {
        CuttingProxy.cut(proxy, 2);

        readMemberships().then().statusCode(503).contentType(ContentType.JSON)
                .body("error", equalTo("unavailable")).body("reason", equalTo("Redis is unreachable; retry shortly"));
        assertThat(CuttingProxy.cutsLeft(proxy)).as("run twice, no more").isZero();
        readMemberships().then().statusCode(200);
    }

    @Test
    void aWriteWhoseConnectionIsCutIsNotRunAgain() {
        double retriedBefore = retries();
        CuttingProxy.cut(proxy, 1);

        String segment = "cut-" + UUID.randomUUID().toString().substring(0, 8);
        given().header("Authorization", ADMIN).contentType(ContentType.JSON).body("{\"condition\":\"true\"}")
                .when().put("/v1/segments/" + segment).then().statusCode(503);
        assertThat(retries()).as("a write is not run again").isEqualTo(retriedBefore);
        given().header("Authorization", ADMIN).contentType(ContentType.JSON).body("{\"condition\":\"true\"}")
                .when().put("/v1/segments/" + segment).then().statusCode(201);
    }

    private io.restassured.response.Response readMemberships() {
        return given().header("Authorization", "Bearer " + TestTokens.forUser(user)).when().get("/v1/users/" + user + "/segments");
    }

    private static double retries() {
        String metrics = given().when().get("/q/metrics").then().statusCode(200).extract().asString();
        return metrics.lines().filter(line -> line.startsWith(RETRIES + " ") || line.startsWith(RETRIES + "{"))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1))).sum();
    }
}
