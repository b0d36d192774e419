package io.segflow.api.users;

import io.segflow.api.ApiException;

/** User ids as the API accepts them: what SDKs send, within a length that keeps Redis keys small. */
public final class UserIds {
    public static final int MAX_LENGTH = 256;

    private UserIds() {
    }

    public static String checked(String userId) {
        if (userId == null || userId.isBlank() || userId.length() > MAX_LENGTH) {
            throw ApiException.badRequest("userId", "must be 1 to " + MAX_LENGTH + " characters");
        }
        return userId;
    }
}
