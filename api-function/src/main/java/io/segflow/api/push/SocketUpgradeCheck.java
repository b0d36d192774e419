package io.segflow.api.push;

import io.quarkus.websockets.next.HttpUpgradeCheck;
import io.segflow.api.ApiException;
import io.segflow.api.auth.ReaderAccess;
import io.segflow.api.users.UserIds;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Checks the user token before the WebSocket upgrade; browsers pass it as {@code ?access_token=} since they
 * cannot set headers on a WebSocket.
 */
@ApplicationScoped
public class SocketUpgradeCheck implements HttpUpgradeCheck {
    private final ReaderAccess access;

    SocketUpgradeCheck(ReaderAccess access) {
        this.access = access;
    }

    @Override
    public Uni<CheckResult> perform(HttpUpgradeContext context) {
        try {
            var request = context.httpRequest();
            var reader = access.authorize(UserIds.checked(context.pathParam("userId")),
                    request.getHeader("Authorization"), request.getParam(ReaderAccess.TOKEN_QUERY_PARAMETER));
            context.userData().put(SegmentSocket.READER, reader);
            return CheckResult.permitUpgrade();
        } catch (ApiException refused) {
            return CheckResult.rejectUpgrade(refused.status().getStatusCode());
        }
    }
}
