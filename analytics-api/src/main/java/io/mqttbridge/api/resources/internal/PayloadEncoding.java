package io.mqttbridge.api.resources.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.TextNode;
import io.mqttbridge.api.errors.ApiException;
import io.mqttbridge.api.resources.model.MessageResponse;
import io.mqttbridge.db.StoredMessage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;

/**
 * How message payloads are written in responses. A payload the requested encoding cannot carry
 * faithfully (bytes that are not UTF-8 as text; not JSON as json) falls back to base64, and the
 * response says so in {@code payloadEncoding}, so that no payload is ever altered.
 */
public enum PayloadEncoding {
    TEXT, BASE64, JSON;

    private static final ObjectMapper JSON_READER = new ObjectMapper();

    /** Parses the {@code payloadEncoding} parameter; absent means text. */
    public static PayloadEncoding parse(String value) {
        if (value == null || value.isBlank()) {
            return TEXT;
        }
        try {
            return valueOf(value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("payloadEncoding must be text, base64 or json, was '" + value + "'");
        }
    }

    /** A payload as a response carries it: the encoding used and the JSON value. */
    public record Encoded(String encoding, JsonNode payload) {
    }

    public MessageResponse render(StoredMessage m) {
        if (m.payload() == null) {
            return response(m, null, null, Boolean.TRUE);
        }
        Encoded encoded = encode(m.payload());
        return response(m, encoded.encoding(), encoded.payload(), null);
    }

    /** {@code bytes} in this encoding, or in base64 when this one cannot carry them faithfully. */
    public Encoded encode(byte[] bytes) {
        PayloadEncoding used = this;
        JsonNode payload = null;
        if (this == JSON) {
            payload = json(bytes);
            used = payload == null ? BASE64 : JSON;
        } else if (this == TEXT) {
            String text = utf8(bytes);
            payload = text == null ? null : TextNode.valueOf(text);
            used = text == null ? BASE64 : TEXT;
        }
        if (used == BASE64) {
            payload = TextNode.valueOf(Base64.getEncoder().encodeToString(bytes));
        }
        return new Encoded(used.name().toLowerCase(Locale.ROOT), payload);
    }

    private static MessageResponse response(StoredMessage m, String encoding, JsonNode payload, Boolean omitted) {
        return new MessageResponse(m.id(), m.receivedAt(), m.topic(), m.clientId(), m.username(), m.nodeId(), m.qos(),
                m.retain(), m.contentType(), m.payloadSize(), encoding, payload, omitted, m.userProperties(),
                new MessageResponse.KafkaPosition(m.kafkaTopic(), m.kafkaPartition(), m.kafkaOffset()));
    }

    private static String utf8(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    private static JsonNode json(byte[] bytes) {
        if (bytes.length == 0) {
            return null;
        }
        try {
            var parser = JSON_READER.getFactory().createParser(bytes);
            JsonNode node = JSON_READER.readTree(parser);
            // Trailing content after the first value means the payload is not one JSON document.
            return parser.nextToken() == null ? node : null;
        } catch (IOException notJson) {
            return null;
        }
    }
}
