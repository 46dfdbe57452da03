package io.mqttbridge.api.resources;

import com.codahale.metrics.annotation.Timed;
import io.mqttbridge.api.auth.ApiRole;
import io.mqttbridge.api.errors.ApiException;
import io.mqttbridge.api.resources.model.LiveClient;
import io.mqttbridge.broker.MqttBroker;
import io.mqttbridge.broker.SubscriptionInfo;
import io.mqttbridge.broker.spi.ConnectionInfo;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.security.SecurityRequirement;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.util.List;

/**
 * {@code /api/v1/live}: the state of the broker in this process, exact and current, unlike the
 * history in {@link SessionResource}. In a process that does not run the broker role every
 * request gets 503.
 */
@Path("/api/v1/live")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "live", description = "This node's broker, now")
@SecurityRequirement(name = "bearer")
@SecurityRequirement(name = "basic")
@Timed
public class LiveResource {

    private final MqttBroker broker;

    /** @param broker this process's broker, or {@code null} when it does not run one */
    public LiveResource(MqttBroker broker) {
        this.broker = broker;
    }

    /** This node's broker at a glance. */
    public record BrokerState(int port, int connectedClients, long sessions, int subscriptions) {
    }

    @GET
    @Path("/broker")
    @RolesAllowed(ApiRole.READ)
    @Operation(summary = "This node's broker: its MQTT port, connected clients, sessions and subscriptions")
    public BrokerState brokerState() {
        MqttBroker live = broker();
        return new BrokerState(live.port(), live.connectedClients().size(), live.sessionCount(), live.subscriptionCount());
    }

    @GET
    @Path("/clients")
    @RolesAllowed(ApiRole.READ)
    @Operation(summary = "Clients connected to this node, by client id")
    public List<LiveClient> clients() {
        MqttBroker live = broker();
        return live.connectedClients().stream().map(info -> liveClient(live, info)).toList();
    }

    @GET
    @Path("/clients/{clientId}")
    @RolesAllowed(ApiRole.READ)
    @Operation(summary = "One client connected to this node",
            responses = {@ApiResponse(responseCode = "200", description = "OK"), @ApiResponse(responseCode = "404", description = "not connected here")})
    public LiveClient client(@PathParam("clientId") String clientId) {
        MqttBroker live = broker();
        return live.connection(clientId).map(info -> liveClient(live, info)).orElseThrow(() -> notConnected(clientId));
    }

    @GET
    @Path("/clients/{clientId}/subscriptions")
    @RolesAllowed(ApiRole.READ)
    @Operation(summary = "The subscriptions of a client's session on this node (connected or not)",
            responses = {@ApiResponse(responseCode = "200", description = "OK"), @ApiResponse(responseCode = "404", description = "no session here")})
    public List<SubscriptionInfo> subscriptions(@PathParam("clientId") String clientId) {
        MqttBroker live = broker();
        List<SubscriptionInfo> subscriptions = live.subscriptionsOf(clientId);
        if (subscriptions.isEmpty() && live.connection(clientId).isEmpty()) {
            throw ApiException.notFound("no session of client '" + clientId + "' on this node");
        }
        return subscriptions;
    }

    @DELETE
    @Path("/clients/{clientId}")
    @RolesAllowed(ApiRole.WRITE)
    @Operation(summary = "Disconnect a client from this node (MQTT 5: reason 0x98 administrative action)",
            responses = {@ApiResponse(responseCode = "204", description = "done"), @ApiResponse(responseCode = "404", description = "not connected here")})
    public Response disconnect(@PathParam("clientId") String clientId) {
        if (!broker().disconnect(clientId)) {
            throw notConnected(clientId);
        }
        return Response.noContent().build();
    }

    private MqttBroker broker() {
        if (broker == null) {
            throw ApiException.unavailable("this node does not run the MQTT broker role");
        }
        return broker;
    }

    private static ApiException notConnected(String clientId) {
        return ApiException.notFound("client '" + clientId + "' is not connected to this node");
    }

    private static LiveClient liveClient(MqttBroker live, ConnectionInfo info) {
        return LiveClient.of(info, live.deliveryState(info.clientId()).orElse(null));
    }
}
