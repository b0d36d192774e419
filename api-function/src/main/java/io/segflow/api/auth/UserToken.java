package io.segflow.api.auth;

import java.time.Instant;
import java.util.Optional;
import java.util.Set;

/**
 * What a verified user token allows: reading one user's segments, all of them or only the allow-listed ones.
 *
 * @param segments the allow-list ({@code segments} claim), empty when every segment may be shown
 */
public record UserToken(String userId, Optional<Set<String>> segments, Instant expiresAt) {
}
