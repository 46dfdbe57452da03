package io.mqttbridge.api.resources;

import com.codahale.metrics.annotation.Timed;
import io.mqttbridge.api.auth.ApiRole;
import io.mqttbridge.api.errors.ApiException;
import io.mqttbridge.api.resources.internal.Params;
import io.mqttbridge.api.resources.model.LiveClient;
import io.mqttbridge.api.resources.model.PageResponse;
import io.mqttbridge.broker.MqttBroker;
import io.mqttbridge.broker.SubscriptionInfo;
import io.mqttbridge.broker.spi.ConnectionInfo;
import io.mqttbridge.db.TextCursors;
import io.mqttbridge.kafka.cluster.HolderRequest;
import io.mqttbridge.kafka.cluster.KafkaClusterFabric;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.security.SecurityRequirement;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
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
@ApiResponse(responseCode = "503", description = "this node does not run the broker role")
@Timed
public class LiveResource {

    static final int DEFAULT_CLIENTS_LIMIT = 100;
    static final int MAX_CLIENTS_LIMIT = 1_000;

    private final MqttBroker broker;
    private final String nodeId;
    private final KafkaClusterFabric cluster;

    /** @param broker this process's broker, or {@code null} when it does not run one */
    public LiveResource(MqttBroker broker) {
        this(broker, null, null);
    }

    /**
     * @param broker this process's broker, or {@code null} when it does not run one
     * @param nodeId this node's id
     * @param cluster the cluster this node belongs to, or {@code null} when clustering is off
     */
    public LiveResource(MqttBroker broker, String nodeId, KafkaClusterFabric cluster) {
        this.broker = broker;
        this.nodeId = nodeId;
        this.cluster = cluster;
    }

    /**
     * Where a client is held in the cluster.
     *
     * @param node the node that holds the client (where it last connected)
     * @param nodeAlive whether that node's heartbeat is recent (a dead node's clients reconnect elsewhere)
     * @param connectedHere whether it is connected to this node now
     */
    public record ClientNode(String clientId, String node, boolean nodeAlive, boolean connectedHere) {
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
    @Operation(summary = "Clients connected to this node, by client id, paginated")
    public PageResponse<LiveClient> clients(
            @Parameter(description = "nextCursor of the previous page") @QueryParam("cursor") String cursor,
            @Parameter(schema = @Schema(type = "integer", minimum = "1", maximum = "" + MAX_CLIENTS_LIMIT,
                    defaultValue = "" + DEFAULT_CLIENTS_LIMIT)) @QueryParam("limit") String limit) {
        int max = Params.limit(limit, DEFAULT_CLIENTS_LIMIT, MAX_CLIENTS_LIMIT);
        String after = cursor == null || cursor.isEmpty() ? null : Params.query(() -> TextCursors.keyOf(cursor));
        MqttBroker live = broker();
        List<ConnectionInfo> connected = live.connectedClients();
        int from = after == null ? 0 : firstAfter(connected, after);
        int to = Math.min(connected.size(), from + max);
        List<LiveClient> page = connected.subList(from, to).stream().map(info -> liveClient(live, info)).toList();
        String next = to < connected.size() ? TextCursors.after(connected.get(to - 1).clientId()) : null;
        return new PageResponse<>(page, next);
    }

    /* The index of the first client whose id sorts after {@code clientId} in the sorted {@code connected}. */
    private static int firstAfter(List<ConnectionInfo> connected, String clientId) {
        int low = 0;
        int high = connected.size();
        while (low < high) {
            int middle = (low + high) >>> 1;
            if (connected.get(middle).clientId().compareTo(clientId) <= 0) {
                low = middle + 1;
            } else {
                high = middle;
            }
        }
        return low;
    }

    @GET
    @Path("/clients/{clientId}")
    @RolesAllowed(ApiRole.READ)
    @Operation(summary = "One client connected to this node",
            responses = {@ApiResponse(responseCode = "200", description = "OK", useReturnTypeSchema = true),
                    @ApiResponse(responseCode = "404", description = "not connected here")})
    public LiveClient client(@PathParam("clientId") String clientId) {
        MqttBroker live = broker();
        return live.connection(clientId).map(info -> liveClient(live, info)).orElseThrow(() -> notConnected(clientId));
    }

    @GET
    @Path("/clients/{clientId}/subscriptions")
    @RolesAllowed(ApiRole.READ)
    @Operation(summary = "The subscriptions of a client's session on this node (connected or not)",
            responses = {@ApiResponse(responseCode = "200", description = "OK", useReturnTypeSchema = true),
                    @ApiResponse(responseCode = "404", description = "no session here")})
    public List<SubscriptionInfo> subscriptions(@PathParam("clientId") String clientId) {
        MqttBroker live = broker();
        List<SubscriptionInfo> subscriptions = live.subscriptionsOf(clientId);
        if (subscriptions.isEmpty() && live.connection(clientId).isEmpty()) {
            throw ApiException.notFound("no session of client '" + clientId + "' on this node");
        }
        return subscriptions;
    }

    @GET
    @Path("/clients/{clientId}/node")
    @RolesAllowed(ApiRole.READ)
    @Operation(summary = "The node of the cluster that holds a client (where it last connected)",
            responses = {@ApiResponse(responseCode = "200", description = "OK", useReturnTypeSchema = true),
                    @ApiResponse(responseCode = "404", description = "unknown to the cluster")})
    public ClientNode node(@PathParam("clientId") String clientId) {
        boolean here = broker().connection(clientId).isPresent();
        String holder = cluster == null ? null : cluster.holderOf(clientId).orElse(null);
        if (here && holder == null) {
            holder = nodeId;
        }
        if (holder == null) {
            throw ApiException.notFound("client '" + clientId + "' is not known to " + (cluster == null ? "this node"
                    : "the cluster"));
        }
        boolean alive = here || cluster == null || cluster.liveNodes().contains(holder);
        return new ClientNode(clientId, holder, alive, here);
    }

    @DELETE
    @Path("/clients/{clientId}")
    @RolesAllowed(ApiRole.WRITE)
    @Operation(summary = "Disconnect a client (MQTT 5: reason 0x98 administrative action): at once on this node,"
            + " in a cluster on the node that holds it (202)",
            responses = {@ApiResponse(responseCode = "204", description = "done"),
                    @ApiResponse(responseCode = "202", description = "asked the node that holds it"),
                    @ApiResponse(responseCode = "404", description = "not connected here nor known to the cluster")})
    public Response disconnect(@PathParam("clientId") String clientId) {
        if (broker().disconnect(clientId)) {
            return Response.noContent().build();
        }
        if (cluster != null && cluster.holderOf(clientId).filter(node -> !node.equals(nodeId)).isPresent()
                && cluster.requestOfHolder(clientId, HolderRequest.DISCONNECT)) {
            return Response.accepted().build();
        }
        throw notConnected(clientId);
    }

    @DELETE
    @Path("/sessions/{clientId}")
    @RolesAllowed(ApiRole.WRITE)
    @Operation(summary = "End a client's session, connected or not, with its subscriptions and queued messages (a"
            + " connected MQTT 5 client gets DISCONNECT 0x98): at once on this node, in a cluster on the node that"
            + " holds it (202); its next CONNECT starts a new session",
            responses = {@ApiResponse(responseCode = "204", description = "ended"),
                    @ApiResponse(responseCode = "202", description = "asked the node that holds it"),
                    @ApiResponse(responseCode = "404", description = "no session here nor known to the cluster")})
    public Response endSession(@PathParam("clientId") String clientId) {
        if (broker().endSession(clientId)) {
            return Response.noContent().build();
        }
        if (cluster != null && cluster.holderOf(clientId).filter(node -> !node.equals(nodeId)).isPresent()
                && cluster.requestOfHolder(clientId, HolderRequest.END_SESSION)) {
            return Response.accepted().build();
        }
        throw ApiException.notFound("no session of client '" + clientId + "' on this node"
                + (cluster == null ? "" : " nor known to the cluster"));
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
