package io.segflow.core.state;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RecentMessagesTest {
    private static final long NOW = 1_795_600_000_000L;
    private static final long HOUR = Duration.ofHours(1).toMillis();
    private static final long WINDOW = Duration.ofHours(24).toMillis();

    private final RecentMessages recent = new RecentMessages();

    @Test
    void aRepeatWithinTheWindowIsCaught() {
        assertThat(recent.checkAndRemember("m1", NOW, WINDOW)).as("first time").isFalse();

        assertThat(recent.checkAndRemember("m1", NOW + 1, WINDOW)).isTrue();
        assertThat(recent.checkAndRemember("m1", NOW + WINDOW, WINDOW)).as("at the end of the window").isTrue();
    }

    @Test
    void distinctMessagesAreNotTakenForRepeats() {
        for (int i = 0; i < 5_000; i++) {
            assertThat(recent.checkAndRemember("message-" + i, NOW + i * 60_000L, WINDOW)).as("message-%d", i).isFalse();
        }
        assertThat(recent.checkAndRemember("message-4999", NOW + 5_000 * 60_000L, WINDOW)).isTrue();
    }

    @Test
    void aMessageIsRememberedUntilTheWindowHasPassedSinceTheEndOfItsHour() {
        long endOfHour = (Math.floorDiv(NOW, HOUR) + 1) * HOUR;
        recent.checkAndRemember("m1", NOW, WINDOW);

        assertThat(recent.checkAndRemember("m1", endOfHour + WINDOW - 1, WINDOW)).isTrue();
        assertThat(recent.checkAndRemember("m1", endOfHour + WINDOW, WINDOW)).isFalse();
        assertThat(recent.size()).as("remembered again, and only once").isEqualTo(1);
    }

    @Test
    void aMessageIsForgottenAtMostAnHourAfterTheWindow() {
        recent.checkAndRemember("m1", NOW, WINDOW);

        assertThat(recent.checkAndRemember("m1", NOW + WINDOW + HOUR, WINDOW)).isFalse();
    }

    @Test
    void hoursOlderThanTheWindowAreDroppedByTheNextCheck() {
        for (int i = 0; i < 10; i++) {
            recent.checkAndRemember("old-" + i, NOW + i, WINDOW);
        }
        assertThat(recent.size()).isEqualTo(10);

        recent.checkAndRemember("new", NOW + WINDOW + HOUR, WINDOW);

        assertThat(recent.size()).isEqualTo(1);
    }

    @Test
    void afterAMergeARetryOfEitherIdsMessageIsCaught() {
        RecentMessages anonymous = new RecentMessages();
        for (int i = 0; i < 30; i++) { // the anonymous id's hours start earlier and interleave with the user's
            anonymous.checkAndRemember("a" + i, NOW - 2 * HOUR + i * 7 * 60_000L, WINDOW);
            recent.checkAndRemember("u" + i, NOW + i * 11 * 60_000L, WINDOW);
        }

        recent.mergeFrom(anonymous);

        assertThat(recent.size()).isEqualTo(60);
        assertThat(anonymous.size()).as("left as it was").isEqualTo(30);
        long later = NOW + 6 * HOUR;
        for (int i = 0; i < 30; i++) {
            assertThat(recent.checkAndRemember("a" + i, later, WINDOW)).as("a%d", i).isTrue();
            assertThat(recent.checkAndRemember("u" + i, later, WINDOW)).as("u%d", i).isTrue();
        }
        assertThat(recent.checkAndRemember("new", later, WINDOW)).isFalse();
    }

    @Test
    void mergedHoursAreForgottenInOrder() {
        RecentMessages anonymous = new RecentMessages();
        recent.checkAndRemember("user", NOW, WINDOW);
        anonymous.checkAndRemember("older", NOW - 2 * HOUR, WINDOW);
        anonymous.checkAndRemember("newer", NOW + 2 * HOUR, WINDOW);

        recent.mergeFrom(anonymous);

        long endOfOlderHour = (Math.floorDiv(NOW - 2 * HOUR, HOUR) + 1) * HOUR;
        assertThat(recent.checkAndRemember("older", endOfOlderHour + WINDOW, WINDOW)).as("its hour dropped first").isFalse();
        assertThat(recent.checkAndRemember("user", endOfOlderHour + WINDOW, WINDOW)).isTrue();
        assertThat(recent.checkAndRemember("newer", endOfOlderHour + WINDOW, WINDOW)).isTrue();
    }

    @Test
    void aMessageBothRememberIsKeptOnceInItsLaterHour() {
        RecentMessages anonymous = new RecentMessages();
        recent.checkAndRemember("m1", NOW, WINDOW);
        anonymous.checkAndRemember("m1", NOW + 3 * HOUR, WINDOW);

        recent.mergeFrom(anonymous);

        assertThat(recent.size()).isEqualTo(1);
        long endOfLaterHour = (Math.floorDiv(NOW + 3 * HOUR, HOUR) + 1) * HOUR;
        assertThat(recent.checkAndRemember("m1", endOfLaterHour + WINDOW - 1, WINDOW)).isTrue();
        assertThat(recent.checkAndRemember("m1", endOfLaterHour + WINDOW, WINDOW)).isFalse();
    }

    @Test
    void mergingNoMessagesEitherWayKeepsTheOthers() {
        RecentMessages empty = new RecentMessages();
        recent.checkAndRemember("m1", NOW, WINDOW);

        recent.mergeFrom(new RecentMessages());
        empty.mergeFrom(recent);

        assertThat(recent.size()).isEqualTo(1);
        assertThat(empty.size()).isEqualTo(1);
        assertThat(empty.checkAndRemember("m1", NOW + HOUR, WINDOW)).isTrue();
        assertThat(recent.checkAndRemember("m1", NOW + HOUR, WINDOW)).isTrue();
    }

    @Test
    void mergedMessagesSurviveTheStoredForm() {
        UserRecord user = UserRecord.empty("u1");
        RecentMessages anonymous = new RecentMessages();
        for (int i = 0; i < 20; i++) {
            user.recent().checkAndRemember("u" + i, NOW + i * 20 * 60_000L, WINDOW);
            anonymous.checkAndRemember("a" + i, NOW - 3 * HOUR + i * 25 * 60_000L, WINDOW);
        }
        user.recent().mergeFrom(anonymous);

        RecentMessages decoded = UserRecordCodec.decode("u1", UserRecordCodec.encode(user)).recent();

        assertThat(decoded.size()).isEqualTo(40);
        for (int i = 0; i < 20; i++) {
            assertThat(decoded.checkAndRemember("u" + i, NOW + 8 * HOUR, WINDOW)).as("u%d", i).isTrue();
            assertThat(decoded.checkAndRemember("a" + i, NOW + 8 * HOUR, WINDOW)).as("a%d", i).isTrue();
        }
    }

    @Test
    void rememberedMessagesSurviveTheStoredForm() {
        UserRecord user = UserRecord.empty("u1");
        for (int i = 0; i < 50; i++) {
            user.recent().checkAndRemember("m" + i, NOW + i * 10 * 60_000L, WINDOW); // spread over 9 hours
        }

        RecentMessages decoded = UserRecordCodec.decode("u1", UserRecordCodec.encode(user)).recent();

        assertThat(decoded.size()).isEqualTo(50);
        long later = NOW + 10 * HOUR;
        for (int i = 0; i < 50; i++) {
            assertThat(decoded.checkAndRemember("m" + i, later, WINDOW)).as("m%d", i).isTrue();
        }
        assertThat(decoded.checkAndRemember("m50", later, WINDOW)).isFalse();
        assertThat(UserRecordCodec.decode("u1", UserRecordCodec.encode(user)).recent()
                .checkAndRemember("m0", NOW + WINDOW + HOUR, WINDOW)).as("forgotten on time after decoding too").isFalse();
    }

    @Test
    void theHashOfAnIdNeverChangesForItIsStoredInUserRecords() {
        assertThat(RecentMessages.hash("shop-1234")).isEqualTo(-2688930419542872998L);
        assertThat(RecentMessages.hash("ajs-6f1c2e0a-9b7d-4c55-8e2a-1d3f5b7c9e01")).isEqualTo(-6255535795727615673L);
        assertThat(RecentMessages.hash("\u00e9moji \uD83D\uDE00")).isEqualTo(-3128574262142525461L);
        assertThat(RecentMessages.hash("")).isEqualTo(-1166397803181037274L);
    }

    @Test
    void theHashIsThatOfTheIdsUtf8BytesForAnyCharacters() {
        Random random = new Random(7);
        char[] pool = {'a', 'Z', '0', '-', ':', '\u007f', '\u0080', '\u00e9', '\u07ff', '\u0800', '\u20ac', '\uffff',
                '\uD83D', '\uDE00', '\uDBFF', '\uDFFF', '\uD800', '\uDC00'};
        for (int run = 0; run < 20_000; run++) {
            char[] id = new char[random.nextInt(12)];
            for (int i = 0; i < id.length; i++) {
                id[i] = random.nextInt(4) == 0 ? (char) random.nextInt(Character.MAX_VALUE + 1) : pool[random.nextInt(pool.length)];
            }
            String messageId = new String(id);
            assertThat(RecentMessages.hash(messageId)).as("hash of %s", messageId.chars().mapToObj(Integer::toHexString).toList())
                    .isEqualTo(hashOfBytes(messageId.getBytes(StandardCharsets.UTF_8)));
        }
    }

    /** The definition: FNV-1a over the bytes, then the finalizer (which the pinned hashes above hold to). */
    private static long hashOfBytes(byte[] bytes) {
        long h = RecentMessages.FNV_OFFSET;
        for (byte b : bytes) {
            h = RecentMessages.fnv(h, b & 0xFF);
        }
        return RecentMessages.spread(h);
    }
}
