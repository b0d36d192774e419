package io.segflow.api.push;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Ready for push once segment changes are being read; reports the open connections. */
@Readiness
@ApplicationScoped
public class PushReadiness implements HealthCheck {
    private final PushHub hub;

    PushReadiness(PushHub hub) {
        this.hub = hub;
    }

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("segment-changes push")
                .status(hub.listening())
                .withData("openConnections", hub.openConnections())
                .build();
    }
}
