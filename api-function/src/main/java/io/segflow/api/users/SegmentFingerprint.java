package io.segflow.api.users;

/**
 * A short fingerprint of a set of segment ids, for the ETag of membership reads and the ids of push events: two answers
 * of one version with other segments (other allow-lists; a user erased and seen again, whose versions start again from
 * 1) never share it. 32-bit FNV-1a over the UTF-16 code units of the ids in sorted order, each followed by a line feed,
 * as 8 lower-case hex digits: cheap, and the same in JavaScript (segflow.js).
 */
public final class SegmentFingerprint {
    private static final int LENGTH = 8;

    private SegmentFingerprint() {
    }

    /** The fingerprint of {@code sortedIds}, which must be in sorted order (as answered). */
    public static String of(Iterable<String> sortedIds) {
        int hash = OFFSET_BASIS;
        for (String id : sortedIds) {
            hash = add(hash, id);
        }
        return hex(hash);
    }

    /** The fingerprint of the segments of an answer (sorted already); every membership read takes one, so no copy. */
    public static String of(UserState.UserSegments segments) {
        int hash = OFFSET_BASIS;
        for (UserState.Membership membership : segments.segments()) {
            hash = add(hash, membership.id());
        }
        return hex(hash);
    }

    private static final int OFFSET_BASIS = 0x811c9dc5;

    private static int add(int hash, String id) {
        for (int i = 0; i < id.length(); i++) {
            hash = (hash ^ id.charAt(i)) * 0x01000193;
        }
        return (hash ^ '\n') * 0x01000193;
    }

    private static String hex(int hash) {
        String hex = Integer.toHexString(hash); // per read: not String.format's parsing
        return "0".repeat(LENGTH - hex.length()) + hex;
    }

    /** Whether {@code text} is written as {@link #of} writes a fingerprint. */
    public static boolean isFingerprint(String text) {
        return text.length() == LENGTH && text.chars().allMatch(c -> c >= '0' && c <= '9' || c >= 'a' && c <= 'f');
    }
}
