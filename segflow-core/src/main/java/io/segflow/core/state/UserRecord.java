package io.segflow.core.state;

import io.segflow.core.identity.Identity;
import io.segflow.core.membership.Memberships;
import io.segflow.core.profile.Profile;
import java.util.OptionalLong;

/**
 * Everything segment-function keeps of one user, stored as one compact value ({@link UserRecordCodec}): the
 * memberships (what front-ends read), the time of its scheduled wake, its identity links, the profile, and the
 * messageIds of its recent events. Owned by the instance that owns the user's partition of {@code segflow.events}: one
 * writer per user.
 *
 * <p>An id merged into another ({@link #mergedInto}) keeps only a forward: its memberships' last version and the id its
 * profile went to. Its later events are forwarded there.
 */
public final class UserRecord {
    /** No wake scheduled. */
    public static final long NO_WAKE = 0;

    private final String userId;
    private final Profile profile;
    private final RecentMessages recent;
    private final Identity identity;
    private final String mergedInto;
    private Memberships memberships;
    private long scheduledWake;

    public UserRecord(String userId, Memberships memberships, long scheduledWake, Profile profile, RecentMessages recent) {
        this(userId, memberships, scheduledWake, new Identity(), profile, recent);
    }

    public UserRecord(String userId, Memberships memberships, long scheduledWake, Identity identity, Profile profile,
                      RecentMessages recent) {
        this(userId, memberships, scheduledWake, identity, profile, recent, null);
    }

    private UserRecord(String userId, Memberships memberships, long scheduledWake, Identity identity, Profile profile,
                       RecentMessages recent, String mergedInto) {
        this.userId = userId;
        this.memberships = memberships;
        this.scheduledWake = scheduledWake;
        this.identity = identity;
        this.profile = profile;
        this.recent = recent;
        this.mergedInto = mergedInto;
    }

    /** A user seen for the first time. */
    public static UserRecord empty(String userId) {
        return new UserRecord(userId, Memberships.NONE, NO_WAKE, new Profile(userId), new RecentMessages());
    }

    /** What is left of an id merged into {@code into}: no memberships (their last version kept) and the forward. */
    public static UserRecord forward(String userId, long version, String into) {
        return new UserRecord(userId, new Memberships(java.util.Map.of(), version), NO_WAKE, new Identity(),
                new Profile(userId), new RecentMessages(), into);
    }

    /** The id this one was merged into, or null for a live profile. */
    public String mergedInto() {
        return mergedInto;
    }

    public boolean isForward() {
        return mergedInto != null;
    }

    public Identity identity() {
        return identity;
    }

    public String userId() {
        return userId;
    }

    public Profile profile() {
        return profile;
    }

    public RecentMessages recent() {
        return recent;
    }

    public Memberships memberships() {
        return memberships;
    }

    public void memberships(Memberships memberships) {
        this.memberships = memberships;
    }

    /** Epoch millis of the wake in the partition's schedule, or {@link #NO_WAKE}. */
    public long scheduledWake() {
        return scheduledWake;
    }

    /** The scheduled wake, or empty for {@link #NO_WAKE}. */
    public OptionalLong wakeIfScheduled() {
        return scheduledWake == NO_WAKE ? OptionalLong.empty() : OptionalLong.of(scheduledWake);
    }

    public void scheduledWake(long wake) {
        this.scheduledWake = wake;
    }
}
