package io.mqttbridge.api.health;

import static org.assertj.core.api.Assertions.assertThat;

import com.codahale.metrics.health.HealthCheck;
import com.codahale.metrics.health.HealthCheckRegistry;
import io.mqttbridge.api.health.HealthResource.CheckResult;
import io.mqttbridge.api.health.HealthResource.HealthReport;
import jakarta.ws.rs.core.Response;
import org.junit.jupiter.api.Test;

class HealthResourceTest {

    private static final HealthCheck HEALTHY = new HealthCheck() {
        @Override
        protected Result check() {
            return Result.healthy("fine");
        }
    };
    private static final HealthCheck DEGRADED = new HealthCheck() {
        @Override
        protected Result check() {
            return Result.builder().unhealthy().withMessage("degraded: behind").withDetail("degraded", true).build();
        }
    };
    private static final HealthCheck DOWN = new HealthCheck() {
        @Override
        protected Result check() {
            return Result.unhealthy("broken");
        }
    };

    private static Response health(HealthCheck... checks) {
        HealthCheckRegistry registry = new HealthCheckRegistry();
        for (int i = 0; i < checks.length; i++) {
            registry.register("check-" + i, checks[i]);
        }
        return new HealthResource(registry).health();
    }

    @Test
    void everyCheckHealthyIsUp() {
        Response response = health(HEALTHY, HEALTHY);

        assertThat(response.getStatus()).isEqualTo(200);
        assertThat(((HealthReport) response.getEntity()).status()).isEqualTo("UP");
    }

    @Test
    void onlyDegradedChecksUnhealthyIsDegradedAndStillServedWith200() {
        Response response = health(HEALTHY, DEGRADED);

        assertThat(response.getStatus()).isEqualTo(200);
        HealthReport report = (HealthReport) response.getEntity();
        assertThat(report.status()).isEqualTo("DEGRADED");
        assertThat(report.checks().get("check-1")).isEqualTo(new CheckResult(false, true, "degraded: behind"));
        assertThat(report.checks().get("check-0")).isEqualTo(new CheckResult(true, false, "fine"));
    }

    @Test
    void anUnhealthyCheckThatIsNotOnlyDegradedIsDownWith503() {
        Response response = health(DEGRADED, DOWN, HEALTHY);

        assertThat(response.getStatus()).isEqualTo(503);
        HealthReport report = (HealthReport) response.getEntity();
        assertThat(report.status()).isEqualTo("DOWN");
        assertThat(report.checks().get("check-1")).isEqualTo(new CheckResult(false, false, "broken"));
    }
}
