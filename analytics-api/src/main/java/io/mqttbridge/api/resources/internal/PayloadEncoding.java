package io.mqttbridge.api.resources.internal;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.POJONode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.databind.util.RawValue;
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
    private static final char BYTE_ORDER_MARK = '\uFEFF';

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

    /**
     * The payload's own text, embedded as it is, when it is one strict JSON value in UTF-8. Embedded
     * as a parsed tree it was altered: {@code 1e999} became {@code "Infinity"}, long decimals were
     * rounded to a double, {@code -0} became {@code 0} and the first of two equal keys was lost.
     */
    private static JsonNode json(byte[] bytes) {
        String text = utf8(bytes);
        if (text == null || text.isBlank() || text.charAt(0) == BYTE_ORDER_MARK) {
            return null;
        }
        try (JsonParser parser = JSON_READER.getFactory().createParser(text)) {
            if (parser.nextToken() == null) {
                return null;
            }
            parser.skipChildren();
            // Trailing content after the first value means the payload is not one JSON document.
            return parser.nextToken() == null ? new POJONode(new RawValue(text)) : null;
        } catch (IOException notJson) {
            return null;
        }
    }
}
