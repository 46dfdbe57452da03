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

    private final BrokerConfig config;

    private final EnhancedAuthFlow enhancedAuth;

    ConnAcks(BrokerConfig config, EnhancedAuthFlow enhancedAuth) {
        this.config = config;
        this.enhancedAuth = enhancedAuth;
    }

    /** The accepting CONNACK; for MQTT 5 with the server's limits and what it changed of the request. */
    MqttConnAckMessage accepted(ClientConnection connection, ConnectRequest request, boolean sessionPresent) {
        boolean mqtt5 = connection.isMqtt5();
        MqttProperties properties = MqttProperties.NO_PROPERTIES;
        if (mqtt5) {
            properties = new MqttProperties();
            if (request.assignedId()) {
                properties.add(new MqttProperties.StringProperty(MqttProperties.ASSIGNED_CLIENT_IDENTIFIER, request.clientId()));
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
            properties.add(new MqttProperties.IntegerProperty(MqttProperties.MAXIMUM_PACKET_SIZE, config.getMaxPacketSize()));
            properties.add(new MqttProperties.IntegerProperty(MqttProperties.TOPIC_ALIAS_MAXIMUM, config.getTopicAliasMaximum()));
            if (!config.isSharedSubscriptionsAvailable()) {
                properties.add(new MqttProperties.IntegerProperty(MqttProperties.SHARED_SUBSCRIPTION_AVAILABLE, 0));
            }
            if (request.responseInformationRequested() && !config.getResponseInformation().isEmpty()) {
                properties.add(new MqttProperties.StringProperty(MqttProperties.RESPONSE_INFORMATION,
                        config.getResponseInformation().replace("%c", request.clientId())));
            }
            enhancedAuth.addConnAckProperties(connection.channel(), properties);
        }
        return new MqttConnAckMessage(CONNACK_HEADER,
                new MqttConnAckVariableHeader(MqttConnectReturnCode.CONNECTION_ACCEPTED, sessionPresent, properties));
    }

    /** A refusing CONNACK with {@code code}. */
    static MqttConnAckMessage refused(MqttConnectReturnCode code) {
        return new MqttConnAckMessage(CONNACK_HEADER,
                new MqttConnAckVariableHeader(code, false, MqttProperties.NO_PROPERTIES));
    }
}
