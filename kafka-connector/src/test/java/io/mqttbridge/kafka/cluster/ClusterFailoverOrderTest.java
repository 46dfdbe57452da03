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
import io.mqttbridge.kafka.testing.FreezableSessionStore;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The order of one publisher's messages on one topic [MQTT-4.6.0-5] for a client of a killed node
 * that resumes on another node while the publisher goes on: what the dead node's inbox held for it
 * (recovered before the CONNACK) comes before what reached its session directly meanwhile. Real
 * MQTT 5 clients over real sockets.
 */
class ClusterFailoverOrderTest {

    private final ClusterOfNodes cluster = new ClusterOfNodes("order");

    @AfterEach
    void stop() {
        cluster.close();
    }

    @Test
    void aClientOfAKilledNodeGetsAStreamPublishedThroughTheCrashAndItsResumeInOrder() throws Exception {
        ClusterNode one = cluster.node("n1");
        FreezableSessionStore twoStore = cluster.freezableStore();
        ClusterNode two = cluster.node("n2", twoStore);
        List<String> beforeCrash = new CopyOnWriteArrayList<>();
        Mqtt5AsyncClient subscriber = collecting(cluster.client(two, "ordered"), beforeCrash);
        subscriber.connectWith().cleanStart(true).sessionExpiryInterval(300).send().get(10, TimeUnit.SECONDS);
        subscriber.subscribeWith().topicFilter("order/x").qos(MqttQos.AT_LEAST_ONCE).send().get(10, TimeUnit.SECONDS);
        one.awaitRoute(two, "order/x");

        // One publisher on node 1 streams numbered QoS 1 messages through the crash and the resume.
        Mqtt5BlockingClient publisher = cluster.client(one, "order-publisher").toBlocking();
        publisher.connect();
        List<String> published = new CopyOnWriteArrayList<>();
        AtomicBoolean publishing = new AtomicBoolean(true);
        Thread stream = new Thread(() -> {
            for (int i = 0; publishing.get() && i < 20_000; i++) {
                publisher.publishWith().topic("order/x").qos(MqttQos.AT_LEAST_ONCE).payload(("m" + i).getBytes(UTF_8))
                        .send();
                published.add("m" + i);
            }
        }, "order-publisher");
        stream.start();
        try {
            await().atMost(Duration.ofSeconds(10)).until(() -> beforeCrash.size() >= 20);
            twoStore.freeze();
            two.crash();
            int atCrash = published.size();
            // A backlog for the client waits in node 2's inbox, which nobody reads now.
            await().atMost(Duration.ofSeconds(10)).until(() -> published.size() >= atCrash + 50);

            // The client resumes on node 1, which waits for node 2 to count as dead, restores the
            // session (node 1 routes to it directly from then on) and recovers node 2's inbox.
            List<String> afterResume = new CopyOnWriteArrayList<>();
            Mqtt5ConnAck ack = collecting(cluster.client(one, "ordered"), afterResume).connectWith()
                    .cleanStart(false).sessionExpiryInterval(300).send().get(30, TimeUnit.SECONDS);
            assertThat(ack.isSessionPresent()).isTrue();
            int atResume = published.size();
            await().atMost(Duration.ofSeconds(10)).until(() -> published.size() >= atResume + 50);
            publishing.set(false);
            stream.join(10_000);

            Set<String> everyDelivery = new LinkedHashSet<>(beforeCrash);
            await().atMost(Duration.ofSeconds(15)).until(() -> {
                everyDelivery.addAll(afterResume);
                return everyDelivery.containsAll(published);
            });
            List<Integer> numbers = afterResume.stream()
                    .map(payload -> Integer.parseInt(payload.substring(1))).toList();
            assertThat(numbers).as("the publisher's messages after the resume, in the order the client got them")
                    .isSorted().doesNotHaveDuplicates();
            assertThat(numbers).last().isEqualTo(published.size() - 1);
        } finally {
            publishing.set(false);
            stream.join(10_000);
        }
    }
}
