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
 * for load balancers and dashboards that cannot reach the admin port. 200 when every check is
 * healthy, 503 otherwise.
 */
@Path("/api/v1/health")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "health", description = "Whether this node is healthy; no credentials")
public class HealthResource {

    /** The response body: an overall status and each check's result. */
    public record HealthReport(String status, Map<String, CheckResult> checks) {
    }

    public record CheckResult(boolean healthy, String message) {
    }

    private final HealthCheckRegistry healthChecks;

    public HealthResource(HealthCheckRegistry healthChecks) {
        this.healthChecks = healthChecks;
    }

    @GET
    @Operation(summary = "The health checks of this node, for load balancers",
            responses = {
                    @ApiResponse(responseCode = "200", description = "every check is healthy: status UP",
                            content = @Content(schema = @Schema(implementation = HealthReport.class))),
                    @ApiResponse(responseCode = "503", description = "a check is unhealthy: status DOWN",
                            content = @Content(schema = @Schema(implementation = HealthReport.class)))})
    public Response health() {
        SortedMap<String, HealthCheck.Result> results = healthChecks.runHealthChecks();
        Map<String, CheckResult> checks = new LinkedHashMap<>();
        boolean allHealthy = true;
        for (Map.Entry<String, HealthCheck.Result> entry : results.entrySet()) {
            HealthCheck.Result result = entry.getValue();
            allHealthy &= result.isHealthy();
            checks.put(entry.getKey(), new CheckResult(result.isHealthy(), result.getMessage()));
        }
        HealthReport report = new HealthReport(allHealthy ? "UP" : "DOWN", checks);
        return Response.status(allHealthy ? Response.Status.OK : Response.Status.SERVICE_UNAVAILABLE)
                .entity(report)
                .build();
    }
}
