package io.segflow.segment;

import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.segflow.testkit.OnRedisCluster;
import io.segflow.testkit.RedisCluster;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterEach;

/**
 * Every merge of {@link IdentityMergeTest} on a Redis Cluster: the anonymous id and the user live on different
 * partitions, so on different slots, and each step touches one of them only — not one command refused for keys of
 * several slots.
 */
@QuarkusTest
@TestProfile(OnRedisCluster.class)
class IdentityMergeOnRedisClusterTest extends IdentityMergeTest {

    @ConfigProperty(name = "quarkus.redis.hosts")
    String hosts;

    @AfterEach
    void noCommandSpannedSlots() {
        assertThat(hosts).as("the cluster's masters").contains(",");
        assertThat(RedisCluster.errorReplies(hosts, "CROSSSLOT")).as("CROSSSLOT errors").isZero();
    }
}
