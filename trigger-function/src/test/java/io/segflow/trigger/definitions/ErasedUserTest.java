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
 * An erased user's trigger state goes with it: after its exits and its {@code erased} record, a profile started again
 * under the same id has no cooldown or cap history; the exits of the erasure still fire.
 */
@QuarkusTest
@QuarkusTestResource(value = KafkaAndRedisResource.class, restrictToAnnotatedClass = false)
class ErasedUserTest extends TriggerFixture {

    @Test
    void aUserErasedAndSeenAgainIsNotHeldByTheCooldownOfItsErasedProfile() throws Exception {
        String segment = unique("seg");
        String welcome = unique("welcome");
        definitions.define(welcome, "{'when': {'segment': '" + segment + "', 'change': 'entered'}, 'cooldown': '24h', "
                + "'action': " + webhook(receiver.url("/welcome")) + "}");
        definitions.define(unique("goodbye"), "{'when': {'segment': '" + segment + "', 'change': 'exited'}, "
                + "'action': " + webhook(receiver.url("/goodbye")) + "}");
        String user = unique("user");

        changes.send(user, Json.write(change(user, segment, SegmentChange.ENTERED, 1)));
        receiver.await("/welcome", 1, Duration.ofSeconds(30));
        changes.send(user, Json.write(new SegmentChange(user, segment, SegmentChange.EXITED, Instant.now(), 2, SegmentChange.ERASURE)));
        changes.send(user, Json.write(SegmentChange.erased(user, Instant.now(), 3)));
        receiver.await("/goodbye", 1, Duration.ofSeconds(30));
        await().atMost(Duration.ofSeconds(30)).until(() -> IntStream.range(0, 64)
                .noneMatch(p -> redis.key().exists(TriggerKeys.fired(TriggerKeys.changesShard(p), welcome, user))));

        changes.send(user, Json.write(change(user, segment, SegmentChange.ENTERED, 1)));
        receiver.await("/welcome", 2, Duration.ofSeconds(30));
        assertThat(definitions.log(welcome)).extracting(e -> e.status().wire()).doesNotContain("suppressed");
    }
}
