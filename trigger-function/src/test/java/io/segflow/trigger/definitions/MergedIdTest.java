package io.segflow.trigger.definitions;

import static io.segflow.trigger.definitions.Definitions.change;
import static io.segflow.trigger.definitions.Definitions.unique;
import static io.segflow.trigger.definitions.Definitions.webhook;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.segflow.core.json.Json;
import io.segflow.core.membership.SegmentChange;
import io.segflow.core.trigger.TriggerKeys;
import io.segflow.testkit.KafkaAndRedisResource;
import java.time.Duration;
import java.time.Instant;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * An id merged into another user keeps no trigger state: after its exits and its {@code merged} record, its firing
 * times on the shard of its partition of {@code segflow.segment-changes} are forgotten, not left to expire.
 */
@QuarkusTest
@QuarkusTestResource(value = KafkaAndRedisResource.class, restrictToAnnotatedClass = false)
class MergedIdTest extends TriggerFixture {

    @Test
    void aMergedIdsFiringTimesAreForgottenAtItsMergedRecord() throws Exception {
        String segment = unique("seg");
        String welcome = unique("welcome");
        definitions.define(welcome, "{'when': {'segment': '" + segment + "', 'change': 'entered'}, 'cooldown': '24h', "
                + "'action': " + webhook(receiver.url("/welcome")) + "}");
        String visitor = unique("anon");
        String user = unique("user");
        String stays = unique("anon");

        changes.send(visitor, Json.write(change(visitor, segment, SegmentChange.ENTERED, 1)));
        changes.send(stays, Json.write(change(stays, segment, SegmentChange.ENTERED, 1)));
        receiver.await("/welcome", 2, Duration.ofSeconds(30));
        await().atMost(Duration.ofSeconds(30)).until(() -> firedKeys(welcome, visitor) == 1 && firedKeys(welcome, stays) == 1);

        // segment-function merged the visitor into the user: its exits, then its last record, both caused by the merge.
        String cause = SegmentChange.causedByMerge(user);
        changes.send(visitor, Json.write(new SegmentChange(visitor, segment, SegmentChange.EXITED, Instant.now(), 2, cause)));
        changes.send(visitor, Json.write(SegmentChange.merged(visitor, user, Instant.now(), 3)));

        await().atMost(Duration.ofSeconds(30)).until(() -> firedKeys(welcome, visitor) == 0);
        assertThat(firedKeys(welcome, stays)).as("another id's firing times stay").isEqualTo(1);
    }

    /** On how many shards of segflow.segment-changes the user's firing times of the trigger are kept. */
    private long firedKeys(String trigger, String user) {
        return IntStream.range(0, 64)
                .filter(p -> redis.key().exists(TriggerKeys.fired(TriggerKeys.changesShard(p), trigger, user))).count();
    }
}
