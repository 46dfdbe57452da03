package io.mqttbridge.broker.e2e;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAck;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import com.hivemq.client.mqtt.mqtt5.message.unsubscribe.unsuback.Mqtt5UnsubAckReasonCode;
import io.mqttbridge.testing.mqtt.PahoV5Collector;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.MqttSubscription;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** MQTT 5 features end to end with the HiveMQ client and Eclipse Paho mqttv5. */
class Mqtt5EndToEndTest {

    private final TestBroker broker = TestBroker.start(c -> c.setMaxKeepAliveSeconds(30));
    private final List<Mqtt5BlockingClient> clients = new ArrayList<>();

    @AfterEach
    void stop() {
        for (Mqtt5BlockingClient client : clients) {
            if (client.getState().isConnected()) {
                client.disconnect();
            }
        }
        broker.close();
    }

    private Mqtt5BlockingClient client(String id) {
        Mqtt5BlockingClient client = Mqtt5Client.builder().identifier(id).serverHost("127.0.0.1")
                .serverPort(broker.port()).buildBlocking();
        clients.add(client);
        return client;
    }

    @Test
    void emptyClientIdIsAssignedAndKeepAliveIsCappedByTheServer() {
        Mqtt5BlockingClient client = client("");
        Mqtt5ConnAck connAck = client.connectWith().keepAlive(600).send();
        assertThat(connAck.getAssignedClientIdentifier()).isPresent();
        assertThat(connAck.getServerKeepAlive()).hasValue(30);
    }

    @Test
    void propertiesTravelFromPublisherToSubscriberWithRemainingExpiry() throws Exception {
        Mqtt5BlockingClient subscriber = client("sub5");
        subscriber.connect();
        Mqtt5BlockingClient.Mqtt5Publishes publishes = subscriber.publishes(MqttGlobalPublishFilter.ALL);
        subscriber.subscribeWith().topicFilter("req/#").qos(MqttQos.AT_LEAST_ONCE).send();
        Mqtt5BlockingClient publisher = client("pub5");
        publisher.connect();
        publisher.publishWith().topic("req/1").qos(MqttQos.AT_LEAST_ONCE)
                .payload("hi".getBytes(StandardCharsets.UTF_8))
                .contentType("text/plain").payloadFormatIndicator(com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PayloadFormatIndicator.UTF_8)
                .responseTopic("resp/1").correlationData("c-1".getBytes(StandardCharsets.UTF_8))
                .messageExpiryInterval(120)
                .userProperties().add("k", "v").add("k", "w").applyUserProperties()
                .send();
        Optional<Mqtt5Publish> received = publishes.receive(5, TimeUnit.SECONDS);
        assertThat(received).isPresent();
        Mqtt5Publish message = received.get();
        assertThat(message.getContentType().map(Object::toString)).hasValue("text/plain");
        assertThat(message.getResponseTopic().map(Object::toString)).hasValue("resp/1");
        assertThat(message.getCorrelationData().map(b -> StandardCharsets.UTF_8.decode(b).toString())).hasValue("c-1");
        assertThat(message.getMessageExpiryInterval().getAsLong()).isBetween(1L, 120L);
        assertThat(message.getUserProperties().asList()).hasSize(2);
        assertThat(message.getPayloadFormatIndicator()).isPresent();
    }

    @Test
    void noLocalSubscriptionDoesNotReceiveOwnMessages() throws Exception {
        Mqtt5BlockingClient client = client("self");
        client.connect();
        Mqtt5BlockingClient.Mqtt5Publishes publishes = client.publishes(MqttGlobalPublishFilter.ALL);
        client.subscribeWith().topicFilter("echo/own").noLocal(true).send();
        client.subscribeWith().topicFilter("echo/other").send();
        client.publishWith().topic("echo/own").payload("1".getBytes()).send();
        client.publishWith().topic("echo/other").payload("2".getBytes()).send();
        Optional<Mqtt5Publish> first = publishes.receive(5, TimeUnit.SECONDS);
        assertThat(first).isPresent();
        assertThat(first.get().getTopic().toString()).isEqualTo("echo/other");
    }

    @Test
    void sharedSubscriptionSpreadsMessagesAcrossTheGroup() throws Exception {
        AtomicInteger a = new AtomicInteger();
        AtomicInteger b = new AtomicInteger();
        Mqtt5BlockingClient memberA = client("memberA");
        memberA.connect();
        memberA.toAsync().subscribeWith().topicFilter("$share/g/work/#").callback(p -> a.incrementAndGet()).send().join();
        Mqtt5BlockingClient memberB = client("memberB");
        memberB.connect();
        memberB.toAsync().subscribeWith().topicFilter("$share/g/work/#").callback(p -> b.incrementAndGet()).send().join();
        Mqtt5BlockingClient publisher = client("workPub");
        publisher.connect();
        for (int i = 0; i < 10; i++) {
            publisher.publishWith().topic("work/" + i).qos(MqttQos.AT_LEAST_ONCE).payload(new byte[] {1}).send();
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> a.get() + b.get() == 10);
        assertThat(a.get()).isPositive();
        assertThat(b.get()).isPositive();
    }

    @Test
    void aSharedMemberThatUnsubscribesLeavesItsQueuedMessagesToAnotherMemberAndKeepsTheOneInFlight() {
        Mqtt5BlockingClient slow = client("slowMember");
        List<Mqtt5Publish> held = new CopyOnWriteArrayList<>();
        slow.toAsync().publishes(MqttGlobalPublishFilter.ALL, held::add, true);
        slow.connectWith().restrictions().receiveMaximum(1).applyRestrictions().send();
        slow.subscribeWith().topicFilter("$share/q/jobs/#").qos(MqttQos.AT_LEAST_ONCE).send();
        Mqtt5BlockingClient other = client("otherMember");
        List<String> received = new CopyOnWriteArrayList<>();
        other.toAsync().publishes(MqttGlobalPublishFilter.ALL,
                p -> received.add(new String(p.getPayloadAsBytes(), StandardCharsets.UTF_8)));
        other.connect();
        other.subscribeWith().topicFilter("$share/q/jobs/#").qos(MqttQos.AT_LEAST_ONCE).send();
        Mqtt5BlockingClient publisher = client("jobsPub");
        publisher.connect();
        List<String> published = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            publisher.publishWith().topic("jobs/" + i).qos(MqttQos.AT_LEAST_ONCE)
                    .payload(("j" + i).getBytes(StandardCharsets.UTF_8)).send();
            published.add("j" + i);
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> held.size() == 1 && received.size()
                + broker.broker.deliveryState("slowMember").orElseThrow().queuedMessages() + 1 == published.size());
        assertThat(broker.broker.deliveryState("slowMember").orElseThrow().queuedMessages()).isPositive();

        slow.unsubscribeWith().topicFilter("$share/q/jobs/#").send();
        await().atMost(Duration.ofSeconds(5)).until(() -> received.size() == 19);
        held.get(0).acknowledge();
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(3)).until(() -> received.size() == 19
                && held.size() == 1);
        List<String> all = new ArrayList<>(received);
        all.add(new String(held.get(0).getPayloadAsBytes(), StandardCharsets.UTF_8));
        assertThat(all).containsExactlyInAnyOrderElementsOf(published);
    }

    /**
     * A member whose session ends: its unacknowledged QoS 1 messages go to another member (4.8.2, a
     * SHOULD), its QoS 2 ones whose delivery began do not [MQTT-4.8.2-5]. They went too, and a member
     * that acted on a PUBLISH when it arrived had them processed twice in the group.
     */
    @Test
    void aSharedMemberWhoseSessionEndsLeavesItsQos1MessagesToAnotherMemberButNotItsStartedQos2Ones() {
        Mqtt5BlockingClient lazy = client("lazyMember");
        List<Mqtt5Publish> held = new CopyOnWriteArrayList<>();
        lazy.toAsync().publishes(MqttGlobalPublishFilter.ALL, held::add, true);
        lazy.connect();
        lazy.subscribeWith().topicFilter("$share/s/tasks/#").qos(MqttQos.EXACTLY_ONCE).send();
        Mqtt5BlockingClient steady = client("steadyMember");
        List<String> received = new CopyOnWriteArrayList<>();
        steady.toAsync().publishes(MqttGlobalPublishFilter.ALL,
                p -> received.add(new String(p.getPayloadAsBytes(), StandardCharsets.UTF_8)));
        steady.connect();
        steady.subscribeWith().topicFilter("$share/s/tasks/#").qos(MqttQos.EXACTLY_ONCE).send();
        Mqtt5BlockingClient publisher = client("tasksPub");
        publisher.connect();
        for (int i = 0; i < 16; i++) {
            MqttQos qos = i % 4 < 2 ? MqttQos.AT_LEAST_ONCE : MqttQos.EXACTLY_ONCE;
            publisher.publishWith().topic("tasks/" + i).qos(qos)
                    .payload(("q" + qos.getCode() + "-" + i).getBytes(StandardCharsets.UTF_8)).send();
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> held.size() + received.size() == 16);
        List<String> heldQos1 = payloadsAt(held, MqttQos.AT_LEAST_ONCE);
        List<String> heldQos2 = payloadsAt(held, MqttQos.EXACTLY_ONCE);
        assertThat(heldQos1).as("QoS 1 messages the lazy member holds").isNotEmpty();
        assertThat(heldQos2).as("QoS 2 messages the lazy member holds").isNotEmpty();
        List<String> receivedBefore = List.copyOf(received);

        lazy.disconnect();
        publisher.publishWith().topic("tasks/last").qos(MqttQos.AT_LEAST_ONCE).payload("last".getBytes()).send();
        await().atMost(Duration.ofSeconds(5)).until(() -> received.containsAll(heldQos1) && received.contains("last"));
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(3))
                .until(() -> received.size() == receivedBefore.size() + heldQos1.size() + 1);
        assertThat(received).doesNotContainAnyElementsOf(heldQos2);
    }

    private static List<String> payloadsAt(List<Mqtt5Publish> publishes, MqttQos qos) {
        return publishes.stream().filter(p -> p.getQos() == qos)
                .map(p -> new String(p.getPayloadAsBytes(), StandardCharsets.UTF_8)).toList();
    }

    @Test
    void unsubscribeFromUnknownFilterReportsNoSubscriptionExisted() {
        Mqtt5BlockingClient client = client("unsub");
        client.connect();
        client.subscribeWith().topicFilter("known").send();
        var ack = client.unsubscribeWith().topicFilter("known").addTopicFilter("unknown").send();
        assertThat(ack.getReasonCodes()).containsExactly(Mqtt5UnsubAckReasonCode.SUCCESS,
                Mqtt5UnsubAckReasonCode.NO_SUBSCRIPTIONS_EXISTED);
    }

    @Test
    void overlappingSubscriptionsDeliverOnceAtMaxQosWithEverySubscriptionIdentifier() throws Exception {
        List<MqttMessage> received = new CopyOnWriteArrayList<>();
        MqttAsyncClient paho = new MqttAsyncClient(broker.tcpUri(), "overlap", new MemoryPersistence());
        paho.setCallback(new PahoV5Collector((topic, message) -> received.add(message)));
        paho.connect().waitForCompletion(5000);
        MqttProperties first = new MqttProperties();
        first.setSubscriptionIdentifier(7);
        paho.subscribe(new MqttSubscription[] {new MqttSubscription("o/+", 0)}, null, null, first).waitForCompletion(5000);
        MqttProperties second = new MqttProperties();
        second.setSubscriptionIdentifier(9);
        paho.subscribe(new MqttSubscription[] {new MqttSubscription("o/#", 1)}, null, null, second).waitForCompletion(5000);

        Mqtt5BlockingClient publisher = client("overlapPub");
        publisher.connect();
        publisher.publishWith().topic("o/x").qos(MqttQos.EXACTLY_ONCE).payload(new byte[] {1}).send();
        publisher.publishWith().topic("o/marker/end").qos(MqttQos.AT_LEAST_ONCE).payload(new byte[] {2}).send();
        await().atMost(Duration.ofSeconds(5)).until(() -> received.size() >= 2);
        assertThat(received).hasSize(2);
        assertThat(received.get(0).getQos()).isEqualTo(1);
        assertThat(received.get(0).getProperties().getSubscriptionIdentifiers()).containsExactlyInAnyOrder(7, 9);
        paho.disconnect().waitForCompletion(5000);
        paho.close();
    }

    @Test
    void takenOverAndAdministrativelyDisconnectedClientsGetReasonCodes() throws Exception {
        PahoV5Collector collected = new PahoV5Collector();
        List<Integer> codes = collected.disconnectCodes();
        MqttAsyncClient paho = new MqttAsyncClient(broker.tcpUri(), "victim", new MemoryPersistence());
        paho.setCallback(collected);
        paho.connect().waitForCompletion(5000);
        Mqtt5BlockingClient thief = client("victim");
        thief.connect();
        await().atMost(Duration.ofSeconds(5)).until(() -> !codes.isEmpty());
        assertThat(codes.get(0)).isEqualTo(0x8E);
        paho.close(true);

        assertThat(broker.broker.disconnect("victim")).isTrue();
        await().atMost(Duration.ofSeconds(5)).until(() -> !thief.getState().isConnected());
    }
}
