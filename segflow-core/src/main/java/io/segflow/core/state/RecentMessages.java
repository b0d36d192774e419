package io.segflow.core.state;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The messageIds of a user's recent events, so that an SDK retry within the dedup window counts once: 64-bit hashes
 * grouped by the hour they were applied in (about 8 bytes per event, plus two small varints per hour). Hours older
 * than the window are dropped on the next check, so a message is remembered for the window and at most an hour more.
 * Two distinct messageIds of one user collide with probability about n²/2⁶⁵ for n events in the window
 * (5·10⁻¹⁴ for a user with a thousand events a day): such an event would be taken for a retry.
 */
public final class RecentMessages {
    private static final long HOUR_MILLIS = 3_600_000L;

    /** Hours ascending; each with the hashes of the messages applied in it. */
    private final List<Hour> hours = new ArrayList<>(2);

    private static final class Hour {
        final long hour;
        long[] hashes;
        int size;

        Hour(long hour, int capacity) {
            this.hour = hour;
            this.hashes = new long[Math.max(capacity, 2)];
        }

        boolean contains(long hash) {
            for (int i = 0; i < size; i++) {
                if (hashes[i] == hash) {
                    return true;
                }
            }
            return false;
        }

        void add(long hash) {
            if (size == hashes.length) {
                hashes = Arrays.copyOf(hashes, size * 2);
            }
            hashes[size++] = hash;
        }
    }

    /**
     * Whether {@code messageId} was applied within the window; if not, remembers it as applied at {@code nowMillis}.
     */
    public boolean checkAndRemember(String messageId, long nowMillis, long windowMillis) {
        forgetBefore(Math.floorDiv(nowMillis - windowMillis, HOUR_MILLIS));
        long hash = hash(messageId);
        for (Hour hour : hours) {
            if (hour.contains(hash)) {
                return true;
            }
        }
        long current = Math.floorDiv(nowMillis, HOUR_MILLIS);
        Hour last = hours.isEmpty() ? null : hours.get(hours.size() - 1);
        if (last == null || last.hour < current) {
            last = new Hour(current, 4);
            hours.add(last);
        }
        last.add(hash);
        return false;
    }

    /**
     * Adds the messages {@code other} remembers (an anonymous id's, once linked to this user), so that an SDK retry of
     * one of its events is still recognised here. Hours stay ascending (forgetting drops them from the front); a
     * message both remember is kept once, in the later of its hours, so it is remembered as long as either side
     * would. Old hours are dropped by the next check, as usual. {@code other} is left as it was.
     */
    public void mergeFrom(RecentMessages other) {
        if (other == this || other.hours.isEmpty()) {
            return;
        }
        TreeMap<Long, List<Hour>> byHour = new TreeMap<>();
        for (RecentMessages side : List.of(this, other)) {
            side.hours.forEach(hour -> byHour.computeIfAbsent(hour.hour, h -> new ArrayList<>(2)).add(hour));
        }
        // From the newest hour back, so that a message both remember stays in its later hour.
        Set<Long> kept = new HashSet<>();
        List<Hour> merged = new ArrayList<>(byHour.size());
        for (Map.Entry<Long, List<Hour>> entry : byHour.descendingMap().entrySet()) {
            Hour union = new Hour(entry.getKey(), entry.getValue().stream().mapToInt(hour -> hour.size).sum());
            for (Hour hour : entry.getValue()) {
                for (int i = 0; i < hour.size; i++) {
                    if (kept.add(hour.hashes[i])) {
                        union.add(hour.hashes[i]);
                    }
                }
            }
            if (union.size > 0) {
                merged.add(union);
            }
        }
        hours.clear();
        hours.addAll(merged.reversed());
    }

    private void forgetBefore(long oldestHour) {
        while (!hours.isEmpty() && hours.get(0).hour < oldestHour) {
            hours.remove(0);
        }
    }

    /** Messages remembered, for size accounting. */
    public int size() {
        int total = 0;
        for (Hour hour : hours) {
            total += hour.size;
        }
        return total;
    }

    /**
     * FNV-1a over the UTF-8 bytes, then MurmurHash3's 64-bit finalizer to spread the bits. Stored in user records,
     * so it never changes; also a well-spread in-memory key for any id. The bytes are those of
     * {@code getBytes(UTF_8)} (an unpaired surrogate is {@code '?'}), encoded as they are hashed: this runs for every
     * event and for every lookup of a user in memory, so it makes no array.
     */
    public static long hash(String messageId) {
        long h = FNV_OFFSET;
        int length = messageId.length();
        for (int i = 0; i < length; i++) {
            char c = messageId.charAt(i);
            if (c < 0x80) {
                h = fnv(h, c);
            } else if (c < 0x800) {
                h = fnv(fnv(h, 0xC0 | c >> 6), 0x80 | c & 0x3F);
            } else if (!Character.isSurrogate(c)) {
                h = fnv(fnv(fnv(h, 0xE0 | c >> 12), 0x80 | c >> 6 & 0x3F), 0x80 | c & 0x3F);
            } else if (Character.isHighSurrogate(c) && i + 1 < length && Character.isLowSurrogate(messageId.charAt(i + 1))) {
                int codePoint = Character.toCodePoint(c, messageId.charAt(++i));
                h = fnv(fnv(fnv(fnv(h, 0xF0 | codePoint >> 18), 0x80 | codePoint >> 12 & 0x3F),
                        0x80 | codePoint >> 6 & 0x3F), 0x80 | codePoint & 0x3F);
            } else {
                h = fnv(h, '?');
            }
        }
        return spread(h);
    }

    static final long FNV_OFFSET = 0xcbf29ce484222325L;

    static long fnv(long h, int utf8Byte) {
        return (h ^ utf8Byte) * 0x100000001b3L;
    }

    /** MurmurHash3's 64-bit finalizer. */
    static long spread(long h) {
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h;
    }

    void writeTo(CompactWriter out) {
        out.writeVarLong(hours.size());
        long previous = 0;
        for (Hour hour : hours) {
            out.writeVarLong(hour.hour - previous);
            previous = hour.hour;
            out.writeVarLong(hour.size);
            for (int i = 0; i < hour.size; i++) {
                out.writeFixedLong(hour.hashes[i]);
            }
        }
    }

    static RecentMessages readFrom(CompactReader in) {
        RecentMessages recent = new RecentMessages();
        long previous = 0;
        for (int h = in.readCount(); h > 0; h--) {
            previous += in.readVarLong();
            int size = in.readCount();
            // The last hour gets room for one more: the event being applied most often lands in it.
            Hour hour = new Hour(previous, h == 1 ? size + 1 : size);
            for (int i = 0; i < size; i++) {
                hour.add(in.readFixedLong());
            }
            recent.hours.add(hour);
        }
        return recent;
    }
}
