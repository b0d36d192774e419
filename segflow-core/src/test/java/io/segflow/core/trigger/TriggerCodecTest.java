package io.segflow.core.trigger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.segflow.core.json.Json;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TriggerCodecTest {
    private static final String SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private static final Instant NOW = Instant.parse("2026-11-26T10:00:00Z");
    private final TriggerCodec codec = new TriggerCodec(new TriggerExpressions());

    private static JsonNode json(String text) {
        return Json.read(text.replace('\'', '"'), JsonNode.class);
    }

    @Test
    void theCartReminderReadsBackAsItWasWritten() {
        TriggerDefinition reminder = codec.read("cart-reminder", json("""
                {'name': 'Cart reminder', 'when': {'segment': 'cart-abandoners', 'change': 'entered'},
                 'delay': '30m', 'cooldown': '24h', 'cap': {'count': 3, 'per': '7d'},
                 'action': {'type': 'webhook', 'url': 'https://hooks.example.com/cart', 'secret': '%s'}}""".formatted(SECRET)), NOW);

        assertThat(reminder.when()).isEqualTo(new When.SegmentChanged("cart-abandoners", When.Change.ENTERED));
        assertThat(reminder.delay().millis()).isEqualTo(30 * 60_000L);
        assertThat(reminder.cap().count()).isEqualTo(3);
        assertThat(reminder.enabled()).isTrue();
        assertThat(reminder.memoryMillis()).isEqualTo(7 * 86_400_000L);
        assertThat(codec.readStored(TriggerCodec.write(reminder))).isEqualTo(reminder);
    }

    @Test
    void eventAndThresholdTriggersCompileTheirCel() {
        TriggerDefinition big = codec.read("big-order", json("""
                {'when': {'event': 'Order Completed',
                          'condition': 'event.properties.revenue > 100.0 && count(\\'Order Completed\\', \\'30d\\') == 1'},
                 'action': {'type': 'kafka', 'topic': 'orders.big'}}""").deepCopy(), NOW);
        assertThat(big.when()).isInstanceOf(When.EventSeen.class);
        TriggerDefinition spender = codec.read("spender", json("""
                {'when': {'threshold': 'sum(\\'Order Completed\\', \\'revenue\\', \\'30d\\')', 'crosses': 'above', 'value': 500},
                 'action': {'type': 'cloudevents', 'url': 'http://broker.example/default'}}"""), NOW);
        assertThat(spender.when()).isEqualTo(new When.ThresholdCrossed("sum(\"Order Completed\", \"revenue\", \"30d\")", When.Crossing.ABOVE, 500));
        assertThat(codec.readStored(TriggerCodec.write(spender))).isEqualTo(spender);
        assertThat(codec.readStored(TriggerCodec.write(big))).isEqualTo(big);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            "{'action': {'type': 'kafka'}}                                                          | when",
            "{'when': {'segment': 'a'}, 'action': {'type': 'kafka'}}                                | when.change",
            "{'when': {'segment': 'a', 'change': 'left'}, 'action': {'type': 'kafka'}}              | when.change",
            "{'when': {'segment': 'a', 'event': 'x', 'change': 'entered'}, 'action': {'type': 'kafka'}} | when",
            "{'when': {'segment': 'a', 'change': 'entered'}}                                        | action",
            "{'when': {'segment': 'a', 'change': 'entered'}, 'action': {'type': 'email'}}           | action.type",
            "{'when': {'segment': 'a', 'change': 'entered'}, 'action': {'type': 'webhook', 'url': 'ftp://x/y', 'secret': '" + SECRET + "'}} | action.url",
            "{'when': {'segment': 'a', 'change': 'entered'}, 'action': {'type': 'webhook', 'url': 'https://x/y'}} | action.secret",
            "{'when': {'segment': 'a', 'change': 'entered'}, 'action': {'type': 'webhook', 'url': 'https://x/y', 'secret': 'whsec_c2hvcnQ='}} | action.secret",
            "{'when': {'segment': 'a', 'change': 'entered'}, 'action': {'type': 'kafka', 'topic': 'a b'}} | action.topic",
            "{'when': {'segment': 'a', 'change': 'entered'}, 'delay': 'soon', 'action': {'type': 'kafka'}} | delay",
            "{'when': {'segment': 'a', 'change': 'entered'}, 'cooldown': '100d', 'action': {'type': 'kafka'}} | cooldown",
            "{'when': {'segment': 'a', 'change': 'entered'}, 'cap': {'count': 0, 'per': '1d'}, 'action': {'type': 'kafka'}} | cap.count",
            "{'when': {'segment': 'a', 'change': 'entered'}, 'cap': {'count': 2}, 'action': {'type': 'kafka'}} | cap.per",
            "{'when': {'event': 'x'}, 'delay': '1m', 'action': {'type': 'kafka'}}                  | delay",
            "{'when': {'threshold': 'score', 'crosses': 'above'}, 'action': {'type': 'kafka'}}       | when.value",
            "{'when': {'segment': 'a', 'change': 'entered'}, 'enabled': 'yes', 'action': {'type': 'kafka'}} | enabled",
            "{'when': {'segment': 'a', 'change': 'entered'}, 'action': {'type': 'segment', 'url': 'https://api.segment.io'}} | action.writeKey",
            "{'when': {'segment': 'a', 'change': 'entered'}, 'dealy': '30m', 'action': {'type': 'kafka'}} | dealy",
            "{'when': {'segment': 'a', 'change': 'entered', 'delay': '30m'}, 'action': {'type': 'kafka'}} | when.delay",
            "{'when': {'segment': 'a', 'change': 'entered'}, 'cap': {'count': 2, 'pre': '1d'}, 'action': {'type': 'kafka'}} | cap.pre",
            "{'when': {'segment': 'a', 'change': 'entered'}, 'action': {'type': 'kafka', 'url': 'https://x/y'}} | action.url",
    })
    void everyRefusalNamesTheField(String body, String field) {
        assertThatThrownBy(() -> codec.read("t1", json(body), NOW))
                .isInstanceOfSatisfying(InvalidTriggerException.class, e -> assertThat(e.field()).isEqualTo(field));
    }

    @Test
    void celMistakesAreRefusedWithThePosition() {
        assertThatThrownBy(() -> codec.read("t1", json("{'when': {'event': 'x', 'condition': 'event.properties.a >'}, 'action': {'type': 'kafka'}}"), NOW))
                .isInstanceOfSatisfying(InvalidTriggerException.class, e -> {
                    assertThat(e.field()).isEqualTo("when.condition");
                    assertThat(e.isCondition()).isTrue();
                    assertThat(e.column()).isGreaterThan(1);
                });
        assertThatThrownBy(() -> codec.read("t1", json("{'when': {'threshold': 'traits.plan == \\'pro\\'', 'crosses': 'above', 'value': 1}, 'action': {'type': 'kafka'}}"), NOW))
                .isInstanceOfSatisfying(InvalidTriggerException.class, e -> assertThat(e.field()).isEqualTo("when.threshold"));
    }

    /** What a segment condition may not say, a trigger's may not either: saved, it would fail for every user. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "{'when': {'event': 'x', 'condition': 'count(\\'a\\', \\'1y\\') > 0'}, 'action': {'type': 'kafka'}}           | when.condition",
            "{'when': {'event': 'x', 'condition': 'count(event.name) > 1'}, 'action': {'type': 'kafka'}}                  | when.condition",
            "{'when': {'event': 'x', 'condition': 'event.name.matches(\\'(\\')'}, 'action': {'type': 'kafka'}}        | when.condition",
            "{'when': {'event': 'x', 'condition': '[1,2,3,4,5,6,7,8,9,10,11].all(a, [1,2,3,4,5,6,7,8,9,10,11].all(b, [1,2,3,4,5,6,7,8,9,10,11].all(c, true)))'}, 'action': {'type': 'kafka'}} | when.condition",
            "{'when': {'threshold': 'sum(\\'Order\\', \\'revenue\\', \\'200d\\')', 'crosses': 'above', 'value': 5}, 'action': {'type': 'kafka'}} | when.threshold",
    })
    void whatSegmentConditionsRefuseIsRefused(String body, String field) {
        assertThatThrownBy(() -> codec.read("t1", json(body), NOW))
                .isInstanceOfSatisfying(InvalidTriggerException.class, e -> {
                    assertThat(e.field()).isEqualTo(field);
                    assertThat(e.isCondition()).isTrue();
                });
    }

    @Test
    void badIdsAreRefused() {
        assertThatThrownBy(() -> codec.read("a b", json("{}"), NOW))
                .isInstanceOfSatisfying(InvalidTriggerException.class, e -> assertThat(e.field()).isEqualTo("id"));
    }
}
