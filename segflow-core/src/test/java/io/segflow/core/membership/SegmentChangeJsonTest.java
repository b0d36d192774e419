package io.segflow.core.membership;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.segflow.core.json.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SegmentChangeJsonTest {
    private static final String[] PIECES = {"a", "Z", "0", " ", "\"", "\\", "/", "\n", "\t", "\u0000", "\u001f", "\u007f", "é",
            "\u2028", "\uD83D\uDE00", "event:", "segments:", "<script>"};

    @Test
    void writesWhatTheMapperWrites() {
        SplittableRandom random = new SplittableRandom(20261201);
        for (int i = 0; i < 2_000; i++) {
            SegmentChange change = new SegmentChange(text(random), text(random), random.nextBoolean() ? SegmentChange.ENTERED
                    : SegmentChange.EXITED, instant(random), random.nextLong(-1, Long.MAX_VALUE), text(random));
            assertThat(SegmentChangeJson.write(change)).as("case %d: %s", i, change).isEqualTo(Json.write(change));
        }
    }

    @Test
    void leavesNullsOutAsTheMapperDoes() {
        SegmentChange change = new SegmentChange("u", "s", SegmentChange.EXITED, null, 3, null);
        assertThat(SegmentChangeJson.write(change)).isEqualTo(Json.write(change))
                .isEqualTo("{\"userId\":\"u\",\"segmentId\":\"s\",\"change\":\"exited\",\"version\":3}");
    }

    @Test
    void readsBackAsTheSameChange() {
        SegmentChange change = new SegmentChange("user \"1\"\n", "vip/\u2028", SegmentChange.ENTERED,
                Instant.parse("2026-12-01T10:15:30.120Z"), 7, "event:m\\1");
        assertThat(Json.read(SegmentChangeJson.write(change), SegmentChange.class)).isEqualTo(change);
    }

    @Test
    void theLastRecordOfAnErasureHasNoSegmentAndSaysSoByItsChangeAndCause() throws IOException {
        SegmentChange erased = SegmentChange.erased("u1", Instant.parse("2026-12-01T10:15:30Z"), 5);

        assertThat(SegmentChangeJson.write(erased))
                .isEqualTo("{\"userId\":\"u1\",\"change\":\"erased\",\"at\":\"2026-12-01T10:15:30Z\",\"version\":5,\"cause\":\"erasure\"}");
        SegmentChange read = SegmentChangeJson.read(SegmentChangeJson.write(erased).getBytes(StandardCharsets.UTF_8));
        assertThat(read).isEqualTo(erased);
        assertThat(read.isErased()).isTrue();
        assertThat(read.isOfErasure()).isTrue();
        assertThat(read.isMerge()).isFalse();
        assertThat(new SegmentChange("u1", "vip", SegmentChange.EXITED, null, 4, SegmentChange.ERASURE).isOfErasure()).isTrue();
        assertThat(new SegmentChange("u1", "vip", SegmentChange.EXITED, null, 4, "event:m1").isOfErasure()).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "{'userId':'u1','segmentId':'vip','change':'entered','at':'2026-11-26T10:00:10.120Z','version':3,'cause':'event:m1'}",
            "{'cause':'time:2026-11-26T10:00:00Z','version':9007199254740993,'at':'2026-11-26T10:00:10Z','change':'exited','segmentId':'vip','userId':'u1'}",
            "{'userId':'\\u00fcser \\\"1\\\"','segmentId':'v\u00efp','change':'entered','at':'2026-11-26T11:00:10.123456789+01:00','version':1}",
            "{'userId':'u1','segmentId':null,'change':'entered','at':null,'version':2,'cause':null}",
            "{'userId':'u1','extra':{'nested':[1,2,{'a':'b'}]},'more':[],'flag':true,'version':2}",
            "{'userId':'u1','userId':'u2','version':1,'version':2}",
            "{}",
            "null",
            // shapes only the mapper reads (coercions, lenient instants): the same result either way
            "{'userId':'u1','version':'3'}",
            "{'userId':'u1','version':3.0}",
            "{'userId':'u1','version':null}",
            "{'userId':'u1','segmentId':42,'version':1}",
            "{'userId':'u1','at':'','version':1}",
            "{'userId':'u1','at':1764151210.5,'version':1}",
            "{'userId':'u1','at':'+12026-01-01T00:00:00Z','version':1}"})
    void changesReadTheSameAsWithTheMapper(String json) throws Exception {
        byte[] bytes = json.replace('\'', '"').getBytes(StandardCharsets.UTF_8);

        assertThat(SegmentChangeJson.read(bytes)).isEqualTo(Json.MAPPER.readValue(bytes, SegmentChange.class));
    }

    @ParameterizedTest
    @ValueSource(strings = {"not json", "", "[1, 2]", "{\"userId\": \"u1\", \"at\": \"2026-02-30T10:00:00Z\"}",
            "{\"userId\": \"u1\", \"segmentId\": {\"id\": 1}}", "{\"userId\": \"u1\""})
    void whatTheMapperRefusesIsRefused(String json) {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);

        assertThatThrownBy(() -> Json.MAPPER.readValue(bytes, SegmentChange.class)).isInstanceOf(JsonProcessingException.class);
        assertThatThrownBy(() -> SegmentChangeJson.read(bytes)).isInstanceOf(IOException.class);
    }

    private static String text(SplittableRandom random) {
        if (random.nextInt(20) == 0) {
            return null;
        }
        StringBuilder text = new StringBuilder();
        for (int n = random.nextInt(6); n > 0; n--) {
            text.append(PIECES[random.nextInt(PIECES.length)]);
        }
        return text.toString();
    }

    private static Instant instant(SplittableRandom random) {
        return switch (random.nextInt(4)) {
            case 0 -> null;
            case 1 -> Instant.ofEpochMilli(random.nextLong(0, 4_102_444_800_000L));
            case 2 -> Instant.ofEpochSecond(random.nextLong(0, 4_102_444_800L), random.nextInt(1_000_000_000));
            default -> Instant.ofEpochSecond(random.nextLong(-100_000_000_000L, 200_000_000_000L));
        };
    }
}
