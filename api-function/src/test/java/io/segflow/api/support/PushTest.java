package io.segflow.api.support;

import static org.awaitility.Awaitility.await;

import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.segflow.api.push.PushHub;
import io.segflow.testkit.KafkaAndRedisResource;
import jakarta.inject.Inject;
import java.net.URL;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;

/**
 * What the push tests share (SSE, WebSocket, the browser client): the real Kafka and Redis, the server's URL, and a
 * push hub that is already reading {@code segflow.segment-changes} when a test starts.
 */
@QuarkusTestResource(value = KafkaAndRedisResource.class, restrictToAnnotatedClass = false)
public abstract class PushTest {

    @TestHTTPResource("/")
    protected URL base;

    @Inject
    protected RedisDataSource redis;

    @Inject
    protected PushHub hub;

    @BeforeEach
    void changesAreBeingRead() {
        await().atMost(Duration.ofSeconds(30)).until(hub::listening);
    }
}
