package io.segflow.core.event;

import static org.assertj.core.api.Assertions.assertThat;

import io.segflow.core.json.Json;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The token-stream reader builds the same event as Jackson's bean reader, whatever the record holds. */
class ProfileEventReaderTest {

    @Test
    void readsWhatTheBeanReaderReadsForRandomRecords() throws Exception {
        for (long seed = 0; seed < 2_000; seed++) {
            Random random = new Random(seed);
            String record = Json.write(randomRecord(random));
            assertSameAsBeans(record, seed);
        }
    }

    @Test
    void leavesRecordsOfUnexpectedShapeToTheBeanReader() throws Exception {
        for (String record : List.of(
                "{\"schema\":\"1\",\"type\":\"track\",\"userId\":\"u\",\"event\":\"x\"}",
                "{\"schema\":1,\"type\":\"track\",\"userId\":42,\"event\":\"x\"}",
                "{\"schema\":1,\"type\":\"track\",\"userId\":\"u\",\"timestamp\":1795600000000}",
                "{\"schema\":1,\"type\":\"track\",\"userId\":\"u\",\"properties\":[]}")) {
            byte[] value = record.getBytes(StandardCharsets.UTF_8);
            Object expected;
            try {
                expected = withoutCarriedThrough(EventRecords.read(value));
            } catch (Exception e) {
                expected = e.getClass();
            }
            Object actual;
            try {
                actual = EventRecords.readForProfile(value);
            } catch (Exception e) {
                actual = e.getClass();
            }
            assertThat(actual).as(record).isEqualTo(expected);
        }
    }

    private static void assertSameAsBeans(String record, long seed) throws Exception {
        byte[] value = record.getBytes(StandardCharsets.UTF_8);
        Event beans = withoutCarriedThrough(EventRecords.read(value));
        assertThat(ProfileEventReader.read(value)).as("seed %d: %s", seed, record).isEqualTo(beans);
    }

    private static Event withoutCarriedThrough(Event e) {
        return new Event(e.schema(), e.type(), e.messageId(), e.userId(), e.anonymousId(), e.event(), e.name(),
                e.category(), e.groupId(), e.previousId(), e.traits(), e.properties(), null, null, e.timestamp(),
                e.originalTimestamp(), e.sentAt(), e.receivedAt(), e.source());
    }

    private static Map<String, Object> randomRecord(Random random) {
        Map<String, Object> record = new LinkedHashMap<>();
        record.put("schema", 1);
        for (String field : List.of("type", "messageId", "userId", "anonymousId", "event", "name", "category", "groupId",
                "previousId", "source")) {
            if (random.nextInt(3) > 0) {
                record.put(field, random.nextInt(5) == 0 ? null : text(random));
            }
        }
        for (String field : List.of("traits", "properties", "context", "integrations")) {
            if (random.nextBoolean()) {
                record.put(field, random.nextInt(6) == 0 ? null : object(random, 3));
            }
        }
        for (String field : List.of("timestamp", "originalTimestamp", "sentAt", "receivedAt")) {
            if (random.nextBoolean()) {
                record.put(field, random.nextBoolean() ? "2026-11-26T09:59:58." + random.nextInt(1000) + "Z" : "2026-11-26T10:00:00+02:00");
            }
        }
        if (random.nextInt(4) == 0) {
            record.put("newerField", object(random, 2));
        }
        List<String> keys = new ArrayList<>(record.keySet());
        java.util.Collections.shuffle(keys, random);
        Map<String, Object> shuffled = new LinkedHashMap<>();
        keys.forEach(k -> shuffled.put(k, record.get(k)));
        return shuffled;
    }

    private static Map<String, Object> object(Random random, int depth) {
        Map<String, Object> map = new LinkedHashMap<>();
        int size = random.nextInt(5);
        for (int i = 0; i < size; i++) {
            map.put(text(random), value(random, depth - 1));
        }
        return map;
    }

    private static Object value(Random random, int depth) {
        return switch (random.nextInt(depth > 0 ? 10 : 8)) {
            case 0 -> null;
            case 1 -> random.nextInt();
            case 2 -> random.nextLong();
            case 3 -> new java.math.BigInteger("123456789012345678901234567890");
            case 4 -> random.nextDouble() * 1e6;
            case 5 -> random.nextBoolean();
            case 6, 7 -> text(random);
            case 8 -> object(random, depth);
            default -> {
                List<Object> list = new ArrayList<>();
                int size = random.nextInt(4);
                for (int i = 0; i < size; i++) {
                    list.add(value(random, depth - 1));
                }
                yield list;
            }
        };
    }

    private static String text(Random random) {
        String[] texts = {"view", "Order Completed", "ü-ñ", "emoji \uD83D\uDE00", "quote \" and \\ back", "", "a\nb"};
        return texts[random.nextInt(texts.length)] + random.nextInt(100);
    }
}
