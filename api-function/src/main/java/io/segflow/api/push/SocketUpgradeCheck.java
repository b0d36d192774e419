package io.segflow.api.push;

import io.quarkus.websockets.next.HttpUpgradeCheck;
import io.segflow.api.ApiException;
import io.segflow.api.RouteRefusals;
import io.segflow.api.auth.ReaderAccess;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.HttpHeaders;

/**
 * Checks the user token before the WebSocket upgrade, as the SSE stream checks it; browsers pass it as
 * {@code ?access_token=} since they cannot set headers on a WebSocket. A refusal fails the upgrade, and
 * {@link RouteRefusals} answers it as the REST calls are answered.
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
            var reader = access.authorize(context.pathParam("userId"), request.getHeader(HttpHeaders.AUTHORIZATION),
                    request.getParam(ReaderAccess.TOKEN_QUERY_PARAMETER));
            context.userData().put(SegmentSocket.READER, reader);
            return CheckResult.permitUpgrade();
        } catch (ApiException refused) {
            // Not a rejected CheckResult: that answers the status alone, with an empty body.
            return Uni.createFrom().failure(refused);
        }
    }
}
