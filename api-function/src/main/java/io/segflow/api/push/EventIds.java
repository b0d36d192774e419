package io.segflow.api.push;

import io.segflow.api.users.UserIds;
import java.util.Optional;

/**
 * The ids of push events: the membership version, {@code 7}, while a stream serves the id it was opened on; once that
 * id was merged into another user, whose changes the stream then carries, {@code <version>@<that user's id,
 * URI-encoded>} ({@code 3@u1}), since the two users' versions are unrelated. {@code Last-Event-ID} is read the same
 * way: a plain version is one of the id the stream is opened on.
 */
final class EventIds {

    /** Where a client resumes: a version of {@code userId}. */
    record Resume(String userId, long version) {
    }

    private EventIds() {
    }

    static String of(String requestedId, String userId, long version) {
        return requestedId.equals(userId) ? Long.toString(version) : version + "@" + UserIds.encoded(userId);
    }

    /** Empty for no (or a blank) id; IllegalArgumentException for text {@link #of} does not write. */
    static Optional<Resume> parse(String requestedId, String lastEventId) {
        if (lastEventId == null || lastEventId.isBlank()) {
            return Optional.empty();
        }
        String text = lastEventId.trim();
        int at = text.indexOf('@');
        String user = at < 0 ? requestedId : UserIds.decoded(text.substring(at + 1));
        String version = at < 0 ? text : text.substring(0, at);
        if (user.isEmpty() || version.isEmpty() || !version.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new IllegalArgumentException("not a version");
        }
        return Optional.of(new Resume(user, Long.parseLong(version)));
    }
}
