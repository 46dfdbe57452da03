package io.mqttbridge.api.resources;

import com.codahale.metrics.annotation.Timed;
import io.mqttbridge.api.auth.ApiRole;
import io.mqttbridge.api.errors.ApiException;
import io.mqttbridge.api.resources.internal.Params;
import io.mqttbridge.api.resources.model.PageResponse;
import io.mqttbridge.db.BrokerNode;
import io.mqttbridge.db.DisconnectReasonCount;
import io.mqttbridge.db.SessionQuery;
import io.mqttbridge.db.SessionRecord;
import io.mqttbridge.db.SessionRepository;
import io.mqttbridge.db.TimelineEvent;
import io.mqttbridge.db.TimelineQuery;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.security.SecurityRequirement;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * {@code /api/v1/sessions}: session history from PostgreSQL, covering every broker node (as far
 * as the history writer has caught up). For this node's exact live state see {@link LiveResource}.
 */
@Path("/api/v1/sessions")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "sessions", description = "Session history of all broker nodes, from PostgreSQL")
@SecurityRequirement(name = "bearer")
@SecurityRequirement(name = "basic")
@ApiResponse(responseCode = "503", ref = OpenApiConventions.DATABASE_BUSY)
@Timed
public class SessionResource {

    static final int DEFAULT_TIMELINE_LIMIT = 500;
    static final int MAX_TIMELINE_LIMIT = 5_000;

    private final SessionRepository sessions;

    public SessionResource(SessionRepository sessions) {
        this.sessions = sessions;
    }

    @GET
    @RolesAllowed(ApiRole.READ)
    @Operation(summary = "Sessions, newest connection first, filtered and paginated")
    public PageResponse<SessionRecord> find(
            @QueryParam("clientId") String clientId,
            @QueryParam("username") String username,
            @QueryParam("deviceId") String deviceId,
            @QueryParam("node") String node,
            @Parameter(description = "true: only sessions connected now", schema = @Schema(type = "boolean"))
            @QueryParam("connected") String connected,
            @Parameter(description = "ISO-8601; sessions connected at some moment of [from, to)",
                    schema = @Schema(type = "string", format = "date-time")) @QueryParam("from") String from,
            @Parameter(schema = @Schema(type = "string", format = "date-time")) @QueryParam("to") String to,
            @QueryParam("cursor") String cursor,
            @Parameter(schema = @Schema(type = "integer", minimum = "1", maximum = "" + SessionQuery.MAX_LIMIT,
                    defaultValue = "" + SessionQuery.DEFAULT_LIMIT)) @QueryParam("limit") String limit) {
        Instant fromTime = Params.instant("from", from);
        Instant toTime = Params.instant("to", to);
        Params.range(fromTime, toTime);
        SessionQuery query = SessionQuery.all()
                .clientId(Params.text(clientId))
                .username(Params.text(username))
                .deviceId(Params.text(deviceId))
                .nodeId(Params.text(node))
                .connectedOnly(Boolean.TRUE.equals(Params.bool("connected", connected)))
                .between(fromTime, toTime)
                .after(Params.text(cursor))
                .limit(Params.limit(limit, SessionQuery.DEFAULT_LIMIT, SessionQuery.MAX_LIMIT));
        return PageResponse.of(Params.query(() -> sessions.find(query)), s -> s);
    }

    @GET
    @Path("/connected")
    @RolesAllowed(ApiRole.READ)
    @Operation(summary = "Clients connected now on any node, newest connection first")
    public PageResponse<SessionRecord> connected(
            @QueryParam("node") String node,
            @QueryParam("cursor") String cursor,
            @Parameter(schema = @Schema(type = "integer", minimum = "1", maximum = "" + SessionQuery.MAX_LIMIT,
                    defaultValue = "" + SessionQuery.DEFAULT_LIMIT)) @QueryParam("limit") String limit) {
        SessionQuery query = SessionQuery.all()
                .nodeId(Params.text(node))
                .connectedOnly(true)
                .after(Params.text(cursor))
                .limit(Params.limit(limit, SessionQuery.DEFAULT_LIMIT, SessionQuery.MAX_LIMIT));
        return PageResponse.of(Params.query(() -> sessions.find(query)), s -> s);
    }

    /** @param connected clients connected now, on every node or on the node asked for */
    public record ConnectedCount(long connected) {
    }

    @GET
    @Path("/connected/count")
    @RolesAllowed(ApiRole.READ)
    @Operation(summary = "How many clients are connected now, on any node or on the one named")
    public ConnectedCount connectedCount(@QueryParam("node") String node) {
        return new ConnectedCount(Params.query(() -> sessions.countConnected(Params.text(node))));
    }

    @GET
    @Path("/{connectionId}")
    @RolesAllowed(ApiRole.READ)
    @Operation(summary = "One session by its connection id",
            responses = {@ApiResponse(responseCode = "200", description = "OK", useReturnTypeSchema = true),
                    @ApiResponse(responseCode = "400", description = "connectionId is not a UUID"),
                    @ApiResponse(responseCode = "404", description = "no such session")})
    public SessionRecord get(
            @Parameter(schema = @Schema(type = "string", format = "uuid"))
            @PathParam("connectionId") String connectionId) {
        UUID id;
        try {
            id = UUID.fromString(connectionId);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("connectionId must be a UUID, was '" + connectionId + "'");
        }
        return sessions.find(id).orElseThrow(() -> ApiException.notFound("no session '" + connectionId + "'"));
    }

    @GET
    @Path("/disconnect-reasons")
    @RolesAllowed(ApiRole.READ)
    @Operation(summary = "How many sessions ended with each reason in [from, to), most frequent first")
    public List<DisconnectReasonCount> disconnectReasons(
            @Parameter(schema = @Schema(type = "string", format = "date-time")) @QueryParam("from") String from,
            @Parameter(schema = @Schema(type = "string", format = "date-time")) @QueryParam("to") String to) {
        Instant fromTime = Params.instant("from", from);
        Instant toTime = Params.instant("to", to);
        Params.range(fromTime, toTime);
        return sessions.disconnectReasons(fromTime, toTime);
    }

    @GET
    @Path("/timeline/{deviceId}")
    @RolesAllowed(ApiRole.READ)
    @Operation(summary = "A device's connects, disconnects (with reasons), subscribes and unsubscribes, newest"
            + " (default) or oldest first, paginated by cursor")
    public PageResponse<TimelineEvent> timeline(
            @PathParam("deviceId") String deviceId,
            @Parameter(schema = @Schema(type = "string", format = "date-time")) @QueryParam("from") String from,
            @Parameter(schema = @Schema(type = "string", format = "date-time")) @QueryParam("to") String to,
            @Parameter(schema = @Schema(allowableValues = {"newest", "oldest"}, defaultValue = "newest"))
            @QueryParam("order") String order,
            @Parameter(description = "nextCursor of the previous page of the same query")
            @QueryParam("cursor") String cursor,
            @Parameter(schema = @Schema(type = "integer", minimum = "1", maximum = "" + MAX_TIMELINE_LIMIT,
                    defaultValue = "" + DEFAULT_TIMELINE_LIMIT)) @QueryParam("limit") String limit) {
        Instant fromTime = Params.instant("from", from);
        Instant toTime = Params.instant("to", to);
        Params.range(fromTime, toTime);
        TimelineQuery query = new TimelineQuery(deviceId, fromTime, toTime, Params.newestFirst(order),
                Params.text(cursor), Params.limit(limit, DEFAULT_TIMELINE_LIMIT, MAX_TIMELINE_LIMIT));
        return PageResponse.of(Params.query(() -> sessions.deviceTimeline(query)), e -> e);
    }

    @GET
    @Path("/nodes")
    @RolesAllowed(ApiRole.READ)
    @Operation(summary = "Broker nodes seen through their session events, with their last heartbeat")
    public List<BrokerNode> nodes() {
        return sessions.nodes();
    }
}
