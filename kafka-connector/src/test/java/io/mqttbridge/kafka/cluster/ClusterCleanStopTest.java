package io.mqttbridge.kafka.cluster;

import static io.mqttbridge.kafka.testing.ClusterOfNodes.collecting;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import io.mqttbridge.kafka.testing.ClusterNode;
import io.mqttbridge.kafka.testing.ClusterOfNodes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A node stopped cleanly (SIGTERM) while messages stream to one of its clients, which reconnects to
 * another node as soon as it is disconnected: the messages that reached the stopping node for it
 * still reach it. Real MQTT 5 clients over real sockets.
 */
class ClusterCleanStopTest {

    private final ClusterOfNodes cluster = new ClusterOfNodes("stop");

    @AfterEach
    void stop() {
        cluster.close();
    }

    @Test
    void aClientThatMovesToAnotherNodeWhileItsNodeStopsGetsEveryMessagePublishedMeanwhile() throws Exception {
        ClusterNode one = cluster.node("n1");
        ClusterNode two = cluster.node("n2");
        one.awaitAlive(two);
        two.awaitAlive(one);
        List<String> received = new CopyOnWriteArrayList<>();
        CompletableFuture<Void> movedOver = new CompletableFuture<>();
        Mqtt5AsyncClient moving = cluster.track(collecting(MqttClient.builder().useMqttVersion5().identifier("mover")
                .serverHost("127.0.0.1").serverPort(one.port())
                // Reconnects at once to the other node, as a client behind a load balancer would.
                .addDisconnectedListener(context -> {
                    if (movedOver.complete(null)) {
                        collecting(cluster.client(two, "mover"), received)
                                .connectWith().cleanStart(false).sessionExpiryInterval(300).send();
                    }
                })
                .buildAsync(), received));
        moving.connectWith().cleanStart(true).sessionExpiryInterval(300).send().get(10, TimeUnit.SECONDS);
        moving.subscribeWith().topicFilter("stream/mover").qos(MqttQos.AT_LEAST_ONCE).send().get(10, TimeUnit.SECONDS);
        two.awaitRoute(one, "stream/mover");
        Mqtt5BlockingClient publisher = cluster.client(two, "streamer").toBlocking();
        publisher.connect();

        List<String> published = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            if (i == 100) {
                CompletableFuture.runAsync(() -> cluster.stop(one));
            }
            String payload = "s" + i;
            publisher.publishWith().topic("stream/mover").qos(MqttQos.AT_LEAST_ONCE).payload(payload.getBytes(UTF_8))
                    .send();
            published.add(payload);
            Thread.sleep(2); // a steady stream across the stop, not a burst before it
        }

        assertThat(movedOver).succeedsWithin(Duration.ofSeconds(10));
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            Set<String> missing = new LinkedHashSet<>(published);
            received.forEach(missing::remove);
            assertThat(missing).as("messages the client never got").isEmpty();
        });
    }
}
