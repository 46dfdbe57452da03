package io.mqttbridge.broker.config;

import io.mqttbridge.broker.MqttBroker;
import io.mqttbridge.broker.listener.ClientAuth;
import io.mqttbridge.broker.listener.ListenerConfig;
import io.mqttbridge.broker.listener.TlsConfig;
import io.mqttbridge.broker.listener.Transport;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BrokerConfigTest {

    @Test
    void defaultsAreValid() {
        BrokerConfig config = new BrokerConfig().validate();
        assertThat(config.getPort()).isEqualTo(BrokerConfig.DEFAULT_PORT);
        assertThat(config.getHost()).isEqualTo("0.0.0.0");
    }

    @Test
    void invalidValuesAreRejectedNamingTheKey() {
        BrokerConfig badQos = new BrokerConfig();
        badQos.setMaxQos(3);
        assertThatThrownBy(badQos::validate).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'maxQos'");
        BrokerConfig badPort = new BrokerConfig();
        badPort.setPort(70_000);
        assertThatThrownBy(badPort::validate).hasMessageContaining("'port'");
        BrokerConfig badReceive = new BrokerConfig();
        badReceive.setReceiveMaximum(0);
        assertThatThrownBy(badReceive::validate).hasMessageContaining("'receiveMaximum'");
        BrokerConfig badSysInterval = new BrokerConfig();
        badSysInterval.setSysIntervalSeconds(-1);
        assertThatThrownBy(badSysInterval::validate).hasMessageContaining("'sysIntervalSeconds'");
        badSysInterval.setSysIntervalSeconds(86_401);
        assertThatThrownBy(badSysInterval::validate).hasMessageContaining("'sysIntervalSeconds'");
        BrokerConfig badTcpKeepAlive = new BrokerConfig();
        badTcpKeepAlive.setTcpKeepAliveSeconds(-1);
        assertThatThrownBy(badTcpKeepAlive::validate).hasMessageContaining("'tcpKeepAliveSeconds'");
    }

    @Test
    void withoutListenersTheHostAndPortMakeTheDefaultTcpListener() {
        BrokerConfig config = new BrokerConfig();
        config.setHost("127.0.0.2");
        config.setPort(1999);
        assertThat(config.validate().effectiveListeners()).singleElement().satisfies(listener -> {
            assertThat(listener.getName()).isEqualTo(BrokerConfig.DEFAULT_LISTENER_NAME);
            assertThat(listener.getTransport()).isEqualTo(Transport.TCP);
            assertThat(listener.getHost()).isEqualTo("127.0.0.2");
            assertThat(listener.getPort()).isEqualTo(1999);
        });
    }

    @Test
    void invalidListenersAreRejectedNamingTheListenerKey() {
        assertThatThrownBy(() -> withListeners(new ListenerConfig("a", Transport.TCP, "0.0.0.0", 1883),
                new ListenerConfig("a", Transport.WS, "0.0.0.0", 8080)).validate())
                .hasMessageContaining("'listeners[1].name'");
        assertThatThrownBy(() -> withListeners(new ListenerConfig("secure", Transport.TLS, "0.0.0.0", 8883)).validate())
                .hasMessageContaining("'listeners[0].tls'");
        ListenerConfig noPort = new ListenerConfig();
        noPort.setName("p");
        assertThatThrownBy(() -> withListeners(noPort).validate()).hasMessageContaining("'listeners[0].port'");
        ListenerConfig badPath = new ListenerConfig("ws", Transport.WS, "0.0.0.0", 80);
        badPath.setWebSocketPath("mqtt");
        assertThatThrownBy(() -> withListeners(badPath).validate()).hasMessageContaining("'listeners[0].webSocketPath'");
        ListenerConfig mutualWithoutCa = new ListenerConfig("m", Transport.TLS, "0.0.0.0", 8883);
        TlsConfig tls = new TlsConfig();
        tls.setCertificateFile("server.crt");
        tls.setPrivateKeyFile("server.key");
        tls.setClientAuth(ClientAuth.REQUIRED);
        mutualWithoutCa.setTls(tls);
        assertThatThrownBy(() -> withListeners(mutualWithoutCa).validate())
                .hasMessageContaining("'listeners[0].tls.trustedCaFile'");
        tls.setTrustedCaFile("ca.crt");
        tls.setProtocols(java.util.List.of("TLSv1.1"));
        assertThatThrownBy(() -> withListeners(mutualWithoutCa).validate())
                .hasMessageContaining("'listeners[0].tls.protocols'");
    }

    @Test
    void negativeLimitIsRejectedNamingTheKey() {
        BrokerConfig config = new BrokerConfig();
        config.getLimits().setPublishRatePerClient(-1);
        assertThatThrownBy(config::validate).hasMessageContaining("'limits.publishRatePerClient'");
        BrokerConfig reserve = new BrokerConfig();
        assertThat(reserve.getLimits().getFileDescriptorReserve()).as("on by default").isEqualTo(256);
        reserve.getLimits().setFileDescriptorReserve(-1);
        assertThatThrownBy(reserve::validate).hasMessageContaining("'limits.fileDescriptorReserve'");
        BrokerConfig pending = new BrokerConfig();
        assertThat(pending.getLimits().getMaxPendingConnectBytes()).isEqualTo(64L * 1024 * 1024);
        pending.getLimits().setMaxPendingConnectBytes(-1);
        assertThatThrownBy(pending::validate).hasMessageContaining("'limits.maxPendingConnectBytes'");
        BrokerConfig packets = new BrokerConfig();
        assertThat(packets.getLimits().getMaxPendingPacketBytes()).as("on by default").isEqualTo(128L * 1024 * 1024);
        packets.getLimits().setMaxPendingPacketBytes(-1);
        assertThatThrownBy(packets::validate).hasMessageContaining("'limits.maxPendingPacketBytes'");
        packets.getLimits().setMaxPendingPacketBytes(packets.getMaxPacketSize() - 1);
        assertThatThrownBy(packets::validate).as("no packet larger than it could ever be received")
                .hasMessageContaining("'limits.maxPendingPacketBytes'").hasMessageContaining("maxPacketSize");
        packets.getLimits().setMaxPendingPacketBytes(0);
        packets.validate();
        BrokerConfig heap = new BrokerConfig();
        assertThat(heap.getMaxQueuedHeapPercent()).isEqualTo(40);
        heap.setMaxQueuedHeapPercent(95);
        assertThatThrownBy(heap::validate).hasMessageContaining("maxQueuedHeapPercent");
    }

    private static BrokerConfig withListeners(ListenerConfig... listeners) {
        BrokerConfig config = new BrokerConfig();
        config.setListeners(java.util.List.of(listeners));
        return config;
    }

    @Test
    void portInUseFailsStartNamingThePort() {
        BrokerConfig first = new BrokerConfig();
        first.setHost("127.0.0.1");
        first.setPort(0);
        MqttBroker running = new MqttBroker(first);
        running.start();
        try {
            BrokerConfig second = new BrokerConfig();
            second.setHost("127.0.0.1");
            second.setPort(running.port());
            MqttBroker clash = new MqttBroker(second);
            assertThatThrownBy(clash::start).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("127.0.0.1:" + running.port());
        } finally {
            running.stop();
        }
    }
}
