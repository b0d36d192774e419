package io.segflow.api.push;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready once segment changes were first read; reports whether they are read now and the open connections. Kafka away
 * later stalls push, not the reads from Redis, so the instance stays in service.
 */
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
                .status(hub.listenedOnce())
                .withData("listening", hub.listening())
                .withData("openConnections", hub.openConnections())
                .build();
    }
}
