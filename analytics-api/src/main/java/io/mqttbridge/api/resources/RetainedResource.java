package io.mqttbridge.api.resources;

import com.codahale.metrics.annotation.Timed;
import io.mqttbridge.api.auth.ApiRole;
import io.mqttbridge.api.errors.ApiException;
import io.mqttbridge.api.resources.internal.Params;
import io.mqttbridge.api.resources.internal.PayloadEncoding;
import io.mqttbridge.api.resources.model.PageResponse;
import io.mqttbridge.api.resources.model.RetainedMessageResponse;
import io.mqttbridge.broker.spi.TopicFilters;
import io.mqttbridge.db.RetainedMessage;
import io.mqttbridge.db.RetainedMessageRepository;
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
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.util.function.Consumer;

/**
 * {@code /api/v1/retained}: the retained messages every node shares, read page by page and cleared one
 * topic at a time, for the stale value that devices would otherwise get on every subscribe.
 */
@Path("/api/v1/retained")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "retained", description = "Retained MQTT messages, from PostgreSQL")
@SecurityRequirement(name = "bearer")
@SecurityRequirement(name = "basic")
@ApiResponse(responseCode = "503", ref = OpenApiConventions.DATABASE_BUSY)
@Timed
public class RetainedResource {

    private final RetainedMessageRepository retained;
    private final Consumer<String> clear;

    /**
     * @param clear removes one topic's retained message (through this node's broker when it runs one,
     *     so that its retained quotas follow; else from the table); throws when it could not
     */
    public RetainedResource(RetainedMessageRepository retained, Consumer<String> clear) {
        this.retained = retained;
        this.clear = clear;
    }

    @GET
    @RolesAllowed(ApiRole.READ)
    @Operation(summary = "Retained messages whose topic matches the filter, ordered by topic, paginated by cursor")
    public PageResponse<RetainedMessageResponse> find(
            @Parameter(description = "MQTT topic filter; + and # wildcards; absent for every topic") @QueryParam("topic") String topic,
            @Parameter(description = "nextCursor of the previous page of the same query")
            @QueryParam("cursor") String cursor,
            @Parameter(schema = @Schema(type = "integer", minimum = "1",
                    maximum = "" + RetainedMessageRepository.MAX_LIMIT,
                    defaultValue = "" + RetainedMessageRepository.DEFAULT_LIMIT)) @QueryParam("limit") String limit,
            @Parameter(description = "a payload it cannot carry comes as base64", schema = @Schema(
                    allowableValues = {"text", "base64", "json"}, defaultValue = "text"))
            @QueryParam("payloadEncoding") String payloadEncoding) {
        PayloadEncoding encoding = PayloadEncoding.parse(payloadEncoding);
        String filter = Params.topicFilter("topic", topic);
        int max = Params.limit(limit, RetainedMessageRepository.DEFAULT_LIMIT, RetainedMessageRepository.MAX_LIMIT);
        return PageResponse.of(Params.query(() -> retained.find(filter, Params.text(cursor), max)),
                message -> render(message, encoding));
    }

    @DELETE
    @RolesAllowed(ApiRole.WRITE)
    @Operation(summary = "Clear the retained message of one topic; subscribers are sent nothing",
            responses = {@ApiResponse(responseCode = "204", description = "cleared"),
                    @ApiResponse(responseCode = "400", description = "no topic, or not a topic name (wildcards)"),
                    @ApiResponse(responseCode = "404", description = "no retained message on the topic")})
    public Response delete(
            @Parameter(description = "the topic name (no wildcards)", required = true) @QueryParam("topic") String topic) {
        if (topic == null || topic.isEmpty()) {
            throw ApiException.badRequest("topic is required: the topic whose retained message to clear");
        }
        String problem = TopicFilters.validateTopicName(topic);
        if (problem != null) {
            throw ApiException.badRequest("topic is not a valid MQTT topic name ('" + topic + "'): " + problem
                    + "; retained messages are cleared one topic at a time");
        }
        if (retained.get(topic).isEmpty()) {
            throw ApiException.notFound("no retained message on topic '" + topic + "'");
        }
        clear.accept(topic);
        return Response.noContent().build();
    }

    private static RetainedMessageResponse render(RetainedMessage m, PayloadEncoding encoding) {
        if (m.payload() == null) {
            return new RetainedMessageResponse(m.topic(), m.receivedAt(), m.expiresAt(), m.clientId(), m.username(),
                    m.qos(), m.payloadSize(), null, null, Boolean.TRUE);
        }
        PayloadEncoding.Encoded encoded = encoding.encode(m.payload());
        return new RetainedMessageResponse(m.topic(), m.receivedAt(), m.expiresAt(), m.clientId(), m.username(),
                m.qos(), m.payloadSize(), encoded.encoding(), encoded.payload(), null);
    }
}
