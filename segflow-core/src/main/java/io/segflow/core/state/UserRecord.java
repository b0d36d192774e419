package io.segflow.core.state;

import io.segflow.core.membership.Memberships;
import io.segflow.core.profile.Profile;

/**
 * Everything segment-function keeps of one user, stored as one compact value ({@link UserRecordCodec}): the
 * memberships (what front-ends read), the time of its scheduled wake, the profile, and the messageIds of its recent
 * events. Owned by the instance that owns the user's partition of {@code segflow.events}: one writer per user.
 */
public final class UserRecord {
    /** No wake scheduled. */
    public static final long NO_WAKE = 0;

    private final String userId;
    private final Profile profile;
    private final RecentMessages recent;
    private Memberships memberships;
    private long scheduledWake;

    public UserRecord(String userId, Memberships memberships, long scheduledWake, Profile profile, RecentMessages recent) {
        this.userId = userId;
        this.memberships = memberships;
        this.scheduledWake = scheduledWake;
        this.profile = profile;
        this.recent = recent;
    }

    /** A user seen for the first time. */
    public static UserRecord empty(String userId) {
        return new UserRecord(userId, Memberships.NONE, NO_WAKE, new Profile(userId), new RecentMessages());
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

    public void scheduledWake(long wake) {
        this.scheduledWake = wake;
    }
}
