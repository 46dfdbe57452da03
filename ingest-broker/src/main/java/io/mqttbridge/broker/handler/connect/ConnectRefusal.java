package io.mqttbridge.broker.handler.connect;

import io.netty.handler.codec.mqtt.MqttConnectReturnCode;

/**
 * Why a CONNECT is refused: the MQTT 5 reason code and the MQTT 3.1.1 return code; either may be
 * {@code null} when that version has no fitting code (the connection is then closed without CONNACK).
 */
record ConnectRefusal(MqttConnectReturnCode mqtt5Code, MqttConnectReturnCode mqtt3Code) implements ConnectRequestReader.Result {

    static final ConnectRefusal MALFORMED_PACKET =
            new ConnectRefusal(MqttConnectReturnCode.CONNECTION_REFUSED_MALFORMED_PACKET, null);
    static final ConnectRefusal PROTOCOL_ERROR =
            new ConnectRefusal(MqttConnectReturnCode.CONNECTION_REFUSED_PROTOCOL_ERROR, null);
    static final ConnectRefusal BAD_AUTHENTICATION_METHOD =
            new ConnectRefusal(MqttConnectReturnCode.CONNECTION_REFUSED_BAD_AUTHENTICATION_METHOD, null);
    static final ConnectRefusal CLIENT_ID_NOT_VALID = new ConnectRefusal(
            MqttConnectReturnCode.CONNECTION_REFUSED_CLIENT_IDENTIFIER_NOT_VALID,
            MqttConnectReturnCode.CONNECTION_REFUSED_IDENTIFIER_REJECTED);
    static final ConnectRefusal EMPTY_CLIENT_ID_WITH_SESSION =
            new ConnectRefusal(null, MqttConnectReturnCode.CONNECTION_REFUSED_IDENTIFIER_REJECTED);
    static final ConnectRefusal TOPIC_NAME_INVALID =
            new ConnectRefusal(MqttConnectReturnCode.CONNECTION_REFUSED_TOPIC_NAME_INVALID, null);
    static final ConnectRefusal RETAIN_NOT_SUPPORTED =
            new ConnectRefusal(MqttConnectReturnCode.CONNECTION_REFUSED_RETAIN_NOT_SUPPORTED, null);
    static final ConnectRefusal QOS_NOT_SUPPORTED =
            new ConnectRefusal(MqttConnectReturnCode.CONNECTION_REFUSED_QOS_NOT_SUPPORTED, null);
    static final ConnectRefusal SERVER_UNAVAILABLE = new ConnectRefusal(
            MqttConnectReturnCode.CONNECTION_REFUSED_SERVER_UNAVAILABLE_5,
            MqttConnectReturnCode.CONNECTION_REFUSED_SERVER_UNAVAILABLE);
    static final ConnectRefusal BAD_USERNAME_OR_PASSWORD = new ConnectRefusal(
            MqttConnectReturnCode.CONNECTION_REFUSED_BAD_USERNAME_OR_PASSWORD,
            MqttConnectReturnCode.CONNECTION_REFUSED_BAD_USER_NAME_OR_PASSWORD);
    static final ConnectRefusal NOT_AUTHORIZED = new ConnectRefusal(
            MqttConnectReturnCode.CONNECTION_REFUSED_NOT_AUTHORIZED_5,
            MqttConnectReturnCode.CONNECTION_REFUSED_NOT_AUTHORIZED);
    static final ConnectRefusal BANNED = new ConnectRefusal(
            MqttConnectReturnCode.CONNECTION_REFUSED_BANNED,
            MqttConnectReturnCode.CONNECTION_REFUSED_NOT_AUTHORIZED);
    static final ConnectRefusal QUOTA_EXCEEDED = new ConnectRefusal(
            MqttConnectReturnCode.CONNECTION_REFUSED_QUOTA_EXCEEDED,
            MqttConnectReturnCode.CONNECTION_REFUSED_SERVER_UNAVAILABLE);
}
