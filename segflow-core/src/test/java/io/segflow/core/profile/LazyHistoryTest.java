package io.segflow.core.profile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.segflow.core.engine.ProfileNeeds;
import io.segflow.core.event.Event;
import io.segflow.core.rules.RuleCompiler;
import io.segflow.core.state.CompactReader;
import io.segflow.core.state.CompactWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A profile read lazily decodes an event's history when something reads it or when one of its buckets leaves every
 * window, and not otherwise. Shown with a history whose bytes are damaged: decoding it fails, so whatever succeeds
 * did not decode it.
 */
class LazyHistoryTest {
    private static final long NOW = 1_795_600_000_000L;
    private static final long MINUTE = 60_000;
    private static final Scoring SCORING = new Scoring(Duration.ofHours(1), Map.of());
    private static final ProfileNeeds NEEDS = ProfileNeeds.of(List.of(
            new RuleCompiler().compile("count(\"old\", \"1h\") >= 1 || count(\"new\", \"1h\") >= 1").reads()));

    @Test
    void anEventOfAnotherNameLeavesAHistoryUndecodedUntilOneOfItsBucketsExpires() {
        byte[] bytes = withOldHistoryDamaged();

        // Its second buckets are kept for 15 minutes, the longest window at that granularity.
        Profile early = readLazily(bytes);
        early.apply(track("new", NOW + 10 * MINUTE), NEEDS, SCORING, NOW + 10 * MINUTE);
        assertThat(early.count("new")).isEqualTo(2);
        assertThat(encode(early)).as("written back as read").containsSequence(oldSection(bytes));

        Profile due = readLazily(bytes);
        assertThatThrownBy(() -> due.apply(track("new", NOW + 20 * MINUTE), NEEDS, SCORING, NOW + 20 * MINUTE))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aDamagedHistoryIsFoundWhenRead() {
        Profile profile = readLazily(withOldHistoryDamaged());

        assertThat(profile.count("new")).isEqualTo(1);
        assertThatThrownBy(() -> profile.count("old")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aHistoryKeptUndecodedAnswersAsTheDecodedOneOnceItsTrimIsDue() {
        Profile original = new Profile("u1");
        original.apply(track("old", NOW), NEEDS, SCORING, NOW);
        original.apply(track("new", NOW), NEEDS, SCORING, NOW);
        Profile lazy = readLazily(encode(original));
        long later = NOW + 20 * MINUTE;

        original.apply(track("new", later), NEEDS, SCORING, later);
        lazy.apply(track("new", later), NEEDS, SCORING, later);

        assertThat(lazy.bucketCount()).isEqualTo(original.bucketCount());
        assertThat(encode(lazy)).isEqualTo(encode(original));
    }

    /** "old" then "new" at {@link #NOW}, the last byte of old's history (its count of latest values, 0) set to 127. */
    private static byte[] withOldHistoryDamaged() {
        Profile profile = new Profile("u1");
        profile.apply(track("old", NOW), NEEDS, SCORING, NOW);
        profile.apply(track("new", NOW), NEEDS, SCORING, NOW);
        byte[] bytes = encode(profile);
        int end = indexOf(bytes, name("new")) - 1;
        assertThat(bytes[end]).isZero();
        bytes[end] = 127;
        return bytes;
    }

    /** The bytes from old's name to new's: its name, trim time, length and history. */
    private static byte[] oldSection(byte[] bytes) {
        return Arrays.copyOfRange(bytes, indexOf(bytes, name("old")), indexOf(bytes, name("new")));
    }

    private static byte[] name(String name) {
        byte[] text = name.getBytes(StandardCharsets.US_ASCII);
        byte[] written = new byte[text.length + 1];
        written[0] = (byte) text.length;
        System.arraycopy(text, 0, written, 1, text.length);
        return written;
    }

    private static int indexOf(byte[] bytes, byte[] part) {
        outer:
        for (int i = 0; i + part.length <= bytes.length; i++) {
            for (int j = 0; j < part.length; j++) {
                if (bytes[i + j] != part[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new AssertionError("not found");
    }

    private static byte[] encode(Profile profile) {
        CompactWriter out = new CompactWriter(256);
        profile.writeTo(out);
        return out.toByteArray();
    }

    private static Profile readLazily(byte[] bytes) {
        return Profile.readFrom("u1", new CompactReader(bytes), true, true, true, true);
    }

    private static Event track(String name, long atMillis) {
        Instant at = Instant.ofEpochMilli(atMillis);
        return new Event(1, "track", "m", "u1", null, name, null, null, null, null, Map.of(), null, null, at, null,
                null, at, "test");
    }
}
