package io.segflow.segment;

import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.segflow.testkit.OnRedisCluster;
import io.segflow.testkit.RedisCluster;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterEach;

/**
 * Every behaviour of {@link SegmentFunctionTest} — counts, retries, traits, windows and time flips, erasure, dead
 * letters, deleted segments — on a Redis Cluster, where a round's partitions and member indexes live on three
 * masters: not one command refused for keys of several slots.
 */
@QuarkusTest
@TestProfile(OnRedisCluster.class)
class SegmentFunctionOnRedisClusterTest extends SegmentFunctionTest {

    @ConfigProperty(name = "quarkus.redis.hosts")
    String hosts;

    @AfterEach
    void noCommandSpannedSlots() {
        assertThat(hosts).as("the cluster's masters").contains(",");
        assertThat(RedisCluster.errorReplies(hosts, "CROSSSLOT")).as("CROSSSLOT errors").isZero();
    }
}
