package io.mqttbridge.kafka.mirror.internal;

/** The header names of mirrored records, per the record format in docs/ARCHITECTURE.md. */
public final class MirrorHeaders {

    public static final String TOPIC = "mqtt.topic";
    public static final String QOS = "mqtt.qos";
    public static final String RETAIN = "mqtt.retain";
    public static final String CLIENT_ID = "mqtt.client_id";
    public static final String USERNAME = "mqtt.username";
    public static final String PROTOCOL_VERSION = "mqtt.protocol_version";
    public static final String CONTENT_TYPE = "mqtt.content_type";
    public static final String PAYLOAD_FORMAT = "mqtt.payload_format";
    public static final String RESPONSE_TOPIC = "mqtt.response_topic";
    public static final String CORRELATION_DATA = "mqtt.correlation_data";
    public static final String MESSAGE_EXPIRY = "mqtt.message_expiry";
    public static final String USER_PROPERTY_PREFIX = "mqtt.user.";
    public static final String NODE = "mqtt.node";

    private MirrorHeaders() {
    }
}
