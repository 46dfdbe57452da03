package io.mqttbridge.api.health;

import com.codahale.metrics.health.HealthCheck;
import com.codahale.metrics.health.HealthCheckRegistry;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SortedMap;

/**
 * {@code GET /api/v1/health}: the admin port's health checks, summarised on the application port
 * for load balancers and dashboards that cannot reach the admin port. {@code UP} (200) when every
 * check is healthy; {@code DEGRADED} (200) when the only checks that are not report themselves
 * degraded ({@code degraded} in their details: the history behind Kafka), since this node's MQTT
 * path is fine and a load balancer must not pull it; {@code DOWN} (503) otherwise.
 */
@Path("/api/v1/health")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "health", description = "Whether this node is healthy; no credentials")
public class HealthResource {

    /** The response body: an overall status and each check's result. */
    public record HealthReport(String status, Map<String, CheckResult> checks) {
    }

    /** One check's result; {@code degraded}: unhealthy in a way that leaves MQTT and the mirror working. */
    public record CheckResult(boolean healthy, boolean degraded, String message) {
    }

    private final HealthCheckRegistry healthChecks;

    public HealthResource(HealthCheckRegistry healthChecks) {
        this.healthChecks = healthChecks;
    }

    @GET
    @Operation(summary = "The health checks of this node, for load balancers",
            responses = {
                    @ApiResponse(responseCode = "200", description = "every check is healthy (status UP), or "
                            + "the only unhealthy ones are degraded (status DEGRADED: the history behind Kafka)",
                            content = @Content(schema = @Schema(implementation = HealthReport.class))),
                    @ApiResponse(responseCode = "503", description = "a check is unhealthy, not only degraded: "
                            + "status DOWN",
                            content = @Content(schema = @Schema(implementation = HealthReport.class)))})
    public Response health() {
        SortedMap<String, HealthCheck.Result> results = healthChecks.runHealthChecks();
        Map<String, CheckResult> checks = new LinkedHashMap<>();
        boolean down = false;
        boolean degraded = false;
        for (Map.Entry<String, HealthCheck.Result> entry : results.entrySet()) {
            HealthCheck.Result result = entry.getValue();
            boolean onlyDegraded = !result.isHealthy() && isDegraded(result);
            down |= !result.isHealthy() && !onlyDegraded;
            degraded |= onlyDegraded;
            checks.put(entry.getKey(), new CheckResult(result.isHealthy(), onlyDegraded, result.getMessage()));
        }
        String status = down ? "DOWN" : degraded ? "DEGRADED" : "UP";
        return Response.status(down ? Response.Status.SERVICE_UNAVAILABLE : Response.Status.OK)
                .entity(new HealthReport(status, checks))
                .build();
    }

    private static boolean isDegraded(HealthCheck.Result result) {
        Map<String, Object> details = result.getDetails();
        return details != null && Boolean.TRUE.equals(details.get("degraded"));
    }
}
