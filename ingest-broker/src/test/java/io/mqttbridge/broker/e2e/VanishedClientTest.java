package io.mqttbridge.broker.e2e;

import io.mqttbridge.broker.spi.Authenticator;
import io.mqttbridge.broker.spi.Authorizer;
import io.mqttbridge.broker.spi.ConnectionInfo;
import io.mqttbridge.broker.spi.DisconnectInfo;
import io.mqttbridge.broker.spi.PublishSink;
import io.mqttbridge.broker.spi.SessionListener;
import io.mqttbridge.testing.mqtt.RawMqttClient;
import io.mqttbridge.testing.net.PacketDrop;
import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A client with keep alive 0 whose host vanishes (every packet dropped by iptables: no FIN, no reset)
 * is found by the TCP keepalive probes of {@code tcpKeepAliveSeconds}: its connection is closed and
 * its will published. The same client on a broker that leaves it to the operating system (hours) is
 * still "connected" at that moment. Skipped where iptables is not permitted.
 */
class VanishedClientTest {

    @Test
    void aSilentlyVanishedClientWithoutKeepAliveIsClosedAndItsWillPublished() throws Exception {
        Disconnects probed = new Disconnects();
        Disconnects unprobed = new Disconnects();
        try (TestBroker probing = broker(c -> c.setTcpKeepAliveSeconds(3), probed);
             TestBroker osDefault = broker(c -> c.setTcpKeepAliveSeconds(0), unprobed);
             RawMqttClient first = connectWithWill(probing.port());
             RawMqttClient second = connectWithWill(osDefault.port())) {
            await().atMost(Duration.ofSeconds(5)).until(() -> probing.broker.connectedClients().size() == 1
                    && osDefault.broker.connectedClients().size() == 1);

            try (PacketDrop a = PacketDrop.on(probing.port()); PacketDrop b = PacketDrop.on(osDefault.port())) {
                // Probes start after 1 s of silence, one a second, three unanswered: about 4 s.
                await().atMost(Duration.ofSeconds(20)).until(() -> probing.broker.connectedClients().isEmpty());
                assertThat(probed.all).singleElement().satisfies(disconnect -> {
                    assertThat(disconnect.reason()).isEqualTo(DisconnectInfo.CONNECTION_LOST);
                    assertThat(disconnect.willPublished()).isTrue();
                });
                assertThat(osDefault.broker.connectedClients()).hasSize(1);
                assertThat(unprobed.all).isEmpty();
            }
        }
    }

    private static TestBroker broker(Consumer<io.mqttbridge.broker.config.BrokerConfig> config, Disconnects listener) {
        return new TestBroker(config, Authenticator.ALLOW_ALL, Authorizer.ALLOW_ALL, PublishSink.NONE, listener);
    }

    /** MQTT 3.1.1, keep alive 0, with a will: the kind of client only TCP can find gone. */
    private static RawMqttClient connectWithWill(int port) throws Exception {
        RawMqttClient client = new RawMqttClient(port);
        client.send(RawMqttClient.connect(4, "sleeper", true, 0, "status/sleeper", "gone"));
        assertThat(client.next(10)).isInstanceOf(MqttConnAckMessage.class);
        return client;
    }

    private static final class Disconnects implements SessionListener {
        final List<DisconnectInfo> all = new CopyOnWriteArrayList<>();

        @Override
        public void onDisconnected(ConnectionInfo connection, DisconnectInfo disconnect) {
            all.add(disconnect);
        }
    }
}
