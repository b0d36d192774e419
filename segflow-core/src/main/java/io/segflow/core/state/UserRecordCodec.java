package io.segflow.core.state;

import io.segflow.core.membership.Memberships;
import io.segflow.core.profile.Profile;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * The stored form of a {@link UserRecord}: a format byte, then the memberships (first, so that readers of
 * memberships stop there), the scheduled wake, the profile and the recent messageIds; numbers as varints.
 */
public final class UserRecordCodec {
    static final int FORMAT = 2;
    /** The format before bucket series were anchored at their event's last time; still read. */
    static final int FORMAT_UNANCHORED = 1;

    private UserRecordCodec() {
    }

    public static byte[] encode(UserRecord record) {
        CompactWriter out = new CompactWriter(512);
        out.writeByte(FORMAT);
        writeMemberships(out, record.memberships());
        out.writeVarLong(record.scheduledWake());
        record.profile().writeTo(out);
        record.recent().writeTo(out);
        return out.toByteArray();
    }

    public static UserRecord decode(String userId, byte[] value) {
        CompactReader in = reader(value);
        boolean anchored = value[0] != FORMAT_UNANCHORED;
        Memberships memberships = readMemberships(in);
        long wake = in.readVarLong();
        Profile profile = Profile.readFrom(userId, in, anchored);
        RecentMessages recent = RecentMessages.readFrom(in);
        if (!in.atEnd()) {
            throw new IllegalArgumentException("user record of " + userId + " has bytes after its end");
        }
        return new UserRecord(userId, memberships, wake, profile, recent);
    }

    /** Only the memberships: what the api-function answers front-ends with. */
    public static Memberships memberships(byte[] value) {
        return value == null ? Memberships.NONE : readMemberships(reader(value));
    }

    private static CompactReader reader(byte[] value) {
        CompactReader in = new CompactReader(value);
        int format = in.readByte();
        if (format != FORMAT && format != FORMAT_UNANCHORED) {
            throw new IllegalArgumentException("unknown user record format " + format);
        }
        return in;
    }

    private static void writeMemberships(CompactWriter out, Memberships memberships) {
        out.writeVarLong(memberships.version());
        out.writeVarLong(memberships.catalogRevision());
        out.writeVarLong(memberships.since().size());
        // Sorted: the map's own order depends on how it was built, and one user must always encode to the same bytes.
        long previous = 0;
        for (Map.Entry<String, Instant> member : memberships.sorted().entrySet()) {
            out.writeString(member.getKey());
            long since = member.getValue().toEpochMilli();
            out.writeSignedVarLong(since - previous); // entries mostly close in time: deltas are short
            previous = since;
        }
    }

    private static Memberships readMemberships(CompactReader in) {
        long version = in.readVarLong();
        long catalog = in.readVarLong();
        int n = in.readCount();
        Map<String, Instant> since = new HashMap<>(n * 2);
        long previous = 0;
        for (int i = 0; i < n; i++) {
            String segment = in.readString();
            previous += in.readSignedVarLong();
            since.put(segment, Instant.ofEpochMilli(previous));
        }
        return new Memberships(since, version, catalog);
    }
}
