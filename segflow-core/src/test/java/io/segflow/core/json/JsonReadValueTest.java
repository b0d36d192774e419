package io.segflow.core.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.segflow.core.profile.CelValues;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@link Json#readValue} reads what Jackson reads, as conditions see it (after {@link CelValues#fromJson}). */
class JsonReadValueTest {

    private static Object asConditionsSee(Object value) {
        return value == null ? null : CelValues.fromJson(value);
    }

    private static void readsAsJackson(String json) {
        assertThat(asConditionsSee(Json.readValue(json))).as(json).isEqualTo(asConditionsSee(Json.read(json, Object.class)));
    }

    @Test
    void scalarsAndTheirEdgesReadAsJacksonReadsThem() {
        for (String json : List.of("\"\"", "\"pro\"", "\"a b\"", "\"é ✓ 😀\"", "\"a\\\"b\"", "\"a\\\\b\"", "\"line\\nbreak\"",
                "\"\\u00e9\"", "\"NaN\"", "true", "false", "0", "-0", "7", "-42", "2147483648", "123456789012345678",
                "1234567890123456789", "-9223372036854775808", "92233720368547758070", "0.5", "-0.0", "34.0", "1.0E10",
                "1e-7", "1E+5", "1e400", "4.9E-324", "[1,\"a\",null]", "{\"plan\":\"pro\",\"age\":34}", " 1", "1 ")) {
            readsAsJackson(json);
        }
        assertThat(Json.readValue("null")).isNull();
        assertThat(Json.readValue("34")).isEqualTo(34L);
        assertThat(Json.readValue("\"FR\"")).isEqualTo("FR");
    }

    @Test
    void whatIsNotQuiteJsonGoesAsItGoesWithJackson() {
        for (String json : List.of("01", "-", "1.", ".5", "1e", "1e+", "+1", "\"open", "tru", "\"a\"b\"", "NaN", "1 2")) {
            Object jackson;
            try {
                jackson = asConditionsSee(Json.read(json, Object.class));
            } catch (UncheckedIOException refused) {
                assertThatThrownBy(() -> Json.readValue(json)).as(json).isInstanceOf(UncheckedIOException.class);
                continue;
            }
            assertThat(asConditionsSee(Json.readValue(json))).as(json).isEqualTo(jackson);
        }
        assertThatThrownBy(() -> Json.readValue("01")).isInstanceOf(UncheckedIOException.class);
    }

    @Test
    void randomValuesWrittenBySegflowReadBackAsJacksonReadsThem() {
        Random random = new Random(20261204);
        for (int i = 0; i < 20_000; i++) {
            readsAsJackson(Json.write(value(random, 0)));
        }
    }

    private static Object value(Random random, int depth) {
        return switch (random.nextInt(depth < 2 ? 9 : 7)) {
            case 0 -> text(random);
            case 1 -> random.nextBoolean();
            case 2 -> random.nextInt(2000) - 1000;
            case 3 -> random.nextLong() >> random.nextInt(64);
            case 4 -> random.nextDouble() * Math.pow(10, random.nextInt(40) - 20) * (random.nextBoolean() ? 1 : -1);
            case 5 -> Double.longBitsToDouble(random.nextLong());
            case 6 -> (double) (random.nextInt(200) - 100);
            case 7 -> {
                List<Object> list = new ArrayList<>();
                for (int n = random.nextInt(4); n > 0; n--) {
                    list.add(value(random, depth + 1));
                }
                yield list;
            }
            default -> {
                Map<String, Object> map = new LinkedHashMap<>();
                for (int n = random.nextInt(4); n > 0; n--) {
                    map.put(text(random), value(random, depth + 1));
                }
                yield map;
            }
        };
    }

    /** Mostly plain text, sometimes quotes, backslashes, control characters and characters beyond ASCII. */
    private static String text(Random random) {
        String alphabet = "abcXYZ 09-_.@\"\\\n\t\u0001é✓😀";
        StringBuilder text = new StringBuilder();
        for (int n = random.nextInt(12); n > 0; n--) {
            int at = random.nextInt(random.nextInt(4) == 0 ? alphabet.length() : 13);
            text.append(Character.isHighSurrogate(alphabet.charAt(at)) ? alphabet.substring(at, at + 2) : alphabet.charAt(at) == '\uDE00' ? "x" : alphabet.charAt(at));
        }
        return text.toString();
    }
}
