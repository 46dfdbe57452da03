package io.mqttbridge.api.resources;

import com.codahale.metrics.annotation.Timed;
import com.fasterxml.jackson.databind.JsonNode;
import io.mqttbridge.api.auth.ApiRole;
import io.mqttbridge.api.errors.ApiException;
import io.mqttbridge.api.errors.Problem;
import io.mqttbridge.api.resources.model.PublishRequest;
import io.mqttbridge.broker.MqttBroker;
import io.mqttbridge.broker.config.LimitsConfig;
import io.mqttbridge.broker.spi.MessageProperties;
import io.mqttbridge.broker.spi.MessageTooLargeException;
import io.mqttbridge.broker.spi.PublishedMessage;
import io.mqttbridge.broker.spi.TopicFilters;
import io.mqttbridge.broker.spi.UserProperty;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.security.SecurityRequirement;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@code /api/v1/publish}: a message from a back end to the devices, for systems that speak HTTP
 * rather than MQTT or Kafka. It takes the way of the Kafka downlink: delivered to every matching
 * session of the cluster (stored for persistent ones at QoS 1 and 2), kept when retained, and, like
 * the downlink's, not mirrored to Kafka: it is a command to devices, not their telemetry. In a process
 * that does not run the broker role it gets 503.
 */
@Path("/api/v1/publish")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "publish", description = "Publish an MQTT message from the REST API")
@SecurityRequirement(name = "bearer")
@SecurityRequirement(name = "basic")
@Timed
public class PublishResource {

    private static final long HANDED_TIMEOUT_SECONDS = 10;

    private final MqttBroker broker;

    /** @param broker this process's broker, or {@code null} when it does not run one */
    public PublishResource(MqttBroker broker) {
        this.broker = broker;
    }

    /**
     * @param sessionsOnThisNode how many of this node's sessions took it; in a cluster the other nodes'
     *     sessions have it too (forwarded through Kafka) by the time of the answer
     */
    public record Published(String topic, int sessionsOnThisNode) {
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed(ApiRole.WRITE)
    @Operation(summary = "Publish a message to the subscribers of its topic; answers once every matching session has it"
            + " (stored, for persistent sessions at QoS 1 and 2)",
            responses = {
                    @ApiResponse(responseCode = "200", description = "every matching session has it",
                            useReturnTypeSchema = true),
                    @ApiResponse(responseCode = "400", description = "invalid message: topic, qos, payload..."),
                    @ApiResponse(responseCode = "413", description = "the body is larger than apiMaxRequestBodyBytes,"
                            + " or the message than the broker's maxPacketSize"),
                    @ApiResponse(responseCode = "503", description = "this node does not run the broker role, or"
                            + " the broker did not take the message (in time)")})
    public Published publish(PublishRequest request) {
        if (broker == null) {
            throw ApiException.unavailable("this node does not run the broker role");
        }
        PublishedMessage message = message(request);
        try {
            int sessions = broker.publish(message).orTimeout(HANDED_TIMEOUT_SECONDS, TimeUnit.SECONDS).join();
            return new Published(message.topic(), sessions);
        } catch (CompletionException e) {
            if (e.getCause() instanceof MessageTooLargeException tooLarge) {
                throw new ApiException(Problem.of(413, "payload-too-large", "Payload too large",
                        tooLarge.getMessage()));
            }
            if (e.getCause() instanceof IllegalArgumentException refused) {
                throw ApiException.badRequest(refused.getMessage());
            }
            if (e.getCause() instanceof TimeoutException) {
                throw ApiException.unavailable("the message was not handed to every matching session within "
                        + HANDED_TIMEOUT_SECONDS + " s; some may have it");
            }
            throw ApiException.unavailable("the broker could not take the message: " + e.getCause().getMessage());
        }
    }

    private PublishedMessage message(PublishRequest request) {
        if (request == null) {
            throw ApiException.badRequest("a body is required: {\"topic\": ..., \"payload\": ...}");
        }
        String topic = request.topic();
        if (topic == null || topic.isEmpty()) {
            throw ApiException.badRequest("topic is required");
        }
        String problem = TopicFilters.validateTopicName(topic);
        if (problem != null) {
            throw ApiException.badRequest("topic is not a valid MQTT topic name ('" + topic + "'): " + problem);
        }
        LimitsConfig limits = broker.config().getLimits();
        if (!limits.allowsTopicSize(topic)) {
            throw ApiException.badRequest("topic is longer than the broker takes from its clients ("
                    + limits.topicSizeLimits() + ")");
        }
        int qos = request.qos() == null ? 0 : request.qos();
        if (qos < 0 || qos > 2) {
            throw ApiException.badRequest("qos must be 0, 1 or 2, was " + qos);
        }
        String encoding = request.payloadEncoding() == null ? "text" : request.payloadEncoding().toLowerCase(Locale.ROOT);
        // The broker refuses what no MQTT packet can carry: properties past 65,535 bytes, a PUBLISH
        // larger than broker.maxPacketSize (413).
        byte[] payload = payload(request.payload(), encoding);
        return new PublishedMessage(topic, payload, qos, Boolean.TRUE.equals(request.retain()), null, null, null,
                Instant.now(), properties(request, !encoding.equals("base64")));
    }

    private static byte[] payload(JsonNode payload, String encoding) {
        if (!List.of("text", "base64", "json").contains(encoding)) {
            throw ApiException.badRequest("payloadEncoding must be text, base64 or json, was '" + encoding + "'");
        }
        if (payload == null || (payload.isNull() && !encoding.equals("json"))) {
            return new byte[0];
        }
        return switch (encoding) {
            case "text" -> utf8(textOf(payload, "text"));
            case "base64" -> {
                try {
                    yield Base64.getDecoder().decode(textOf(payload, "base64"));
                } catch (IllegalArgumentException e) {
                    throw ApiException.badRequest("payload is not valid base64: " + e.getMessage());
                }
            }
            default -> utf8(payload.toString()); // json: the value as compact JSON text
        };
    }

    /** {@code text} in UTF-8; an unpaired surrogate escape would have become '?' without a word. */
    private static byte[] utf8(String text) {
        try {
            ByteBuffer bytes = StandardCharsets.UTF_8.newEncoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .encode(CharBuffer.wrap(text));
            byte[] array = new byte[bytes.remaining()];
            bytes.get(array);
            return array;
        } catch (CharacterCodingException e) {
            throw ApiException.badRequest("payload contains an unpaired surrogate escape (\\uD800-\\uDFFF without"
                    + " its pair), which has no UTF-8 form");
        }
    }

    private static String textOf(JsonNode payload, String encoding) {
        if (!payload.isTextual()) {
            throw ApiException.badRequest("payload must be a string with payloadEncoding " + encoding
                    + " (use json for any other JSON value)");
        }
        return payload.textValue();
    }

    private static MessageProperties properties(PublishRequest request, boolean utf8) {
        if (request.responseTopic() != null && TopicFilters.validateTopicName(request.responseTopic()) != null) {
            throw ApiException.badRequest("responseTopic is not a valid MQTT topic name ('" + request.responseTopic() + "')");
        }
        if (request.messageExpiryInterval() != null
                && (request.messageExpiryInterval() < 1 || request.messageExpiryInterval() > 0xFFFF_FFFFL)) {
            throw ApiException.badRequest("messageExpiryInterval must be 1..4294967295 seconds, was "
                    + request.messageExpiryInterval());
        }
        byte[] correlation = null;
        if (request.correlationData() != null) {
            try {
                correlation = Base64.getDecoder().decode(request.correlationData());
            } catch (IllegalArgumentException e) {
                throw ApiException.badRequest("correlationData is not valid base64: " + e.getMessage());
            }
        }
        List<UserProperty> userProperties = request.userProperties() == null ? List.of()
                : request.userProperties();
        for (int i = 0; i < userProperties.size(); i++) {
            if (userProperties.get(i) == null) {
                throw ApiException.badRequest("userProperties[" + i + "] must not be null");
            }
        }
        return new MessageProperties(utf8 ? 1 : null, request.messageExpiryInterval(), request.contentType(),
                request.responseTopic(), correlation, userProperties);
    }
}
