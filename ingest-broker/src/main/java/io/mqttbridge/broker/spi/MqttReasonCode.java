package io.mqttbridge.broker.spi;

/**
 * The MQTT 5 reason codes the broker and its SPI implementations send, in one place: nothing else
 * spells a reason code as a number. The values are those of Netty's
 * {@code io.netty.handler.codec.mqtt.MqttReasonCodes} (a test holds them equal); they are kept here
 * as {@code int} constants because the SPI is free of Netty and the hot paths compare plain ints.
 * CONNACK codes are Netty's {@code MqttConnectReturnCode}, used as they are.
 *
 * <p>MQTT 3.1.1 has no reason codes on DISCONNECT, PUBACK, PUBREC, PUBREL or PUBCOMP: the broker
 * leaves them out for 3.1.1 clients. Its SUBACK has one failure code, {@link #SUBSCRIPTION_FAILURE}.
 */
public final class MqttReasonCode {

    /** 0x00: Success, Normal disconnection, Granted QoS 0. */
    public static final int SUCCESS = 0x00;
    /** 0x04: the client disconnects and wants its will published. */
    public static final int DISCONNECT_WITH_WILL = 0x04;
    /** 0x18: AUTH, the enhanced authentication exchange goes on. */
    public static final int CONTINUE_AUTHENTICATION = 0x18;
    /** 0x19: AUTH from a connected client that starts a re-authentication. */
    public static final int REAUTHENTICATE = 0x19;
    /** 0x11: UNSUBACK for a filter the session had no subscription to. */
    public static final int NO_SUBSCRIPTION_EXISTED = 0x11;
    /** 0x80: Unspecified error; also the MQTT 3.1.1 SUBACK failure return code. */
    public static final int UNSPECIFIED_ERROR = 0x80;
    /** 0x80 in a 3.1.1 SUBACK: the subscription failed. */
    public static final int SUBSCRIPTION_FAILURE = UNSPECIFIED_ERROR;
    public static final int MALFORMED_PACKET = 0x81;
    public static final int PROTOCOL_ERROR = 0x82;
    public static final int NOT_AUTHORIZED = 0x87;
    public static final int SERVER_SHUTTING_DOWN = 0x8B;
    /** 0x8C: an AUTH names an authentication method other than the connection's. */
    public static final int BAD_AUTHENTICATION_METHOD = 0x8C;
    public static final int KEEP_ALIVE_TIMEOUT = 0x8D;
    public static final int SESSION_TAKEN_OVER = 0x8E;
    public static final int TOPIC_FILTER_INVALID = 0x8F;
    public static final int TOPIC_NAME_INVALID = 0x90;
    /** 0x92: PUBREL or PUBCOMP for a packet identifier the receiver does not know. */
    public static final int PACKET_IDENTIFIER_NOT_FOUND = 0x92;
    public static final int RECEIVE_MAXIMUM_EXCEEDED = 0x93;
    public static final int TOPIC_ALIAS_INVALID = 0x94;
    public static final int PACKET_TOO_LARGE = 0x95;
    public static final int MESSAGE_RATE_TOO_HIGH = 0x96;
    public static final int QUOTA_EXCEEDED = 0x97;
    public static final int ADMINISTRATIVE_ACTION = 0x98;
    public static final int RETAIN_NOT_SUPPORTED = 0x9A;
    public static final int QOS_NOT_SUPPORTED = 0x9B;
    public static final int SHARED_SUBSCRIPTIONS_NOT_SUPPORTED = 0x9E;
    public static final int MAXIMUM_CONNECT_TIME = 0xA0;

    private MqttReasonCode() {
    }

    /** Whether {@code code} reports a failure (0x80 and above) [MQTT-2.4]. */
    public static boolean isError(int code) {
        return code >= UNSPECIFIED_ERROR;
    }

    /** Whether {@code code} is a failure code that fits in the one byte the wire has for it. */
    public static boolean isErrorByte(int code) {
        return code >= UNSPECIFIED_ERROR && code <= 0xFF;
    }
}
