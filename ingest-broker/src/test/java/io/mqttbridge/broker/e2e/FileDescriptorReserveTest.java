package io.mqttbridge.broker.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.management.UnixOperatingSystemMXBean;
import io.mqttbridge.broker.metrics.LimitMetrics;
import io.mqttbridge.testing.mqtt.RawMqttClient;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code limits.fileDescriptorReserve} on real descriptors: the reserve leaves room for a few dozen more
 * open files in this JVM. Connections are opened until one is closed at once, without a CONNACK: by
 * then the process really holds its limit less the reserve (the clients' own sockets are in this JVM
 * too, so it may hold a little more, never less). The admitted connections keep working, and closing
 * connections makes room for new ones.
 */
class FileDescriptorReserveTest {

    private static final UnixOperatingSystemMXBean OS =
            (UnixOperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    private final List<RawMqttClient> admitted = new ArrayList<>();
    private final List<RawMqttClient> refused = new ArrayList<>();
    private TestBroker broker;

    @AfterEach
    void closeAll() throws Exception {
        for (RawMqttClient client : admitted) {
            client.close();
        }
        for (RawMqttClient client : refused) {
            client.close();
        }
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void connectionsThatWouldTakeTheReservedDescriptorsAreClosedAtOnceAndTheOthersWork() throws Exception {
        long max = OS.getMaxFileDescriptorCount();
        int reserve = (int) (max - OS.getOpenFileDescriptorCount() - 60);
        broker = TestBroker.start(config -> config.getLimits().setFileDescriptorReserve(reserve));

        long openAtFirstRefusal = -1;
        for (int i = 0; i < 200 && openAtFirstRefusal < 0; i++) {
            RawMqttClient client = new RawMqttClient(broker.port());
            RawMqttClient.Packet answer = connectOrClosed(client, "fd-" + i);
            if (answer == null) {
                openAtFirstRefusal = OS.getOpenFileDescriptorCount();
                refused.add(client);
            } else {
                assertThat(answer.type()).isEqualTo(2);
                admitted.add(client);
            }
        }
        assertThat(openAtFirstRefusal).as("a connection was refused").isPositive();
        assertThat(openAtFirstRefusal).as("only once the process held its limit less the reserve")
                .isGreaterThanOrEqualTo(max - reserve);
        assertThat(admitted).isNotEmpty();
        assertThat(broker.metrics.meter(LimitMetrics.FILE_DESCRIPTORS).getCount()).isEqualTo(1);

        RawMqttClient first = admitted.get(0);
        first.send(RawMqttClient.packet(0xC0, new byte[0]));
        assertThat(first.read().type()).as("an admitted client still gets PINGRESP").isEqualTo(13);

        for (RawMqttClient client : refused) {
            client.close();
        }
        // Each connection here holds two of this JVM's descriptors (the client's and the broker's).
        for (RawMqttClient client : admitted.subList(1, admitted.size())) {
            client.close();
        }
        first.send(RawMqttClient.packet(0xC0, new byte[0]));
        assertThat(first.read().type()).isEqualTo(13);
        await("room again once connections closed").atMost(Duration.ofSeconds(10)).until(() -> {
            RawMqttClient later = new RawMqttClient(broker.port());
            if (connectOrClosed(later, "fd-later") == null) {
                later.close();
                return false;
            }
            admitted.add(later);
            return true;
        });
    }

    /** The CONNACK, or {@code null} when the broker closed the connection (before or after the CONNECT). */
    private static RawMqttClient.Packet connectOrClosed(RawMqttClient client, String clientId) {
        try {
            client.send(RawMqttClient.connect(4, clientId, true, 60));
            return client.read();
        } catch (IOException closed) {
            return null;
        }
    }
}
