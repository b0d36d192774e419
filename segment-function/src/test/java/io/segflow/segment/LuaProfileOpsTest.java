package io.segflow.segment;

import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.segflow.core.engine.ProfileUpdate;
import io.segflow.core.engine.SegmentIndex;
import io.segflow.core.event.Event;
import io.segflow.core.profile.ProfileOp;
import io.segflow.core.profile.Scoring;
import io.segflow.core.redis.RedisKeys;
import io.segflow.core.rules.CompiledSegment;
import io.segflow.core.rules.RuleCompiler;
import io.segflow.core.rules.SegmentDefinition;
import io.segflow.testkit.KafkaAndRedisResource;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The profile operations exist twice: in apply-event.lua (production) and in ProfileOp.applyTo (the reference
 * the engine's property tests run on). Random event sequences through both must leave the same profile.
 */
@QuarkusTest
@QuarkusTestResource(value = KafkaAndRedisResource.class, restrictToAnnotatedClass = false)
class LuaProfileOpsTest {
    private static final Scoring SCORING = new Scoring(Duration.ofMinutes(10), Map.of("view", 1.0, "buy", 5.0));
    private static final List<String> CONDITIONS = List.of(
            "count(\"view\", \"90s\") >= 2", "count(\"view\", \"2h\") > 1", "sum(\"buy\", \"amount\", \"1d\") > 5",
            "max(\"buy\", \"amount\") > 3", "now - lastSeen(\"view\") < duration(\"1h\")", "score > 2",
            "last(\"buy\", \"sku\") == \"x\"");

    @Inject
    ProfileStore store;

    @Inject
    RedisDataSource redis;

    @Inject
    RedisPipeline pipeline;

    @Test
    void luaAndJavaApplyTheSameOperations() {
        RuleCompiler compiler = new RuleCompiler();
        SegmentIndex index = new SegmentIndex(CONDITIONS.stream()
                .map(c -> new CompiledSegment(new SegmentDefinition("s" + c.hashCode(), "x", c, true, Instant.EPOCH), compiler.compile(c)))
                .toList());
        for (long seed = 0; seed < 20; seed++) {
            Random random = new Random(seed);
            String user = "lua-" + UUID.randomUUID();
            Map<String, String> expected = new HashMap<>();
            long clock = System.currentTimeMillis() - Duration.ofHours(3).toMillis();
            for (int i = 0; i < 40; i++) {
                clock += random.nextInt(10 * 60_000);
                Instant at = Instant.ofEpochMilli(clock - (random.nextBoolean() ? random.nextInt(3_600_000) : 0));
                String name = random.nextBoolean() ? "view" : "buy";
                Map<String, Object> properties = name.equals("buy")
                        ? Map.of("amount", random.nextInt(10), "sku", random.nextBoolean() ? "x" : "y")
                        : Map.of();
                Event event = new Event(1, "track", UUID.randomUUID().toString(), user, null, name, null, null, null,
                        null, properties, null, null, at, null, null, at, "test");
                List<ProfileOp> ops = ProfileUpdate.operations(event, index.needs(), SCORING, clock);
                ops.forEach(op -> op.applyTo(expected));
                pipeline.run(List.of(store.applyRequest(event, ops, new ProfileStore.Position(0, i))), ProfileStore.APPLY_EVENT);
            }
            Map<String, String> actual = new HashMap<>(redis.hash(String.class).hgetall(RedisKeys.profile(user)));
            actual.keySet().removeIf(field -> field.startsWith("o"));
            assertThat(actual.keySet()).as("seed %d", seed).containsExactlyInAnyOrderElementsOf(expected.keySet());
            for (String field : expected.keySet()) {
                assertSameNumbers(seed, field, actual.get(field), expected.get(field));
            }
        }
    }

    /** Values are space-separated numbers (plus JSON for last values); Lua prints doubles with %.17g. */
    private static void assertSameNumbers(long seed, String field, String actual, String expected) {
        String[] a = actual.split(" ", 2);
        String[] e = expected.split(" ", 2);
        if (field.startsWith("v")) {
            assertThat(actual).as("seed %d field %s", seed, field).isEqualTo(expected);
            return;
        }
        String[] as = actual.split(" ");
        String[] es = expected.split(" ");
        assertThat(as).as("seed %d field %s", seed, field).hasSameSizeAs(es);
        for (int i = 0; i < as.length; i++) {
            assertThat(Double.parseDouble(as[i])).as("seed %d field %s part %d", seed, field, i)
                    .isCloseTo(Double.parseDouble(es[i]), org.assertj.core.data.Offset.offset(1e-9 * Math.max(1, Math.abs(Double.parseDouble(es[i])))));
        }
    }
}
