package io.segflow.core.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import io.segflow.core.membership.Memberships;
import io.segflow.core.profile.Aggregate;
import io.segflow.core.profile.Profile;
import io.segflow.core.profile.Window;
import io.segflow.core.rules.Reads;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * A stored user reads back as it was written: every read a condition, the scheduler or the dedup check can make
 * answers the same, the encoding is deterministic, and a damaged value is refused with an IllegalArgumentException.
 */
class UserRecordCodecTest {
    private static final int TRIES = 300;
    private static final List<Window> WINDOWS = Stream.of("10s", "90s", "30m", "1h", "2h", "3d", "7d", "30d", "60d", "90d")
            .map(Window::parse).toList();
    private static final double[] SCORE_THRESHOLDS = {0.5, 2, 10};

    @Test
    void decodingAnEncodedUserAnswersEveryReadAsTheOriginal() {
        forEachSeed(seed -> {
            RandomUsers users = new RandomUsers(new Random(seed), "user-" + seed + "-ü");
            UserRecord original = users.user();

            byte[] bytes = UserRecordCodec.encode(original);
            UserRecord decoded = UserRecordCodec.decode(original.userId(), bytes);

            assertSameReads(decoded, original, users.clock());
            assertThat(UserRecordCodec.memberships(bytes)).isEqualTo(original.memberships());
        });
    }

    /**
     * JSON lets a client send an unpaired surrogate as an escape ("Clicked \\ud83d"): the name must come back from the
     * record as it went in, so that the next event of that name adds to the same history (not to a new one that the
     * next decode would fold into "Clicked ?", losing one of the two).
     */
    @Test
    void anEventNameWithAnUnpairedSurrogateKeepsOneHistoryAcrossRecords() {
        String odd = "Clicked \ud83d";
        long now = Instant.parse("2026-12-01T10:00:00Z").toEpochMilli();
        UserRecord user = UserRecord.empty("u-odd");
        for (int round = 0; round < 3; round++) {
            for (String name : List.of(odd, "Clicked ?")) {
                user.profile().apply(track(name, now), RandomUsers.NEEDS, RandomUsers.SCORING, now);
            }
            user = UserRecordCodec.decode("u-odd", UserRecordCodec.encode(user));
            now += 60_000;
        }

        assertThat(user.profile().count(odd)).isEqualTo(3);
        assertThat(user.profile().count("Clicked ?")).isEqualTo(3);
    }

    private static io.segflow.core.event.Event track(String name, long atMillis) {
        Instant at = Instant.ofEpochMilli(atMillis);
        return new io.segflow.core.event.Event(1, "track", "m-" + name.hashCode() + "-" + atMillis, "u-odd", null, name, null, null,
                null, null, Map.of(), null, null, at, null, null, at, "test");
    }

    @Test
    void reEncodingADecodedUserGivesTheSameBytes() {
        forEachSeed(seed -> {
            byte[] bytes = UserRecordCodec.encode(new RandomUsers(new Random(seed), "u" + seed).user());

            assertThat(UserRecordCodec.encode(UserRecordCodec.decode("u" + seed, bytes))).isEqualTo(bytes);
        });
    }

    @Test
    void aDecodedUserGoesOnExactlyAsTheOriginalWould() {
        forEachSeed(seed -> {
            RandomUsers users = new RandomUsers(new Random(seed), "u" + seed);
            UserRecord original = users.user();
            UserRecord decoded = UserRecordCodec.decode("u" + seed, UserRecordCodec.encode(original));
            // A profile trims other events' buckets at most once a minute and a decoded one on its first update:
            // a minute later both trim everything, and from there on their stored forms must not differ by a byte.
            users.pass(60_000);

            for (int i = 0; i < 20; i++) {
                users.applyNext(List.of(original, decoded));
            }

            assertSameReads(decoded, original, users.clock());
            assertThat(UserRecordCodec.encode(decoded)).isEqualTo(UserRecordCodec.encode(original));
        });
    }

    @Test
    void aRecordDecodedAsItsOwnAnswersEveryReadAndIsWrittenBackAsItWasRead() {
        forEachSeed(seed -> {
            RandomUsers users = new RandomUsers(new Random(seed), "u" + seed);
            UserRecord original = users.user();
            byte[] bytes = UserRecordCodec.encode(original);

            assertThat(UserRecordCodec.encode(decodeOwn(original.userId(), bytes))).as("nothing read").isEqualTo(bytes);
            UserRecord read = decodeOwn(original.userId(), bytes);
            assertSameReads(read, original, users.clock());
            assertThat(UserRecordCodec.encode(read)).as("everything read").isEqualTo(bytes);
        });
    }

    @Test
    void aRecordDecodedAsItsOwnInEveryRoundGoesOnAsTheOriginalWould() {
        forEachSeed(seed -> {
            RandomUsers users = new RandomUsers(new Random(seed), "u" + seed);
            UserRecord original = users.user();
            UserRecord own = decodeOwn("u" + seed, UserRecordCodec.encode(original));

            for (int i = 0; i < 20; i++) {
                users.applyNext(List.of(original, own));
                // As the engine keeps a user between rounds: its bytes, decoded again for the next round.
                own = decodeOwn("u" + seed, UserRecordCodec.encode(own));
            }

            // Histories no event read since they were last decoded keep what they held when last trimmed (buckets and
            // values no segment's window counts any more) until one does. Decoded in full, both trim everything a
            // minute later, and from there on no read may differ, nor the buckets kept. (The bytes may: a value
            // column dropped and added again comes after the others.)
            UserRecord settled = UserRecordCodec.decode("u" + seed, UserRecordCodec.encode(own));
            users.pass(60_000);
            users.applyNext(List.of(original, settled));

            assertSameReads(settled, original, users.clock());
        });
    }

    @Test
    void aRecordOfTheFormatBeforeHistoryLengthsIsReadAndStoredInTheCurrentOne() {
        forEachSeed(seed -> {
            RandomUsers users = new RandomUsers(new Random(seed), "u" + seed);
            UserRecord original = users.user();
            byte[] before = UserRecordCodec.encode(original, UserRecordCodec.FORMAT_WITHOUT_HISTORY_LENGTHS);

            UserRecord decoded = UserRecordCodec.decode("u" + seed, before);

            assertSameReads(decoded, original, users.clock());
            assertSameReads(decodeOwn("u" + seed, before), original, users.clock());
            assertThat(UserRecordCodec.encode(decoded)).isEqualTo(UserRecordCodec.encode(original));
        });
    }

    @Test
    void onlyTheCurrentFormatAndTheOneBeforeAreWritten() {
        for (int format : new int[] {UserRecordCodec.FORMAT_WITHOUT_AGGREGATES_REVISION, UserRecordCodec.FORMAT + 1}) {
            assertThatThrownBy(() -> UserRecordCodec.encode(richUser(), format)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("format");
        }
    }

    private static UserRecord decodeOwn(String userId, byte[] bytes) {
        return UserRecordCodec.decodeOwn(userId, bytes, bytes.length);
    }

    @Test
    void theRandomUsersHoldEveryKindOfStoredData() {
        Map<String, Integer> users = new TreeMap<>();
        forEachSeed(seed -> {
            RandomUsers random = new RandomUsers(new Random(seed), "u");
            kindsOfData(random.user(), random.clock()).forEach(kind -> users.merge(kind, 1, Integer::sum));
        });

        assertThat(users).as("users by what they hold").hasSize(14)
                .allSatisfy((kind, n) -> assertThat(n).as(kind).isGreaterThanOrEqualTo(10));
    }

    private static Set<String> kindsOfData(UserRecord user, long now) {
        Profile profile = user.profile();
        Set<String> kinds = new TreeSet<>();
        for (Window window : WINDOWS) {
            if (profile.nextWindowChange("buy", "price", window, now).isPresent()) {
                kinds.add("buy prices in " + window.granularity() + " buckets");
            }
            if (profile.nextWindowChange("view", null, window, now).isPresent()) {
                kinds.add("views in " + window.granularity() + " buckets");
            }
        }
        Map<String, Boolean> holds = Map.of(
                "a lifetime aggregate", !profile.aggregates().isEmpty(),
                "a latest path", profile.lastValue("page", "path").isPresent(),
                "a score", profile.score(RandomUsers.SCORING, now) > 0,
                "traits", !profile.traits().isEmpty(),
                "memberships", !user.memberships().since().isEmpty(),
                "a wake", user.scheduledWake() != UserRecord.NO_WAKE,
                "no event", profile.totalEvents() == 0);
        holds.forEach((kind, held) -> {
            if (held) {
                kinds.add(kind);
            }
        });
        return kinds;
    }

    @Test
    void aNewUserRoundTrips() {
        UserRecord empty = UserRecord.empty("u1");

        UserRecord decoded = UserRecordCodec.decode("u1", UserRecordCodec.encode(empty));

        assertSameReads(decoded, empty, RandomUsers.START);
        assertThat(decoded.memberships()).isEqualTo(Memberships.NONE);
        assertThat(decoded.scheduledWake()).isEqualTo(UserRecord.NO_WAKE);
    }

    /**
     * Written by the previous format (series counted from bucket 0): three views 3 days, 2 days and 1 hour before
     * {@code 1_795_600_000_000}, kept by the hour for {@code count("view", "7d")}, and a buy of 12.5 a day before, kept
     * by the day for {@code sum("buy", "amount", "30d")}.
     */
    private static final String PREVIOUS_FORMAT = "01000000000480a09a95a03480cbf0790000020476696577030080cbf079010200039182e7"
            + "038103f1050000036275790180e0e5a4010001030106616d6f756e740901d1a514924e00000000";

    @Test
    void aRecordOfThePreviousFormatIsReadAndStoredInTheCurrentOne() {
        long now = 1_795_600_000_000L;
        UserRecord old = UserRecordCodec.decode("u1", HexFormat.of().parseHex(PREVIOUS_FORMAT));

        assertThat(old.profile().count("view")).isEqualTo(3);
        assertThat(old.profile().count("view", Window.parse("7d"), now)).isEqualTo(3);
        assertThat(old.profile().count("view", Window.parse("2d"), now)).isEqualTo(2);
        assertThat(old.profile().aggregate("buy", "amount", Window.parse("30d"), now)).isEqualTo(new Aggregate(1, 12.5, 12.5, 12.5));

        byte[] current = UserRecordCodec.encode(old);
        assertThat(current[0]).isEqualTo((byte) UserRecordCodec.FORMAT);
        assertSameReads(UserRecordCodec.decode("u1", current), old, now);
    }

    @Test
    void identityLinksRoundTrip() {
        UserRecord user = richUser();
        user.identity().markKnown();
        user.identity().requested("anon-2");
        user.identity().merged("anon-1");

        UserRecord decoded = UserRecordCodec.decode(user.userId(), UserRecordCodec.encode(user));

        assertThat(decoded.identity()).isEqualTo(user.identity());
        assertThat(decoded.identity().known()).isTrue();
        assertThat(decoded.identity().mergedIds()).containsExactly("anon-1");
        assertThat(decoded.identity().linkedIds()).containsExactly("anon-1", "anon-2");
        assertThat(UserRecordCodec.encode(decoded)).isEqualTo(UserRecordCodec.encode(user));
    }

    @Test
    void aForwardKeepsItsVersionAndTargetOnly() {
        byte[] bytes = UserRecordCodec.encode(UserRecord.forward("anon-1", 7, "user-9"));

        UserRecord decoded = UserRecordCodec.decode("anon-1", bytes);

        assertThat(decoded.isForward()).isTrue();
        assertThat(decoded.mergedInto()).isEqualTo("user-9");
        assertThat(decoded.memberships().version()).isEqualTo(7);
        assertThat(UserRecordCodec.memberships(bytes)).isEqualTo(new Memberships(Map.of(), 7));
        assertThat(UserRecordCodec.mergedInto(bytes)).isEqualTo("user-9");
        assertThat(UserRecordCodec.mergedInto(UserRecordCodec.encode(richUser()))).isNull();
        assertThat(UserRecordCodec.mergedInto(null)).isNull();
        assertThatThrownBy(() -> UserRecordCodec.decode("anon-1", Arrays.copyOf(bytes, bytes.length - 1)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aRecordWithoutIdentityLinksIsReadAsOneWithNone() {
        UserRecord rich = richUser();
        UserRecord user = new UserRecord(rich.userId(), Memberships.NONE, UserRecord.NO_WAKE, rich.profile(), new RecentMessages());
        byte[] current = UserRecordCodec.encode(user);
        byte[] later = UserRecordCodec.encode(user, UserRecordCodec.FORMAT_WITHOUT_HISTORY_LENGTHS);
        // format, version 0, catalog 0, no memberships, no wake, the identity (one byte: no links), the aggregates
        // revision (one byte: 0): drop the last two
        assertThat(Arrays.copyOfRange(later, 0, 7)).containsExactly(UserRecordCodec.FORMAT_WITHOUT_HISTORY_LENGTHS, 0, 0, 0, 0, 0, 0);
        byte[] previous = new byte[later.length - 2];
        previous[0] = UserRecordCodec.FORMAT_WITHOUT_IDENTITY;
        System.arraycopy(later, 1, previous, 1, 4);
        System.arraycopy(later, 7, previous, 5, later.length - 7);

        UserRecord decoded = UserRecordCodec.decode(user.userId(), previous);

        assertThat(decoded.identity().isEmpty()).isTrue();
        assertSameReads(decoded, user, RandomUsers.START);
        assertThat(UserRecordCodec.encode(decoded)).isEqualTo(current);
    }

    @Test
    void aRecordWithoutAggregatesRevisionIsReadAsReconciledWithNone() {
        UserRecord user = richUser();
        user.profile().aggregatesRevision(300);
        byte[] current = UserRecordCodec.encode(user, UserRecordCodec.FORMAT_WITHOUT_HISTORY_LENGTHS);
        UserRecord withoutRevision = UserRecordCodec.decode(user.userId(), current);
        withoutRevision.profile().aggregatesRevision(0);
        byte[] zero = UserRecordCodec.encode(withoutRevision, UserRecordCodec.FORMAT_WITHOUT_HISTORY_LENGTHS);
        // 300 takes two varint bytes, 0 one: the format before wrote neither
        int at = indexOfRevision(zero, current);
        byte[] previous = new byte[zero.length - 1];
        System.arraycopy(zero, 0, previous, 0, at);
        System.arraycopy(zero, at + 1, previous, at, zero.length - at - 1);
        previous[0] = UserRecordCodec.FORMAT_WITHOUT_AGGREGATES_REVISION;

        UserRecord decoded = UserRecordCodec.decode(user.userId(), previous);

        assertThat(UserRecordCodec.decode(user.userId(), current).profile().aggregatesRevision()).isEqualTo(300);
        assertThat(decoded.profile().aggregatesRevision()).isZero();
        assertSameReads(decoded, user, RandomUsers.START);
        assertThat(UserRecordCodec.encode(decoded)).isEqualTo(UserRecordCodec.encode(withoutRevision));
    }

    /** Where two encodings that differ only in the aggregates revision (0 and a two-byte one) first differ. */
    private static int indexOfRevision(byte[] zero, byte[] twoBytes) {
        int at = 0;
        while (zero[at] == twoBytes[at]) {
            at++;
        }
        return at;
    }

    @Test
    void aUserWithoutAStoredValueHasNoMemberships() {
        assertThat(UserRecordCodec.memberships(null)).isEqualTo(Memberships.NONE);
    }

    @Test
    void everyTruncatedValueIsAnIllegalArgument() {
        byte[] bytes = UserRecordCodec.encode(richUser());

        for (int length = 0; length < bytes.length; length++) {
            byte[] truncated = Arrays.copyOf(bytes, length);
            assertThatThrownBy(() -> UserRecordCodec.decode("u", truncated)).as("cut to %d of %d bytes", length, bytes.length)
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void aRecordAtTheStartOfALargerBufferDecodesFromItsLengthAlone() {
        forEachSeed(seed -> {
            byte[] bytes = UserRecordCodec.encode(new RandomUsers(new Random(seed), "u" + seed).user());
            byte[] buffer = Arrays.copyOf(bytes, bytes.length + 40);
            Arrays.fill(buffer, bytes.length, buffer.length, (byte) 0x81); // what a longer, earlier value left

            assertThat(UserRecordCodec.encode(UserRecordCodec.decode("u" + seed, buffer, bytes.length))).isEqualTo(bytes);
        });
    }

    @Test
    void aLengthShortOfTheRecordIsAnIllegalArgumentWhateverTheBufferHoldsBeyond() {
        byte[] bytes = UserRecordCodec.encode(richUser());

        for (int length = 0; length < bytes.length; length++) {
            int cut = length;
            assertThatThrownBy(() -> UserRecordCodec.decode("u", bytes, cut)).as("cut to %d of %d bytes", cut, bytes.length)
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void anUnknownFormatIsAnIllegalArgument() {
        byte[] bytes = UserRecordCodec.encode(richUser());
        bytes[0] = 9;

        assertThatThrownBy(() -> UserRecordCodec.decode("u", bytes)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("format");
        assertThatThrownBy(() -> UserRecordCodec.memberships(bytes)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aDamagedByteAnywhereDecodesOrIsAnIllegalArgument() {
        byte[] bytes = UserRecordCodec.encode(richUser());

        for (int at = 0; at < bytes.length; at++) {
            for (int damage : new int[] {0x00, 0x04, 0x7F, 0x80, 0xFF, bytes[at] ^ 0x01, bytes[at] ^ 0x40}) {
                byte[] damaged = bytes.clone();
                damaged[at] = (byte) damage;
                try {
                    UserRecordCodec.decode("u", damaged);
                } catch (IllegalArgumentException expected) {
                    // refused: what a caller can handle
                } catch (RuntimeException e) {
                    fail("byte %d of %d set to 0x%02X: %s".formatted(at, bytes.length, damage & 0xFF, e), e);
                }
            }
        }
    }

    @Test
    void aRecordNamingOneSegmentTwiceIsAnIllegalArgument() {
        UserRecord user = richUser();
        user.memberships(new Memberships(Map.of("segment-first", Instant.ofEpochSecond(1_700_000_000L),
                "segment-other", Instant.ofEpochSecond(1_700_000_600L)), 7, 3));
        byte[] bytes = UserRecordCodec.encode(user);
        byte[] damaged = bytes.clone();
        byte[] other = "segment-other".getBytes(StandardCharsets.UTF_8);
        byte[] first = "segment-first".getBytes(StandardCharsets.UTF_8);
        int at = indexOf(damaged, other);
        System.arraycopy(first, 0, damaged, at, first.length); // same length: the record still parses

        assertThat(UserRecordCodec.decode("u", bytes).memberships().since()).hasSize(2);
        assertThatThrownBy(() -> UserRecordCodec.decode("u", damaged)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("segment-first");
        assertThatThrownBy(() -> UserRecordCodec.memberships(damaged)).isInstanceOf(IllegalArgumentException.class);
    }

    private static int indexOf(byte[] bytes, byte[] part) {
        for (int at = 0; at + part.length <= bytes.length; at++) {
            if (Arrays.equals(bytes, at, at + part.length, part, 0, part.length)) {
                return at;
            }
        }
        throw new AssertionError("not in the record");
    }

    /** A user with every kind of data: many events, buckets, aggregates, latest values, traits and memberships. */
    private static UserRecord richUser() {
        for (long seed = 0; seed < 1_000; seed++) {
            UserRecord user = new RandomUsers(new Random(seed), "u").user(300);
            Profile profile = user.profile();
            if (profile.bucketCount() > 20 && !profile.traits().isEmpty() && profile.aggregates().size() >= 2
                    && profile.lastValue("page", "path").isPresent() && user.memberships().since().size() >= 2
                    && user.recent().size() > 10) {
                return user;
            }
        }
        throw new AssertionError("no seed makes a rich user");
    }

    private interface SeededCheck {
        void check(long seed);
    }

    /** Runs the check for seeds 0 … TRIES-1; a failure names its seed ({@code new RandomUsers(new Random(seed), …)}). */
    private static void forEachSeed(SeededCheck check) {
        for (long seed = 0; seed < TRIES; seed++) {
            try {
                check.check(seed);
            } catch (AssertionError | RuntimeException e) {
                throw new AssertionError("fails for seed " + seed + ": " + e.getMessage(), e);
            }
        }
    }

    /** Reports only the reads that differ: a user answers a few thousand. */
    private static void assertSameReads(UserRecord actual, UserRecord expected, long clock) {
        Map<String, Object> actualReads = reads(actual, clock);
        Map<String, Object> differing = new TreeMap<>();
        reads(expected, clock).forEach((read, value) -> {
            if (!value.equals(actualReads.get(read))) {
                differing.put(read, "expected " + value + ", was " + actualReads.get(read));
            }
        });
        assertThat(differing).as("reads that differ").isEmpty();
    }

    /**
     * The parts of a windowed aggregate segments can read: its count, and of sum, min and max those some segment
     * reads (the others are not stored).
     */
    private static List<Object> readParts(Aggregate aggregate, int stats) {
        List<Object> parts = new ArrayList<>(List.of(aggregate.n()));
        if ((stats & Aggregate.STAT_SUM) != 0) {
            parts.add(aggregate.sum());
        }
        if ((stats & Aggregate.STAT_MIN) != 0) {
            parts.add(aggregate.min());
        }
        if ((stats & Aggregate.STAT_MAX) != 0) {
            parts.add(aggregate.max());
        }
        return parts;
    }

    /** Every read of the user, keyed by what was read, at a few instants from the last event on. */
    private static Map<String, Object> reads(UserRecord user, long clock) {
        Profile profile = user.profile();
        Map<String, Object> reads = new LinkedHashMap<>();
        reads.put("userId", profile.userId());
        reads.put("memberships", user.memberships());
        reads.put("memberships in order", user.memberships().sorted().toString());
        reads.put("scheduledWake", user.scheduledWake());
        reads.put("recent messages", user.recent().size());
        reads.put("traits", profile.traits());
        reads.put("traitJson", profile.traitJson());
        reads.put("totalEvents", profile.totalEvents());
        reads.put("counts", profile.counts());
        reads.put("aggregates", profile.aggregates());
        reads.put("lastSeenByEvent", profile.lastSeenByEvent());
        reads.put("bucketCount", profile.bucketCount());
        reads.put("firstSeen", profile.firstSeen());
        reads.put("lastSeen", profile.lastSeen());
        long[] nows = {clock, clock + 45_000, clock + 5_400_000, clock + 40L * 86_400_000};
        for (long now : nows) {
            reads.put("score@" + now, profile.score(RandomUsers.SCORING, now));
        }
        for (double threshold : SCORE_THRESHOLDS) {
            reads.put("scoreCrossing " + threshold, profile.scoreCrossing(RandomUsers.SCORING, threshold));
        }
        List<String> names = Stream.concat(RandomUsers.EVENT_NAMES.stream(), Stream.of("never")).toList();
        for (String event : names) {
            reads.put("count " + event, profile.count(event));
            reads.put("firstSeen " + event, profile.firstSeen(event));
            reads.put("lastSeen " + event, profile.lastSeen(event));
            for (String property : RandomUsers.PROPERTIES) {
                reads.put("aggregate " + event + "." + property, profile.aggregate(event, property));
                reads.put("lastValue " + event + "." + property, profile.lastValue(event, property));
            }
            for (Window window : WINDOWS) {
                for (long now : nows) {
                    String at = " " + window.text() + "@" + now;
                    reads.put("count " + event + at, profile.count(event, window, now));
                    reads.put("nextWindowChange " + event + at, profile.nextWindowChange(event, null, window, now));
                    for (String property : List.of("price", "quantity", "none")) {
                        reads.put("aggregate " + event + "." + property + at, readParts(
                                profile.aggregate(event, property, window, now),
                                RandomUsers.NEEDS.windowStats(new Reads.PropertyRef(event, property))));
                        reads.put("nextWindowChange " + event + "." + property + at,
                                profile.nextWindowChange(event, property, window, now));
                    }
                }
            }
        }
        return reads;
    }
}
