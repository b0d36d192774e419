package io.segflow.api.auth;

import java.util.Optional;
import java.util.Set;

/**
 * Who reads a user's segments, after authentication: the user itself (with its token's allow-list), a backend
 * with the admin or a server key, or an anonymous reader where tokens are not required.
 */
public record Reader(String userId, Optional<Set<String>> allowList) {

    public static Reader unrestricted(String userId) {
        return new Reader(userId, Optional.empty());
    }

    public boolean maySee(String segmentId) {
        return allowList.map(allowed -> allowed.contains(segmentId)).orElse(true);
    }
}
