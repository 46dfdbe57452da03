package io.mqttbridge.broker.handler.connect;

import io.mqttbridge.broker.connection.ClientConnection;
import io.mqttbridge.broker.handler.auth.EnhancedAuthFlow;
import io.mqttbridge.broker.config.BrokerConfig;
import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttConnAckVariableHeader;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttQoS;

/** The CONNACK packets the broker sends. Thread-safe. */
final class ConnAcks {

    private static final MqttFixedHeader CONNACK_HEADER =
            new MqttFixedHeader(MqttMessageType.CONNACK, false, MqttQoS.AT_MOST_ONCE, false, 0);

    // No CONNACK of ours comes near 64 KiB: a client that takes that much needs no size check.
    private static final int CONNACK_BOUND = 65_536;

    private final BrokerConfig config;

    private final EnhancedAuthFlow enhancedAuth;

    ConnAcks(BrokerConfig config, EnhancedAuthFlow enhancedAuth) {
        this.config = config;
        this.enhancedAuth = enhancedAuth;
    }

    /**
     * Whether the accepting CONNACK fits the client's Maximum Packet Size [MQTT-3.1.2-24], with what
     * may be left out of it left out; a client for which it cannot is closed without one.
     */
    boolean fitsTheClient(ClientConnection connection, ConnectRequest request) {
        int room = connection.clientMaximumPacketSize();
        return !connection.isMqtt5() || room >= CONNACK_BOUND
                || ConnAckSize.of(properties(connection, request, false)) <= room;
    }

    /** The accepting CONNACK; for MQTT 5 with the server's limits and what it changed of the request. */
    MqttConnAckMessage accepted(ClientConnection connection, ConnectRequest request, boolean sessionPresent) {
        MqttProperties properties = MqttProperties.NO_PROPERTIES;
        if (connection.isMqtt5()) {
            properties = properties(connection, request, true);
            int room = connection.clientMaximumPacketSize();
            if (room < CONNACK_BOUND && ConnAckSize.of(properties) > room) {
                properties = properties(connection, request, false);
            }
            enhancedAuth.connAckSent(connection.channel());
        }
        return new MqttConnAckMessage(CONNACK_HEADER,
                new MqttConnAckVariableHeader(MqttConnectReturnCode.CONNECTION_ACCEPTED, sessionPresent, properties));
    }

    /**
     * The properties of an accepting MQTT 5 CONNACK. Without {@code all}, those a client with a small
     * Maximum Packet Size may do without are left out: Topic Alias Maximum (absent means 0, no aliases)
     * and Response Information (the client cannot rely on getting it); the rest change what it may do.
     */
    private MqttProperties properties(ClientConnection connection, ConnectRequest request, boolean all) {
        MqttProperties properties = new MqttProperties();
        if (request.assignedId()) {
            properties.add(new MqttProperties.StringProperty(MqttProperties.ASSIGNED_CLIENT_IDENTIFIER,
                    request.clientId()));
        }
        if (request.keepAliveCapped()) {
            properties.add(new MqttProperties.IntegerProperty(MqttProperties.SERVER_KEEP_ALIVE, request.keepAlive()));
        }
        if (request.expiryCapped()) {
            properties.add(new MqttProperties.IntegerProperty(MqttProperties.SESSION_EXPIRY_INTERVAL,
                    (int) request.sessionExpiry()));
        }
        properties.add(new MqttProperties.IntegerProperty(MqttProperties.RECEIVE_MAXIMUM, config.getReceiveMaximum()));
        if (config.getMaxQos() < 2) {
            properties.add(new MqttProperties.IntegerProperty(MqttProperties.MAXIMUM_QOS, config.getMaxQos()));
        }
        if (!config.isRetainAvailable()) {
            properties.add(new MqttProperties.IntegerProperty(MqttProperties.RETAIN_AVAILABLE, 0));
        }
        properties.add(new MqttProperties.IntegerProperty(MqttProperties.MAXIMUM_PACKET_SIZE,
                config.getMaxPacketSize()));
        if (all) {
            properties.add(new MqttProperties.IntegerProperty(MqttProperties.TOPIC_ALIAS_MAXIMUM,
                    config.getTopicAliasMaximum()));
        }
        if (!config.isSharedSubscriptionsAvailable()) {
            properties.add(new MqttProperties.IntegerProperty(MqttProperties.SHARED_SUBSCRIPTION_AVAILABLE, 0));
        }
        if (all && request.responseInformationRequested() && !config.getResponseInformation().isEmpty()) {
            properties.add(new MqttProperties.StringProperty(MqttProperties.RESPONSE_INFORMATION,
                    config.getResponseInformation().replace("%c", request.clientId())));
        }
        enhancedAuth.addConnAckProperties(connection.channel(), properties);
        return properties;
    }

    /** A refusing CONNACK with {@code code}. */
    static MqttConnAckMessage refused(MqttConnectReturnCode code) {
        return new MqttConnAckMessage(CONNACK_HEADER,
                new MqttConnAckVariableHeader(code, false, MqttProperties.NO_PROPERTIES));
    }
}
