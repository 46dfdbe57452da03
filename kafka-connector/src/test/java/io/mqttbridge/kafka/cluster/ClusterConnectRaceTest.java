package io.mqttbridge.kafka.cluster;

import static io.mqttbridge.kafka.testing.ClusterOfNodes.collecting;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAck;
import io.mqttbridge.kafka.testing.ClusterNode;
import io.mqttbridge.kafka.testing.ClusterOfNodes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Two CONNECTs of one client id at the same moment on two nodes, the client having a stored
 * session: one connection remains, and it has the session. Real MQTT 5 clients over real sockets.
 */
class ClusterConnectRaceTest {

    private final ClusterOfNodes cluster = new ClusterOfNodes("race");

    @AfterEach
    void stop() {
        cluster.close();
    }

    @Test
    void twoConnectsAtOnceOnTwoNodesResumingAStoredSessionLeaveOneConnectionWithTheSessionAndItsQueue() throws Exception {
        ClusterNode one = cluster.node("n1");
        ClusterNode two = cluster.node("n2");
        one.awaitAlive(two);
        two.awaitAlive(one);
        String id = "racer";
        Mqtt5BlockingClient first = cluster.client(one, id).toBlocking();
        first.connectWith().cleanStart(true).sessionExpiryInterval(300).send();
        first.subscribeWith().topicFilter("race/cmd").qos(MqttQos.AT_LEAST_ONCE).send();
        first.disconnect();
        Mqtt5BlockingClient publisher = cluster.client(two, "race-publisher").toBlocking();
        publisher.connect();

        for (int round = 0; round < 16; round++) {
            // Queued while the client is away: they must move with the session.
            List<String> queued = List.of("q" + round + "-0", "q" + round + "-1", "q" + round + "-2");
            for (String message : queued) {
                publisher.publishWith().topic("race/cmd").qos(MqttQos.AT_LEAST_ONCE).payload(message.getBytes(UTF_8))
                        .send();
            }
            List<String> receivedOnOne = new CopyOnWriteArrayList<>();
            List<String> receivedOnTwo = new CopyOnWriteArrayList<>();
            Mqtt5AsyncClient onOne = collecting(cluster.client(one, id), receivedOnOne);
            Mqtt5AsyncClient onTwo = collecting(cluster.client(two, id), receivedOnTwo);
            CompletableFuture<Mqtt5ConnAck> ackOne = onOne.connectWith().cleanStart(false).sessionExpiryInterval(300).send();
            CompletableFuture<Mqtt5ConnAck> ackTwo = onTwo.connectWith().cleanStart(false).sessionExpiryInterval(300).send();
            CompletableFuture.allOf(ackOne, ackTwo).handle((x, e) -> null).get(30, TimeUnit.SECONDS);

            String state = "round " + round;
            await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
                assertThat(connected(onOne) + connected(onTwo)).as(state + ": clients still connected").isEqualTo(1);
                assertThat(connection(one, id) + connection(two, id)).as(state + ": nodes with a connection").isEqualTo(1);
            });
            Mqtt5AsyncClient winner = connected(onOne) == 1 ? onOne : onTwo;
            CompletableFuture<Mqtt5ConnAck> winnerAck = winner == onOne ? ackOne : ackTwo;
            assertThat(winnerAck.get().isSessionPresent()).as(state + ": session present for the remaining connection")
                    .isTrue();
            // The subscription came with the session: a message published now reaches the client.
            String payload = "m" + round;
            publisher.publishWith().topic("race/cmd").qos(MqttQos.AT_LEAST_ONCE).payload(payload.getBytes(UTF_8)).send();
            List<String> received = winner == onOne ? receivedOnOne : receivedOnTwo;
            String where = state + " on " + (winner == onOne ? "n1" : "n2");
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                    assertThat(received).as(where + ": what the remaining connection got").contains(payload));
            // The queued ones went to the client once its session was attached: to the connection that
            // remains, or to the other one before it was taken over.
            List<String> both = new ArrayList<>(receivedOnOne);
            both.addAll(receivedOnTwo);
            assertThat(both).as(state + ": what both connections got").containsAll(queued);
            winner.disconnect().get(5, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(5)).until(() -> connection(one, id) + connection(two, id) == 0);
        }
    }

    private static int connected(Mqtt5AsyncClient client) {
        return client.getState().isConnected() ? 1 : 0;
    }

    private static int connection(ClusterNode node, String clientId) {
        return node.broker().connection(clientId).isPresent() ? 1 : 0;
    }
}
