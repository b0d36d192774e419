package io.segflow.api.support;

import static org.awaitility.Awaitility.await;

import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.segflow.api.push.PushHub;
import io.segflow.api.support.SseClient.Event;
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

    /**
     * The stream's next event, which must be {@code user}'s change of {@code version}; when none comes, the failure
     * says where it was lost: the stream gone from the hub (a send failed), or the change never read (not listening).
     */
    protected Event nextChange(SseClient client, String user, String version) throws InterruptedException {
        try {
            return client.nextChange(version);
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; the hub then held " + hub.openConnections(user)
                    + " stream(s) of " + user + " and was " + (hub.listening() ? "" : "not ") + "reading changes", e);
        }
    }
}
