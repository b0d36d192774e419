package io.segflow.segment.consume;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Not ready while rounds fail (Redis or Kafka unreachable): the loop keeps retrying with back-off meanwhile. */
@Readiness
@ApplicationScoped
public class EngineHealth implements HealthCheck {
    private final EventLoop loop;

    EngineHealth(EventLoop loop) {
        this.loop = loop;
    }

    @Override
    public HealthCheckResponse call() {
        EngineStatus status = loop.status();
        return status.ready() ? HealthCheckResponse.up("segment engine")
                : HealthCheckResponse.named("segment engine").down().withData("problem", status.problem()).build();
    }
}
