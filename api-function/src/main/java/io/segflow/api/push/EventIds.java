package io.segflow.api.push;

import io.segflow.api.users.SegmentFingerprint;
import io.segflow.api.users.UserIds;
import java.util.Optional;

/**
 * The ids of push events: the membership version and the fingerprint of the segment ids the client holds after the
 * event ({@link SegmentFingerprint}, as in the ETag), {@code 7.8cf2511a}, while a stream serves the id it was opened
 * on; once that id was merged into another user, whose changes the stream then carries, {@code @<that user's id,
 * URI-encoded>} follows ({@code 3.8cf2511a@u1}), since the two users' versions are unrelated. The fingerprint tells a
 * resumed stream whether the client holds the current segments: an erased user's versions start again from 1.
 * {@code Last-Event-ID} is read the same way: a version without a user is one of the id the stream is opened on, and
 * one without a fingerprint (a client of ids without them) resumes nothing.
 */
final class EventIds {

    /** Where a client resumes: a version of {@code userId}, with the fingerprint of its segments (null: unknown). */
    record Resume(String userId, long version, String fingerprint) {

        /** Whether the client holds exactly {@code current}: then nothing needs to be sent again. */
        boolean holds(String currentUserId, long currentVersion, String currentFingerprint) {
            return userId.equals(currentUserId) && version == currentVersion && currentFingerprint.equals(fingerprint);
        }
    }

    private EventIds() {
    }

    static String of(String requestedId, String userId, long version, String fingerprint) {
        String id = version + "." + fingerprint;
        return requestedId.equals(userId) ? id : id + "@" + UserIds.encoded(userId);
    }

    /** Empty for no (or a blank) id; IllegalArgumentException for text {@link #of} does not write. */
    static Optional<Resume> parse(String requestedId, String lastEventId) {
        if (lastEventId == null || lastEventId.isBlank()) {
            return Optional.empty();
        }
        String text = lastEventId.trim();
        int at = text.indexOf('@');
        String user = at < 0 ? requestedId : UserIds.decoded(text.substring(at + 1));
        String head = at < 0 ? text : text.substring(0, at);
        int dot = head.indexOf('.');
        String version = dot < 0 ? head : head.substring(0, dot);
        String fingerprint = dot < 0 ? null : head.substring(dot + 1);
        if (user.isEmpty() || version.isEmpty() || !version.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new IllegalArgumentException("not a version");
        }
        if (fingerprint != null && !SegmentFingerprint.isFingerprint(fingerprint)) {
            throw new IllegalArgumentException("not a fingerprint");
        }
        return Optional.of(new Resume(user, Long.parseLong(version), fingerprint));
    }
}
