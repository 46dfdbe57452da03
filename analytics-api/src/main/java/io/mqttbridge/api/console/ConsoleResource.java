package io.mqttbridge.api.console;

import com.codahale.metrics.annotation.Timed;
import io.dropwizard.auth.Auth;
import io.mqttbridge.api.auth.ApiPrincipal;
import io.mqttbridge.api.auth.ApiRole;
import io.mqttbridge.api.errors.ApiException;
import io.mqttbridge.broker.MqttBroker;
import io.mqttbridge.broker.config.LimitsConfig;
import io.mqttbridge.broker.listener.ListenerConfig;
import io.mqttbridge.broker.spi.TopicFilters;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.security.SecurityRequirement;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import java.time.Instant;

/**
 * {@code /api/v1/console}: what the browser console needs beyond the rest of the API: who is
 * signed in (to show or hide the actions a read-only operator may not take) and short-lived MQTT
 * credentials for the live view.
 */
@Path("/api/v1/console")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "console", description = "The operator console's session")
@SecurityRequirement(name = "bearer")
@SecurityRequirement(name = "basic")
@Timed
public class ConsoleResource {

    public record Operator(String name, String role) {
    }

    public record LiveTokenRequest(String topicFilter) {
    }

    /**
     * @param host the host to connect to, or {@code null}: the host the console was loaded from
     * @param port the live listener's port
     * @param path the WebSocket path
     */
    public record LiveToken(String token, String clientId, String username, Instant expiresAt,
                            String host, int port, String path, String topicFilter) {
    }

    private final ConsoleLiveAccess live;
    private final MqttBroker broker;

    /**
     * @param live the live view's access, or {@code null} when this process does not run the broker role
     * @param broker this process's broker, or {@code null} when it does not run one
     */
    public ConsoleResource(ConsoleLiveAccess live, MqttBroker broker) {
        this.live = live;
        this.broker = broker;
    }

    @GET
    @Path("/me")
    @RolesAllowed(ApiRole.READ)
    @Operation(summary = "The signed-in API client and its role")
    public Operator me(@Auth ApiPrincipal principal) {
        return new Operator(principal.name(), principal.role().name());
    }

    @POST
    @Path("/live-token")
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed(ApiRole.READ)
    @Operation(summary = "A short-lived MQTT token to subscribe to one topic filter over the WSS listener"
            + " (no publishing)",
            responses = {@ApiResponse(responseCode = "200", description = "OK", useReturnTypeSchema = true),
                    @ApiResponse(responseCode = "400", description = "topicFilter is not an MQTT topic filter, or"
                            + " is past the broker's topic limits"),
                    @ApiResponse(responseCode = "503", description = "no live listener, or this node does not"
                            + " run the broker role")})
    public LiveToken liveToken(@Auth ApiPrincipal principal, LiveTokenRequest request) {
        String filter = request == null ? null : request.topicFilter();
        String problem = TopicFilters.validateFilter(filter);
        if (problem != null) {
            throw ApiException.badRequest("topicFilter " + problem);
        }
        LimitsConfig limits = broker == null ? null : broker.config().getLimits();
        if (limits != null && !limits.allowsTopicSize(filter)) {
            throw ApiException.badRequest("topicFilter is longer than the broker takes in a SUBSCRIBE ("
                    + limits.topicSizeLimits() + ")");
        }
        // Before live is used: a node without the broker role has no live access either (it was a 500).
        if (live == null || broker == null) {
            throw ApiException.unavailable("this node does not run the MQTT broker role");
        }
        ListenerConfig listener = live.listener().orElseThrow(() -> ApiException.unavailable(
                "the live view needs a WSS broker listener named '" + live.config().getLiveListener()
                        + "' (console.liveListener); none is configured"));
        LiveTokens.Grant grant = live.tokens().issue(principal.name(), filter);
        return new LiveToken(grant.token(), grant.clientId(), grant.username(), grant.expiresAt(),
                live.config().getPublicHost(), broker.port(listener.getName()), listener.getWebSocketPath(), filter);
    }
}
