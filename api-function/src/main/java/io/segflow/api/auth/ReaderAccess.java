package io.segflow.api.auth;

import io.segflow.api.ApiConfig;
import io.segflow.api.ApiException;
import io.segflow.api.users.UserIds;
import io.segflow.core.api.ErrorBody;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.Response;

/**
 * Decides who may read a user's segments. A backend reads any user with the admin key or a server key in the
 * {@code Authorization} header (never in the URL, where keys end up in logs). A browser's user token comes as
 * {@code Authorization: Bearer <token>}, or as the {@code access_token} query parameter where a browser cannot set
 * headers (EventSource, WebSocket). A token for user A never reads user B (403); without a token, reads pass only
 * where tokens are not required.
 */
@ApplicationScoped
public class ReaderAccess {
    public static final String TOKEN_QUERY_PARAMETER = "access_token";
    private static final String BEARER = "Bearer ";

    private final UserTokens tokens;
    private final ApiKeys keys;
    private final ApiConfig config;

    ReaderAccess(UserTokens tokens, ApiKeys keys, ApiConfig config) {
        this.tokens = tokens;
        this.keys = keys;
        this.config = config;
    }

    /** The reader of {@code userId} (checked first: 400 for an id the API does not take), or the refusal to answer. */
    public Reader authorize(String userId, String authorizationHeader, String queryToken) {
        UserIds.checked(userId);
        if (keys.holder(authorizationHeader) != ApiKeys.Holder.NONE) {
            return Reader.unrestricted(userId);
        }
        String token = token(authorizationHeader, queryToken);
        if (token == null) {
            if (config.tokens().required()) {
                throw UserTokens.unauthorized("a user token is required: 'Authorization: Bearer <token>' or ?access_token=");
            }
            return Reader.unrestricted(userId);
        }
        UserToken grant = tokens.verify(token);
        if (!grant.userId().equals(userId)) {
            throw new ApiException(Response.Status.FORBIDDEN, ErrorBody.of("forbidden", "userId", "the token is for another user"));
        }
        return new Reader(userId, grant.segments());
    }

    private static String token(String authorizationHeader, String queryToken) {
        if (authorizationHeader != null && !authorizationHeader.isBlank()) {
            if (!authorizationHeader.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
                throw UserTokens.unauthorized("Authorization must be 'Bearer <token>'");
            }
            return authorizationHeader.substring(BEARER.length()).trim();
        }
        return queryToken == null || queryToken.isBlank() ? null : queryToken;
    }
}
