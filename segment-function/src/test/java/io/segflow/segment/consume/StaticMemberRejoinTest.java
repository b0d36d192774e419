package io.segflow.segment.consume;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.segflow.core.Topics;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.common.TopicPartition;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/** A static member restarted in the middle of a cooperative rebalance: every partition still ends up with an owner. */
@QuarkusTest
@TestProfile(StaticMemberStuckMidRebalance.class)
class StaticMemberRejoinTest {

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    @Test
    void partitionsTheDeadMemberGaveUpReachTheOtherMember() throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrapServers))) {
            int partitions = admin.describeTopics(Set.of(Topics.EVENTS)).allTopicNames().get(10, TimeUnit.SECONDS)
                    .get(Topics.EVENTS).partitions().size();
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                var members = admin.describeConsumerGroups(Set.of(EventLoop.GROUP)).all()
                        .get(10, TimeUnit.SECONDS).get(EventLoop.GROUP).members();
                Set<Integer> owned = new TreeSet<>();
                for (MemberDescription member : members) {
                    member.assignment().topicPartitions().stream().map(TopicPartition::partition).forEach(owned::add);
                }
                assertThat(members).as("the engine and the newcomer").hasSize(2);
                assertThat(owned).as("partitions of %s with an owner", Topics.EVENTS).hasSize(partitions);
                assertThat(members).allSatisfy(member -> assertThat(member.assignment().topicPartitions()).isNotEmpty());
            });
        }
    }
}
