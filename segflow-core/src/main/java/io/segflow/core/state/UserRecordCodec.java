package io.segflow.core.state;

import io.segflow.core.identity.Identity;
import io.segflow.core.membership.Memberships;
import io.segflow.core.profile.Profile;
import java.time.Instant;
import java.util.Map;

/**
 * The stored form of a {@link UserRecord}: a format byte, then the memberships (first, so that readers of
 * memberships stop there), the scheduled wake, the identity links, the catalog revision the profile's property values
 * were reconciled with, the profile (each event's history preceded by its length: decoded when first read, and written
 * back as it was read when nothing read it) and the recent messageIds; numbers as
 * varints. An id merged into another is stored as its forward only: the format byte {@link #FORWARD}, the last
 * membership version and the id it was merged into.
 */
public final class UserRecordCodec {
    public static final int FORMAT = 5;
    /**
     * Before each event's history was preceded by its length (and decoded only when read): decoded at once. Still
     * written on request, for readers that know no later format (a rolling upgrade from such a version).
     */
    public static final int FORMAT_WITHOUT_HISTORY_LENGTHS = 4;
    /**
     * Before property values recorded the catalog revision they were reconciled with (read as revision 0) and latest
     * values their replay mark (read as live).
     */
    static final int FORMAT_WITHOUT_AGGREGATES_REVISION = 3;
    /** Before identity links: read as a user with none. */
    static final int FORMAT_WITHOUT_IDENTITY = 2;
    /** Before bucket series were anchored at their event's last time (and before identity links); still read. */
    static final int FORMAT_UNANCHORED = 1;
    static final int FORWARD = 16;

    /** Typical records take about a kilobyte: one buffer per thread (the engine's), reused, instead of three a record. */
    private static final int WRITER_CAPACITY = 4 * 1024;
    private static final int WRITER_MAX_KEPT = 64 * 1024;
    private static final ThreadLocal<CompactWriter> WRITERS = ThreadLocal.withInitial(() -> new CompactWriter(WRITER_CAPACITY));

    private UserRecordCodec() {
    }

    public static byte[] encode(UserRecord record) {
        return encode(record, FORMAT);
    }

    /** In {@link #FORMAT} or {@link #FORMAT_WITHOUT_HISTORY_LENGTHS}, the format before. */
    public static byte[] encode(UserRecord record, int format) {
        if (format != FORMAT && format != FORMAT_WITHOUT_HISTORY_LENGTHS) {
            throw new IllegalArgumentException("user records are written in format " + FORMAT + " or "
                    + FORMAT_WITHOUT_HISTORY_LENGTHS + ", not " + format);
        }
        CompactWriter out = WRITERS.get();
        out.reset(WRITER_MAX_KEPT);
        if (record.isForward()) {
            out.writeByte(FORWARD);
            out.writeVarLong(record.memberships().version());
            out.writeString(record.mergedInto());
            return out.toByteArray();
        }
        out.writeByte(format);
        writeMemberships(out, record.memberships());
        out.writeVarLong(record.scheduledWake());
        record.identity().writeTo(out);
        out.writeVarLong(record.profile().aggregatesRevision());
        record.profile().writeTo(out, format == FORMAT);
        record.recent().writeTo(out);
        return out.toByteArray();
    }

    public static UserRecord decode(String userId, byte[] value) {
        return decode(userId, value, value.length);
    }

    /** Decodes the first {@code length} bytes of {@code value}: a record kept in a larger buffer. */
    public static UserRecord decode(String userId, byte[] value, int length) {
        return decode(userId, value, length, false);
    }

    /**
     * As {@link #decode(String, byte[], int)}, each event's history left as its bytes until something reads it: a
     * round reads one or two of a user's event names, and decoding all of them would be most of what it spends and
     * allocates per user. Only for bytes this process encoded itself (the engine's memory): damage in a history would
     * show only when it is read, where {@link #decode} refuses the record at once.
     */
    public static UserRecord decodeOwn(String userId, byte[] value, int length) {
        return decode(userId, value, length, true);
    }

    private static UserRecord decode(String userId, byte[] value, int length, boolean lazily) {
        CompactReader in = reader(value, length);
        if (value[0] == FORWARD) {
            long version = in.readVarLong();
            String into = in.readString();
            if (!in.atEnd()) {
                throw new IllegalArgumentException("forward of " + userId + " has bytes after its end");
            }
            return UserRecord.forward(userId, version, into);
        }
        boolean anchored = value[0] != FORMAT_UNANCHORED;
        Memberships memberships = readMemberships(in);
        long wake = in.readVarLong();
        Identity identity = value[0] >= FORMAT_WITHOUT_AGGREGATES_REVISION ? Identity.readFrom(in) : new Identity();
        long aggregatesRevision = value[0] >= FORMAT_WITHOUT_HISTORY_LENGTHS ? in.readVarLong() : 0;
        Profile profile = Profile.readFrom(userId, in, anchored, value[0] >= FORMAT_WITHOUT_HISTORY_LENGTHS, value[0] == FORMAT,
                lazily);
        profile.aggregatesRevision(aggregatesRevision);
        RecentMessages recent = RecentMessages.readFrom(in);
        if (!in.atEnd()) {
            throw new IllegalArgumentException("user record of " + userId + " has bytes after its end");
        }
        return new UserRecord(userId, memberships, wake, identity, profile, recent);
    }

    /**
     * Only the memberships: what the api-function answers front-ends with. A forward has none (see
     * {@link #mergedInto}: the memberships to answer are the other id's).
     */
    public static Memberships memberships(byte[] value) {
        if (value == null) {
            return Memberships.NONE;
        }
        CompactReader in = reader(value);
        return value[0] == FORWARD ? new Memberships(Map.of(), in.readVarLong()) : readMemberships(in);
    }

    /** The id a stored record was merged into, or null when it is a profile of its own (or absent). */
    public static String mergedInto(byte[] value) {
        if (value == null || value.length == 0 || value[0] != FORWARD) {
            return null;
        }
        CompactReader in = reader(value);
        in.readVarLong();
        return in.readString();
    }

    private static CompactReader reader(byte[] value) {
        return reader(value, value.length);
    }

    private static CompactReader reader(byte[] value, int length) {
        CompactReader in = new CompactReader(value, length);
        int format = in.readByte();
        if (format != FORMAT && format != FORMAT_WITHOUT_HISTORY_LENGTHS && format != FORMAT_WITHOUT_AGGREGATES_REVISION && format != FORMAT_WITHOUT_IDENTITY && format != FORMAT_UNANCHORED && format != FORWARD) {
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
        for (String segment : memberships.sortedIds()) {
            out.writeString(segment);
            long since = memberships.since().get(segment).toEpochMilli();
            out.writeSignedVarLong(since - previous); // entries mostly close in time: deltas are short
            previous = since;
        }
    }

    private static Memberships readMemberships(CompactReader in) {
        long version = in.readVarLong();
        long catalog = in.readVarLong();
        int n = in.readCount();
        // Straight into the immutable map Memberships keeps (it copies any other map): a decoded user's memberships
        // are built once per round. A segment stored twice makes Map.ofEntries throw, as a damaged record should.
        @SuppressWarnings("unchecked")
        Map.Entry<String, Instant>[] since = new Map.Entry[n];
        long previous = 0;
        for (int i = 0; i < n; i++) {
            String segment = in.readString();
            previous += in.readSignedVarLong();
            since[i] = Map.entry(segment, Instant.ofEpochMilli(previous));
        }
        return new Memberships(Map.ofEntries(since), version, catalog);
    }
}
