package io.mqttbridge.broker.handler.connect;

import io.mqttbridge.broker.config.BrokerConfig;
import io.mqttbridge.broker.connection.ClientConnection;
import io.mqttbridge.broker.handler.Mqtt5Properties;
import io.mqttbridge.broker.limits.Limits;
import io.mqttbridge.broker.spi.ConnectionInfo;
import io.mqttbridge.broker.spi.MqttVersion;
import io.mqttbridge.broker.spi.PublishedMessage;
import io.mqttbridge.broker.spi.TopicFilters;
import io.mqttbridge.broker.connection.WillMessage;
import io.netty.handler.codec.mqtt.MqttConnectMessage;
import io.netty.handler.codec.mqtt.MqttConnectPayload;
import io.netty.handler.codec.mqtt.MqttConnectVariableHeader;
import io.netty.handler.codec.mqtt.MqttProperties;

import java.time.Instant;
import java.util.function.Predicate;
import java.util.UUID;

/**
 * Validates a CONNECT and reads what it asks for, applying the server's caps (keep alive, session
 * expiry, QoS of the will). Sets on the connection what its later packets depend on (protocol
 * version, send quota, the client's maximum packet size, topic aliases). Event loop only; no I/O.
 */
final class ConnectRequestReader {

    /** A validated request, or the refusal to send. */
    sealed interface Result permits ConnectRequest, ConnectRefusal {
    }

    private final BrokerConfig config;
    private final Limits limits;

    private final Predicate<String> supportedAuthMethods;

    ConnectRequestReader(BrokerConfig config, Limits limits) {
        this(config, limits, method -> false);
    }

    /** @param supportedAuthMethods the enhanced-authentication methods offered; others get 0x8C */
    ConnectRequestReader(BrokerConfig config, Limits limits, Predicate<String> supportedAuthMethods) {
        this.config = config;
        this.limits = limits;
        this.supportedAuthMethods = supportedAuthMethods;
    }

    Result read(MqttConnectMessage connect, ClientConnection connection) {
        MqttConnectVariableHeader header = connect.variableHeader();
        MqttConnectPayload payload = connect.payload();
        MqttVersion version = MqttVersion.ofProtocolLevel(header.version());
        connection.setVersion(version);
        boolean mqtt5 = version.isMqtt5();

        if (!header.isWillFlag() && (header.willQos() != 0 || header.isWillRetain())
                || header.willQos() > 2
                || (!mqtt5 && header.hasPassword() && !header.hasUserName())) {
            return ConnectRefusal.MALFORMED_PACKET;
        }
        MqttProperties properties = header.properties();
        String authMethod = mqtt5 ? Mqtt5Properties.string(properties, MqttProperties.AUTHENTICATION_METHOD) : null;
        if (authMethod != null && !supportedAuthMethods.test(authMethod)) {
            return ConnectRefusal.BAD_AUTHENTICATION_METHOD;
        }
        if (authMethod == null && mqtt5 && properties.getProperty(MqttProperties.AUTHENTICATION_DATA) != null) {
            // Authentication Data belongs to an Authentication Method (MQTT 5 section 3.1.2.11.10).
            return ConnectRefusal.PROTOCOL_ERROR;
        }
        String clientId = payload.clientIdentifier();
        boolean assigned = false;
        if (clientId == null || clientId.isEmpty()) {
            if (!mqtt5 && !header.isCleanSession()) {
                return ConnectRefusal.EMPTY_CLIENT_ID_WITH_SESSION;
            }
            clientId = "auto-" + UUID.randomUUID();
            assigned = true;
        } else if (clientId.length() > config.getMaxClientIdLength()
                && clientId.codePointCount(0, clientId.length()) > config.getMaxClientIdLength()) {
            // Characters, not UTF-16 units: an emoji is one character and two units.
            return ConnectRefusal.CLIENT_ID_NOT_VALID;
        }

        int keepAlive = header.keepAliveTimeSeconds();
        boolean keepAliveCapped = false;
        if (mqtt5 && config.getMaxKeepAliveSeconds() > 0
                && (keepAlive == 0 || keepAlive > config.getMaxKeepAliveSeconds())) {
            keepAlive = config.getMaxKeepAliveSeconds();
            keepAliveCapped = true;
        }
        long expiry;
        boolean expiryCapped = false;
        boolean responseInformationRequested = false;
        if (mqtt5) {
            Integer requested = Mqtt5Properties.integer(properties, MqttProperties.SESSION_EXPIRY_INTERVAL);
            expiry = requested == null ? 0 : Integer.toUnsignedLong(requested);
            if (expiry > config.getMaxSessionExpirySeconds()) {
                expiry = config.getMaxSessionExpirySeconds();
                expiryCapped = true;
                limits.metrics().sessionExpiryCapped();
            }
            Integer receiveMaximum = Mqtt5Properties.integer(properties, MqttProperties.RECEIVE_MAXIMUM);
            Integer maximumPacketSize = Mqtt5Properties.integer(properties, MqttProperties.MAXIMUM_PACKET_SIZE);
            Integer requestProblem = Mqtt5Properties.integer(properties, MqttProperties.REQUEST_PROBLEM_INFORMATION);
            Integer requestResponse = Mqtt5Properties.integer(properties, MqttProperties.REQUEST_RESPONSE_INFORMATION);
            responseInformationRequested = requestResponse != null && requestResponse == 1;
            if ((receiveMaximum != null && receiveMaximum == 0) || (maximumPacketSize != null && maximumPacketSize == 0)
                    || (requestProblem != null && requestProblem > 1) || (requestResponse != null && requestResponse > 1)) {
                return ConnectRefusal.PROTOCOL_ERROR;
            }
            connection.setSendQuota(Math.min(receiveMaximum == null ? 65_535 : receiveMaximum,
                    config.getMaxInflightOutbound()));
            if (maximumPacketSize != null) {
                connection.setClientMaximumPacketSize(maximumPacketSize);
            }
            Integer aliasMaximum = Mqtt5Properties.integer(properties, MqttProperties.TOPIC_ALIAS_MAXIMUM);
            connection.setProblemInformationRequested(requestProblem == null || requestProblem == 1);
            connection.setTopicAliases(config.getTopicAliasMaximum(), aliasMaximum == null ? 0 : aliasMaximum);
        } else {
            expiry = header.isCleanSession() ? 0 : ConnectionInfo.SESSION_NEVER_EXPIRES;
            if (expiry > config.getMaxSessionExpirySeconds()) {
                // 3.1.1 cannot be told, but its persistent session is as bounded as a 5.0 one.
                expiry = config.getMaxSessionExpirySeconds();
                limits.metrics().sessionExpiryCapped();
            }
            connection.setSendQuota(config.getMaxInflightOutbound());
        }

        String username = header.hasUserName() ? payload.userName() : null;
        byte[] password = header.hasPassword() ? payload.passwordInBytes() : null;

        WillMessage will = null;
        if (header.isWillFlag()) {
            String problem = TopicFilters.validateTopicName(payload.willTopic());
            if (problem != null) {
                return ConnectRefusal.TOPIC_NAME_INVALID;
            }
            if (mqtt5 && header.isWillRetain() && !config.isRetainAvailable()) {
                return ConnectRefusal.RETAIN_NOT_SUPPORTED;
            }
            if (mqtt5 && header.willQos() > config.getMaxQos()) {
                return ConnectRefusal.QOS_NOT_SUPPORTED;
            }
            MqttProperties willProperties = payload.willProperties();
            if (mqtt5 && !Mqtt5Properties.responseTopicValid(willProperties)) {
                return ConnectRefusal.PROTOCOL_ERROR;
            }
            Integer delay = mqtt5 ? Mqtt5Properties.integer(willProperties, MqttProperties.WILL_DELAY_INTERVAL) : null;
            byte[] willPayload = payload.willMessageInBytes() == null ? new byte[0] : payload.willMessageInBytes();
            will = new WillMessage(new PublishedMessage(payload.willTopic(), willPayload,
                    Math.min(header.willQos(), config.getMaxQos()), header.isWillRetain(), clientId, username, version,
                    Instant.now(), mqtt5 ? Mqtt5Properties.messageProperties(willProperties) : null),
                    delay == null ? 0 : Integer.toUnsignedLong(delay));
        }
        return new ConnectRequest(clientId, assigned, header.isCleanSession(), keepAlive, keepAliveCapped, expiry,
                expiryCapped, username, password, responseInformationRequested, will, authMethod,
                authMethod == null ? null : Mqtt5Properties.binary(properties, MqttProperties.AUTHENTICATION_DATA));
    }
}
