package io.mqttbridge.api.resources;

import com.codahale.metrics.annotation.Timed;
import io.mqttbridge.api.auth.ApiRole;
import io.mqttbridge.api.resources.internal.Params;
import io.mqttbridge.api.resources.internal.PayloadEncoding;
import io.mqttbridge.api.resources.model.MessageResponse;
import io.mqttbridge.api.resources.model.PageResponse;
import io.mqttbridge.db.MessageQuery;
import io.mqttbridge.db.MessageRepository;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.security.SecurityRequirement;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import java.time.Instant;

/**
 * {@code /api/v1/messages}: the message history. Pages follow opaque cursors on (receive time,
 * id), so a page never repeats or skips a row that was there when the previous page was read.
 */
@Path("/api/v1/messages")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "messages", description = "MQTT message history, from PostgreSQL")
@SecurityRequirement(name = "bearer")
@SecurityRequirement(name = "basic")
@ApiResponse(responseCode = "503", ref = OpenApiConventions.DATABASE_BUSY)
@Timed
public class MessageResource {

    private final MessageRepository messages;

    public MessageResource(MessageRepository messages) {
        this.messages = messages;
    }

    @GET
    @RolesAllowed(ApiRole.READ)
    @Operation(summary = "Messages matching the criteria, newest (default) or oldest first, paginated by cursor")
    public PageResponse<MessageResponse> find(
            @Parameter(description = "MQTT topic filter; + and # wildcards") @QueryParam("topic") String topic,
            @QueryParam("clientId") String clientId,
            @Parameter(description = "ISO-8601, inclusive", schema = @Schema(type = "string", format = "date-time"))
            @QueryParam("from") String from,
            @Parameter(description = "ISO-8601, exclusive", schema = @Schema(type = "string", format = "date-time"))
            @QueryParam("to") String to,
            @Parameter(schema = @Schema(type = "integer", allowableValues = {"0", "1", "2"}))
            @QueryParam("qos") String qos,
            @Parameter(schema = @Schema(type = "boolean")) @QueryParam("retain") String retain,
            @Parameter(schema = @Schema(allowableValues = {"newest", "oldest"}, defaultValue = "newest"))
            @QueryParam("order") String order,
            @Parameter(description = "nextCursor of the previous page of the same query")
            @QueryParam("cursor") String cursor,
            @Parameter(schema = @Schema(type = "integer", minimum = "1", maximum = "" + MessageQuery.MAX_LIMIT,
                    defaultValue = "" + MessageQuery.DEFAULT_LIMIT)) @QueryParam("limit") String limit,
            @Parameter(description = "a payload it cannot carry comes as base64", schema = @Schema(
                    allowableValues = {"text", "base64", "json"}, defaultValue = "text"))
            @QueryParam("payloadEncoding") String payloadEncoding) {
        PayloadEncoding encoding = PayloadEncoding.parse(payloadEncoding);
        Instant fromTime = Params.instant("from", from);
        Instant toTime = Params.instant("to", to);
        Params.range(fromTime, toTime);
        MessageQuery query = MessageQuery.all()
                .topicFilter(Params.topicFilter("topic", topic))
                .clientId(Params.text(clientId))
                .from(fromTime)
                .to(toTime)
                .qos(Params.qos(qos))
                .retain(Params.bool("retain", retain))
                .order(order(order))
                .after(Params.text(cursor))
                .limit(Params.limit(limit, MessageQuery.DEFAULT_LIMIT, MessageQuery.MAX_LIMIT));
        return PageResponse.of(Params.query(() -> messages.find(query)), encoding::render);
    }

    @GET
    @Path("/latest")
    @RolesAllowed(ApiRole.READ)
    @Operation(summary = "The newest message of each topic matching the filter, ordered by topic, paginated by cursor")
    public PageResponse<MessageResponse> latest(
            @Parameter(description = "MQTT topic filter; + and # wildcards; absent for every topic")
            @QueryParam("topic") String topic,
            @Parameter(description = "nextCursor of the previous page of the same filter")
            @QueryParam("cursor") String cursor,
            @Parameter(description = "at most this many topics", schema = @Schema(type = "integer", minimum = "1",
                    maximum = "" + MessageQuery.MAX_LIMIT, defaultValue = "" + MessageQuery.DEFAULT_LIMIT))
            @QueryParam("limit") String limit,
            @Parameter(description = "a payload it cannot carry comes as base64", schema = @Schema(
                    allowableValues = {"text", "base64", "json"}, defaultValue = "text"))
            @QueryParam("payloadEncoding") String payloadEncoding) {
        PayloadEncoding encoding = PayloadEncoding.parse(payloadEncoding);
        String filter = Params.topicFilter("topic", topic);
        int max = Params.limit(limit, MessageQuery.DEFAULT_LIMIT, MessageQuery.MAX_LIMIT);
        return PageResponse.of(Params.query(() -> messages.latestPerTopic(filter, Params.text(cursor), max)),
                encoding::render);
    }

    private static MessageQuery.Order order(String value) {
        return Params.newestFirst(value) ? MessageQuery.Order.NEWEST_FIRST : MessageQuery.Order.OLDEST_FIRST;
    }
}
