package io.segflow.core.membership;

import static org.assertj.core.api.Assertions.assertThat;

import io.segflow.core.json.Json;
import java.time.Instant;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

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
