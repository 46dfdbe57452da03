package io.mqttbridge.api.resources;

import com.codahale.metrics.annotation.Timed;
import io.mqttbridge.api.auth.ApiRole;
import io.mqttbridge.api.resources.internal.Params;
import io.mqttbridge.api.resources.model.PageResponse;
import io.mqttbridge.db.MessageQuery;
import io.mqttbridge.db.MessageRepository;
import io.mqttbridge.db.TopicSummary;
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

/** {@code /api/v1/topics}: the topics seen in the message history, in pages by topic. */
@Path("/api/v1/topics")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "topics", description = "Topics seen in the message history")
@SecurityRequirement(name = "bearer")
@SecurityRequirement(name = "basic")
@ApiResponse(responseCode = "503", ref = OpenApiConventions.DATABASE_BUSY)
@Timed
public class TopicResource {

    private final MessageRepository messages;

    public TopicResource(MessageRepository messages) {
        this.messages = messages;
    }

    @GET
    @RolesAllowed(ApiRole.READ)
    @Operation(summary = "Topics matching the filter, ordered by topic, with message counts and last-seen times,"
            + " paginated by cursor")
    public PageResponse<TopicSummary> topics(
            @Parameter(description = "MQTT topic filter; + and # wildcards; absent for every topic")
            @QueryParam("filter") String filter,
            @Parameter(description = "nextCursor of the previous page of the same filter")
            @QueryParam("cursor") String cursor,
            @Parameter(schema = @Schema(type = "integer", minimum = "1", maximum = "" + MessageQuery.MAX_LIMIT,
                    defaultValue = "" + MessageQuery.DEFAULT_LIMIT)) @QueryParam("limit") String limit) {
        String topicFilter = Params.topicFilter("filter", filter);
        int max = Params.limit(limit, MessageQuery.DEFAULT_LIMIT, MessageQuery.MAX_LIMIT);
        return PageResponse.of(Params.query(() -> messages.topics(topicFilter, Params.text(cursor), max)), t -> t);
    }
}
