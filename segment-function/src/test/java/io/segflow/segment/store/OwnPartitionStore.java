package io.segflow.segment.store;

import io.segflow.segment.SegmentConfig;
import io.vertx.core.net.NetClientOptions;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;
import java.time.Duration;
import java.util.Optional;
import org.eclipse.microprofile.config.ConfigProvider;

/**
 * A partition store on a Redis client of its own, as another instance of segment-function has. The application's
 * store is the running engine's too: the engine's rounds go through its kept connection, and one that fails (a round
 * evaluated before a test saved a segment) drops that connection and its watch at any moment of a test. Close it to
 * close its client.
 */
public final class OwnPartitionStore implements AutoCloseable {
    private final Redis client;
    private final PartitionStore store;

    /** On the application's single Redis, with its idle timeout and engine settings. */
    public OwnPartitionStore(Vertx vertx, SegmentConfig config) {
        var settings = ConfigProvider.getConfig();
        Optional<Duration> idleTimeout = settings.getOptionalValue("quarkus.redis.tcp.idle-timeout", Duration.class);
        RedisOptions options = new RedisOptions().setConnectionString(settings.getValue("quarkus.redis.hosts", String.class));
        idleTimeout.ifPresent(timeout -> options.setNetClientOptions(new NetClientOptions().setIdleTimeout((int) timeout.toSeconds())));
        this.client = Redis.createClient(vertx, options);
        this.store = new PartitionStore(new RedisPipeline(client, "standalone", idleTimeout, config));
    }

    public PartitionStore store() {
        return store;
    }

    @Override
    public void close() {
        client.close();
    }
}
