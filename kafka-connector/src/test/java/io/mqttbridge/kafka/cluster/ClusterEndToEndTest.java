package io.mqttbridge.kafka.cluster;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.codahale.metrics.MetricRegistry;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAck;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.mqttbridge.broker.retained.InMemoryRetainedStore;
import io.mqttbridge.broker.session.InMemorySessionStore;
import io.mqttbridge.broker.spi.AuthenticationResult;
import io.mqttbridge.broker.spi.Authenticator;
import io.mqttbridge.broker.spi.DeviceIdentity;
import io.mqttbridge.broker.spi.MessageProperties;
import io.mqttbridge.broker.spi.PublishedMessage;
import io.mqttbridge.kafka.downlink.DownlinkConfig;
import io.mqttbridge.kafka.downlink.KafkaDownlink;
import io.mqttbridge.kafka.mirror.MirrorRule;
import io.mqttbridge.kafka.mirror.ProducerSettings;
import io.mqttbridge.kafka.testing.ClusterNode;
import io.mqttbridge.kafka.testing.FreezableSessionStore;
import io.mqttbridge.testing.kafka.KafkaTestClients;
import io.mqttbridge.testing.kafka.TestKafka;
import java.net.Socket;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.MqttSubscription;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Several broker nodes in one JVM, each with its own {@link KafkaClusterFabric}, on the shared test
 * Kafka and one session and retained store, driven by real MQTT clients over real sockets.
 */
class ClusterEndToEndTest {

    private final List<ClusterNode> nodes = new ArrayList<>();
    private final List<AutoCloseable> clients = new ArrayList<>();
    private final InMemorySessionStore sessions = new InMemorySessionStore();
    private final InMemoryRetainedStore retained = new InMemoryRetainedStore();
    private String bootstrap;
    private ClusterConfig clusterConfig;
    private String mirrorTopic;

    @BeforeEach
    void cluster() {
        bootstrap = TestKafka.bootstrapServers();
        clusterConfig = ClusterNode.testConfig(KafkaTestClients.uniqueTopic("cluster"));
        mirrorTopic = KafkaTestClients.uniqueTopic("cluster-mirror");
    }

    @AfterEach
    void stop() {
        for (AutoCloseable client : clients) {
            try {
                client.close();
            } catch (Exception ignored) {
                // already gone
            }
        }
        nodes.forEach(ClusterNode::close);
    }

    private ClusterNode node(String nodeId) {
        return node(nodeId, sessions);
    }

    private ClusterNode node(String nodeId, io.mqttbridge.broker.spi.SessionStore store) {
        ClusterNode node = ClusterNode.start(bootstrap, clusterConfig, nodeId, store, retained,
                List.of(new MirrorRule("#", mirrorTopic)));
        nodes.add(node);
        return node;
    }

    /**
     * A persistent QoS 1 member of {@code sharedFilter} that takes one message at a time (receive
     * maximum 1) and never acknowledges it: what it got goes to {@code held}.
     */
    private Mqtt5BlockingClient holdingSharedMember(ClusterNode node, String clientId, String sharedFilter,
            List<Mqtt5Publish> held) {
        Mqtt5BlockingClient member = hive(node, clientId);
        member.toAsync().publishes(com.hivemq.client.mqtt.MqttGlobalPublishFilter.ALL, held::add, true);
        member.connectWith().cleanStart(true).sessionExpiryInterval(300).restrictions().receiveMaximum(1)
                .applyRestrictions().send();
        member.subscribeWith().topicFilter(sharedFilter).qos(MqttQos.AT_LEAST_ONCE).send();
        return member;
    }

    /** A clean QoS 1 member of {@code sharedFilter} that records the payloads it gets in {@code received}. */
    private void collectingSharedMember(ClusterNode node, String clientId, String sharedFilter, List<String> received) {
        Mqtt5BlockingClient member = hive(node, clientId);
        member.toAsync().publishes(com.hivemq.client.mqtt.MqttGlobalPublishFilter.ALL,
                p -> received.add(new String(p.getPayloadAsBytes(), UTF_8)));
        member.connectWith().cleanStart(true).send();
        member.subscribeWith().topicFilter(sharedFilter).qos(MqttQos.AT_LEAST_ONCE).send();
    }

    /** Publishes 20 QoS 1 messages {@code payloadPrefix + i} to {@code topicPrefix + i}; returns the payloads. */
    private List<String> publishNumbered(ClusterNode node, String clientId, String topicPrefix, String payloadPrefix) {
        Mqtt5BlockingClient publisher = hive(node, clientId);
        publisher.connect();
        List<String> published = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            publisher.publishWith().topic(topicPrefix + i).qos(MqttQos.AT_LEAST_ONCE)
                    .payload((payloadPrefix + i).getBytes(UTF_8)).send();
            published.add(payloadPrefix + i);
        }
        return published;
    }

    /** Resumes {@code clientId}'s session (expiry 300 s) on {@code node}; what arrives goes to {@code received}. */
    private Mqtt5ConnAck resume(ClusterNode node, String clientId, List<String> received) {
        Mqtt5BlockingClient client = hive(node, clientId);
        client.toAsync().publishes(com.hivemq.client.mqtt.MqttGlobalPublishFilter.ALL,
                p -> received.add(new String(p.getPayloadAsBytes(), UTF_8)));
        return client.connectWith().cleanStart(false).sessionExpiryInterval(300).send();
    }

    private Mqtt5BlockingClient hive(ClusterNode node, String clientId) {
        Mqtt5BlockingClient client = MqttClient.builder().useMqttVersion5().identifier(clientId)
                .serverHost("127.0.0.1").serverPort(node.port()).buildBlocking();
        clients.add(() -> {
            if (client.getState().isConnected()) {
                client.disconnect();
            }
        });
        return client;
    }

    /** A Paho 5 client that records what arrives and how it was disconnected. */
    private static final class PahoV5 implements MqttCallback {
        final MqttAsyncClient client;
        final List<MqttMessage> received = new CopyOnWriteArrayList<>();
        final List<String> topics = new CopyOnWriteArrayList<>();
        final List<Integer> disconnectCodes = new CopyOnWriteArrayList<>();

        PahoV5(ClusterNode node, String clientId) throws MqttException {
            client = new MqttAsyncClient(node.serverUri(), clientId, new org.eclipse.paho.mqttv5.client.persist.MemoryPersistence());
            client.setCallback(this);
        }

        @Override
        public void disconnected(MqttDisconnectResponse response) {
            disconnectCodes.add(response.getReturnCode());
        }

        @Override
        public void mqttErrorOccurred(MqttException exception) {
        }

        @Override
        public void messageArrived(String topic, MqttMessage message) {
            topics.add(topic);
            received.add(message);
        }

        @Override
        public void deliveryComplete(IMqttToken token) {
        }

        @Override
        public void connectComplete(boolean reconnect, String serverUri) {
        }

        @Override
        public void authPacketArrived(int reasonCode, MqttProperties properties) {
        }
    }

    private PahoV5 paho5(ClusterNode node, String clientId) throws MqttException {
        PahoV5 paho = new PahoV5(node, clientId);
        clients.add(() -> {
            if (paho.client.isConnected()) {
                paho.client.disconnect().waitForCompletion(2_000);
            }
            paho.client.close();
        });
        return paho;
    }

    @Test
    void anotherIdentityCannotTakeOverAPersistentSessionThroughAnotherNode() throws Exception {
        // Every user name is its own authenticated device identity, with any client id.
        Authenticator byUsername = request -> CompletableFuture.completedFuture(AuthenticationResult.success(
                new DeviceIdentity(request.username(), request.username(), request.clientId(), null)));
        ClusterNode one = started(ClusterNode.start(bootstrap, clusterConfig, "n1", sessions, retained,
                List.of(new MirrorRule("#", mirrorTopic)), new ProducerSettings().setLingerMs(1), byUsername));
        ClusterNode two = started(ClusterNode.start(bootstrap, clusterConfig, "n2", sessions, retained,
                List.of(new MirrorRule("#", mirrorTopic)), new ProducerSettings().setLingerMs(1), byUsername));
        PahoV5 owner = paho5(one, "meter-7");
        owner.client.connect(persistentAs("dev-a")).waitForCompletion(5_000);
        owner.client.subscribe(new MqttSubscription[] {new MqttSubscription("meters/7/cmd", 1)}).waitForCompletion(5_000);

        PahoV5 intruder = paho5(two, "meter-7");
        assertThatThrownBy(() -> intruder.client.connect(persistentAs("dev-b")).waitForCompletion(5_000))
                .isInstanceOf(MqttException.class)
                .satisfies(e -> assertThat(((MqttException) e).getReasonCode()).isEqualTo(0x85));
        assertThat(owner.client.isConnected()).as("the owner keeps its connection").isTrue();

        owner.client.disconnect().waitForCompletion(5_000);
        await().atMost(Duration.ofSeconds(10)).until(() -> sessions.load("meter-7").get().isPresent());
        PahoV5 stillIntruder = paho5(two, "meter-7");
        assertThatThrownBy(() -> stillIntruder.client.connect(persistentAs("dev-b")).waitForCompletion(5_000))
                .isInstanceOf(MqttException.class)
                .satisfies(e -> assertThat(((MqttException) e).getReasonCode()).isEqualTo(0x85));

        PahoV5 ownerAgain = paho5(two, "meter-7");
        IMqttToken resumed = ownerAgain.client.connect(persistentAs("dev-a"));
        resumed.waitForCompletion(5_000);
        assertThat(resumed.getSessionPresent()).as("the owner resumes its session on the other node").isTrue();
    }

    @Test
    void anotherIdentityCannotTakeOverACleanSessionThroughAnotherNodeUntilItEnds() throws Exception {
        Authenticator byUsername = request -> CompletableFuture.completedFuture(AuthenticationResult.success(
                new DeviceIdentity(request.username(), request.username(), request.clientId(), null)));
        ClusterNode one = started(ClusterNode.start(bootstrap, clusterConfig, "n1", sessions, retained,
                List.of(new MirrorRule("#", mirrorTopic)), new ProducerSettings().setLingerMs(1), byUsername));
        ClusterNode two = started(ClusterNode.start(bootstrap, clusterConfig, "n2", sessions, retained,
                List.of(new MirrorRule("#", mirrorTopic)), new ProducerSettings().setLingerMs(1), byUsername));
        Mqtt5BlockingClient owner = hive(one, "meter-8");
        owner.connectWith().cleanStart(true).simpleAuth().username("dev-a").applySimpleAuth().send();
        await().atMost(Duration.ofSeconds(10)).until(() -> two.fabric().holderOf("meter-8").equals(Optional.of("n1")));

        Mqtt5BlockingClient intruder = hive(two, "meter-8");
        assertThatThrownBy(() -> intruder.connectWith().cleanStart(true).simpleAuth().username("dev-b").applySimpleAuth()
                .send())
                .isInstanceOf(com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException.class)
                .satisfies(e -> assertThat(((com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException) e)
                        .getMqttMessage().getReasonCode().getCode()).isEqualTo(0x85));
        assertThat(owner.getState().isConnected()).as("the owner keeps its connection").isTrue();

        // Once the clean session ended, the client id is free for anyone.
        owner.disconnect();
        await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> {
            Mqtt5BlockingClient other = hive(two, "meter-8");
            other.connectWith().cleanStart(true).simpleAuth().username("dev-b").applySimpleAuth().send();
            return other.getState().isConnected();
        });
    }

    @Test
    void sharedGroupMessagesForwardedToAKilledNodeGoToAMemberOnAnotherNodeOnce() throws Exception {
        ClusterNode one = node("n1");
        ClusterNode two = node("n2");
        ClusterNode three = node("n3");
        Mqtt5BlockingClient onTwo = hive(two, "member-two");
        onTwo.connectWith().cleanStart(true).sessionExpiryInterval(300).send();
        onTwo.subscribeWith().topicFilter("$share/g/jobs").qos(MqttQos.AT_LEAST_ONCE).send();
        Mqtt5BlockingClient onThree = hive(three, "member-three");
        List<String> received = new CopyOnWriteArrayList<>();
        onThree.toAsync().publishes(com.hivemq.client.mqtt.MqttGlobalPublishFilter.ALL,
                p -> received.add(new String(p.getPayloadAsBytes(), UTF_8)));
        onThree.connectWith().cleanStart(true).sessionExpiryInterval(300).send();
        onThree.subscribeWith().topicFilter("$share/g/jobs").qos(MqttQos.AT_LEAST_ONCE).send();
        one.awaitRoute(two, "$share/g/jobs");
        one.awaitRoute(three, "$share/g/jobs");
        Mqtt5BlockingClient publisher = hive(one, "jobs-publisher");
        publisher.connect();

        two.crash();
        List<String> published = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            String payload = "job-" + i;
            publisher.publishWith().topic("jobs").qos(MqttQos.AT_LEAST_ONCE).payload(payload.getBytes(UTF_8)).send();
            published.add(payload);
        }
        assertThat(received.size()).as("node 2 still looked alive: part of the stream went to its inbox")
                .isLessThan(10);

        await().atMost(Duration.ofSeconds(15)).during(Duration.ofMillis(500)).until(() -> received.size() >= 10);
        assertThat(received).containsExactlyInAnyOrderElementsOf(published);
        assertThat(one.fabric().recoveredMessages() + three.fabric().recoveredMessages()).isPositive();
    }

    @Test
    void theUnacknowledgedMessagesOfASharedMemberWhoseSessionEndsGoToAMemberOnAnotherNode() throws Exception {
        ClusterNode one = node("n1");
        ClusterNode two = node("n2");
        // A member on node 1 that never acknowledges; a clean session, so it ends when the client leaves.
        List<String> unacknowledged = new CopyOnWriteArrayList<>();
        org.eclipse.paho.client.mqttv3.MqttClient lazy = new org.eclipse.paho.client.mqttv3.MqttClient(
                one.serverUri(), "lazy-member", new MemoryPersistence());
        clients.add(() -> lazy.close(true));
        lazy.setManualAcks(true);
        // A callback, not a per-filter listener: Paho 3.1.1 does not match topics against $share filters.
        lazy.setCallback(new org.eclipse.paho.client.mqttv3.MqttCallback() {
            @Override
            public void connectionLost(Throwable cause) {
            }

            @Override
            public void messageArrived(String topic, org.eclipse.paho.client.mqttv3.MqttMessage message) {
                unacknowledged.add(new String(message.getPayload(), UTF_8));
            }

            @Override
            public void deliveryComplete(org.eclipse.paho.client.mqttv3.IMqttDeliveryToken token) {
            }
        });
        MqttConnectOptions clean = new MqttConnectOptions();
        clean.setCleanSession(true);
        lazy.connect(clean);
        lazy.subscribe("$share/w/work/#", 1);
        Mqtt5BlockingClient busy = hive(two, "busy-member");
        List<String> received = new CopyOnWriteArrayList<>();
        busy.toAsync().publishes(com.hivemq.client.mqtt.MqttGlobalPublishFilter.ALL,
                p -> received.add(new String(p.getPayloadAsBytes(), UTF_8)));
        busy.connectWith().cleanStart(true).send();
        busy.subscribeWith().topicFilter("$share/w/work/#").qos(MqttQos.AT_LEAST_ONCE).send();
        two.awaitRoute(one, "$share/w/work/#");

        Mqtt5BlockingClient publisher = hive(two, "work-publisher");
        publisher.connect();
        List<String> published = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            publisher.publishWith().topic("work/" + i).qos(MqttQos.AT_LEAST_ONCE).payload(("w" + i).getBytes(UTF_8)).send();
            published.add("w" + i);
        }
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(unacknowledged.size() + received.size())
                .as("lazy %s, busy %s", unacknowledged, received).isGreaterThanOrEqualTo(10));
        assertThat(unacknowledged).as("the lazy member got its share").isNotEmpty();

        lazy.disconnect();
        await().atMost(Duration.ofSeconds(10)).during(Duration.ofMillis(300)).until(() -> received.size() >= 10);
        assertThat(received).containsExactlyInAnyOrderElementsOf(published);
    }

    /**
     * A shared member leaves node 1: every later message of the group goes to the member on node 2.
     * Node 2 kept node 1 in the group (its tombstone removed nothing) and sent it every other message,
     * which node 1, with no member, dropped: 5 of 10 arrived.
     */
    @Test
    void aSharedMemberThatLeftANodeGetsNoneOfTheGroupsLaterMessages() throws Exception {
        ClusterNode one = node("n1");
        ClusterNode two = node("n2");
        Mqtt5BlockingClient leaving = hive(one, "leaving-member");
        leaving.connect();
        leaving.subscribeWith().topicFilter("$share/stay/jobs/#").qos(MqttQos.AT_LEAST_ONCE).send();
        Mqtt5BlockingClient staying = hive(two, "staying-member");
        List<String> received = new CopyOnWriteArrayList<>();
        staying.toAsync().publishes(com.hivemq.client.mqtt.MqttGlobalPublishFilter.ALL,
                p -> received.add(new String(p.getPayloadAsBytes(), UTF_8)));
        staying.connect();
        staying.subscribeWith().topicFilter("$share/stay/jobs/#").qos(MqttQos.AT_LEAST_ONCE).send();
        two.awaitRoute(one, "$share/stay/jobs/#");

        leaving.disconnect();
        await().atMost(Duration.ofSeconds(10)).until(() -> !two.fabric().knowsRoute("n1", "$share/stay/jobs/#"));
        Mqtt5BlockingClient publisher = hive(two, "jobs-publisher");
        publisher.connect();
        List<String> published = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            publisher.publishWith().topic("jobs/" + i).qos(MqttQos.AT_LEAST_ONCE).payload(("j" + i).getBytes(UTF_8)).send();
            published.add("j" + i);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> received.size() >= 10);
        assertThat(received).containsExactlyElementsOf(published);
    }

    @Test
    void theQueuedMessagesOfASharedMemberThatUnsubscribesGoToAMemberOnAnotherNode() throws Exception {
        ClusterNode one = node("n1");
        ClusterNode two = node("n2");
        // A member on node 1 that takes one message at a time (receive maximum 1) and holds it.
        List<Mqtt5Publish> held = new CopyOnWriteArrayList<>();
        Mqtt5BlockingClient slow = holdingSharedMember(one, "slow-member", "$share/u/orders/#", held);
        List<String> received = new CopyOnWriteArrayList<>();
        collectingSharedMember(two, "other-member", "$share/u/orders/#", received);
        two.awaitRoute(one, "$share/u/orders/#");

        List<String> published = publishNumbered(two, "orders-publisher", "orders/", "o");
        await().atMost(Duration.ofSeconds(10)).until(() -> held.size() == 1);
        int queuedOnOne = one.broker().deliveryState("slow-member").orElseThrow().queuedMessages();
        assertThat(queuedOnOne).as("the slow member's share waits in its queue").isGreaterThan(1);

        slow.unsubscribeWith().topicFilter("$share/u/orders/#").send();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(received)
                .hasSize(published.size() - 1));
        // The message in flight stays with the member that has it: its session completes that delivery.
        held.get(0).acknowledge();
        List<String> all = new ArrayList<>(received);
        all.add(new String(held.get(0).getPayloadAsBytes(), UTF_8));
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5)).until(() -> received.size() == 19
                && held.size() == 1);
        assertThat(all).containsExactlyInAnyOrderElementsOf(published);
    }

    @Test
    void theStoredMessagesOfASharedMemberOnAKilledNodeGoToAMemberOnAnotherNodeOnce() throws Exception {
        FreezableSessionStore storeOfOne = new FreezableSessionStore(sessions.forNode("n1"));
        ClusterNode one = node("n1", storeOfOne);
        ClusterNode two = node("n2", sessions.forNode("n2"));
        // A persistent member on node 1 that takes one message at a time and never acknowledges it.
        List<Mqtt5Publish> held = new CopyOnWriteArrayList<>();
        holdingSharedMember(one, "stuck-member", "$share/d/tasks/#", held);
        List<String> received = new CopyOnWriteArrayList<>();
        collectingSharedMember(two, "surviving-member", "$share/d/tasks/#", received);
        two.awaitRoute(one, "$share/d/tasks/#");

        List<String> published = publishNumbered(two, "tasks-publisher", "tasks/", "t");
        await().atMost(Duration.ofSeconds(10)).until(() -> held.size() == 1 && received.size()
                + one.broker().deliveryState("stuck-member").orElseThrow().queuedMessages() + 1 == published.size());
        int stored = sessions.get("stuck-member").orElseThrow().pending().size();
        assertThat(stored).as("node 1 stored its member's share, the one in flight included").isGreaterThan(1);

        storeOfOne.freeze();
        one.crash();
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(received).hasSize(published.size()));
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5)).until(() -> received.size() == 20);
        assertThat(received).containsExactlyInAnyOrderElementsOf(published);
        assertThat(sessions.get("stuck-member").orElseThrow().pending()).as("the dead member's session keeps none")
                .isEmpty();

        // The member comes back on node 2 with its session: what another member got does not come again.
        Mqtt5BlockingClient back = hive(two, "stuck-member");
        List<String> again = new CopyOnWriteArrayList<>();
        back.toAsync().publishes(com.hivemq.client.mqtt.MqttGlobalPublishFilter.ALL,
                p -> again.add(new String(p.getPayloadAsBytes(), UTF_8)));
        Mqtt5ConnAck resumed = back.connectWith().cleanStart(false).sessionExpiryInterval(300).send();
        assertThat(resumed.isSessionPresent()).isTrue();
        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3)).until(again::isEmpty);
    }

    /**
     * A double failure during a recovery, with three nodes: on node 1 a shared member holding one
     * message in flight and the rest of its share stored, on node 3 another member of the group,
     * which gets the other share; node 2 has none and, first survivor by id, wins the recovery of
     * node 1. Node 2's store is stalled by {@code stallTwo}, node 1 is killed, and once node 2 stalls
     * in its take ({@code whileTwoIsStalled} gets the number of stored messages and what node 3's
     * member received so far), node 2 is killed too. Node 3 must then recover node 1: its member
     * gets every message once, and the recovery's kept messages are forgotten.
     */
    private void killTheRecovererOfADeadNodeInItsTake(String member, String group, String topicPrefix,
            java.util.function.Consumer<FreezableSessionStore> stallTwo,
            java.util.function.BiConsumer<Integer, List<String>> whileTwoIsStalled) throws Exception {
        FreezableSessionStore storeOfOne = new FreezableSessionStore(sessions.forNode("n1"));
        FreezableSessionStore storeOfTwo = new FreezableSessionStore(sessions.forNode("n2"));
        ClusterNode one = node("n1", storeOfOne);
        ClusterNode two = node("n2", storeOfTwo);
        ClusterNode three = node("n3", sessions.forNode("n3"));
        String filter = "$share/" + group + "/" + topicPrefix + "#";
        List<Mqtt5Publish> held = new CopyOnWriteArrayList<>();
        holdingSharedMember(one, member, filter, held);
        List<String> received = new CopyOnWriteArrayList<>();
        collectingSharedMember(three, member + "-on-three", filter, received);
        three.awaitRoute(one, filter);
        two.awaitRoute(one, filter);
        two.awaitRoute(three, filter);

        List<String> published = publishNumbered(three, member + "-publisher", topicPrefix, group);
        await().atMost(Duration.ofSeconds(10)).until(() -> held.size() == 1 && received.size()
                + one.broker().deliveryState(member).orElseThrow().queuedMessages() + 1 == published.size());
        int stored = sessions.get(member).orElseThrow().pending().size();
        assertThat(stored).as("node 1 stored its member's share, the one in flight included").isGreaterThan(1);

        stallTwo.accept(storeOfTwo);
        storeOfOne.freeze();
        one.crash();
        await().atMost(Duration.ofSeconds(15)).until(() -> storeOfTwo.stalledTakes() == 1);
        whileTwoIsStalled.accept(stored, received);
        storeOfTwo.freeze();
        two.crash();

        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(received).hasSize(published.size()));
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5)).until(() -> received.size() == 20);
        assertThat(received).containsExactlyInAnyOrderElementsOf(published);
        assertThat(sessions.get(member).orElseThrow().pending()).as("the dead member's session keeps none").isEmpty();
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(sessions.recovering("n1"))
                .as("forgotten by node 3's round once handed over").isEmpty());
    }

    @Test
    void theStoredSharedMessagesOfAKilledNodeAreRecoveredWhenTheSurvivorRecoveringThemDiesToo() throws Exception {
        // Node 2 dies before taking anything out of node 1's stored sessions.
        killTheRecovererOfADeadNodeInItsTake("stranded-member", "r", "jobs/", FreezableSessionStore::stallSharedTakes,
                (stored, received) -> assertThat(sessions.get("stranded-member").orElseThrow().pending())
                        .as("still in the session").hasSize(stored));
    }

    @Test
    void theStoredSharedMessagesOfAKilledNodeAreRecoveredWhenTheSurvivorDiesAfterTakingThem() throws Exception {
        // Node 2 takes the stored messages out of the dead member's session and dies before it hands
        // them to anyone.
        killTheRecovererOfADeadNodeInItsTake("taken-member", "t", "loads/",
                FreezableSessionStore::stallAfterSharedTakes, (stored, received) -> {
                    assertThat(sessions.get("taken-member").orElseThrow().pending()).as("taken out of the session")
                            .isEmpty();
                    assertThat(received).as("nothing handed over yet").hasSize(20 - stored);
                    assertThat(sessions.recovering("n1")).as("kept for the round of node 2").hasSize(stored);
                });
    }

    private ClusterNode started(ClusterNode node) {
        nodes.add(node);
        return node;
    }

    private static MqttConnectionOptions persistentAs(String username) {
        MqttConnectionOptions options = new MqttConnectionOptions();
        options.setUserName(username);
        options.setCleanStart(false);
        options.setSessionExpiryInterval(300L);
        return options;
    }

    @Test
    void qos1And2MessagesCrossNodesWithTheirPropertiesAndSubscriptionIdentifiers() throws Exception {
        ClusterNode one = node("n1");
        ClusterNode two = node("n2");
        PahoV5 subscriber = paho5(two, "sub-on-2");
        subscriber.client.connect().waitForCompletion(5_000);
        MqttProperties subscribeProperties = new MqttProperties();
        subscribeProperties.setSubscriptionIdentifier(7);
        subscriber.client.subscribe(new MqttSubscription[] {new MqttSubscription("plant/+/temp", 2)}, null, null,
                subscribeProperties).waitForCompletion(5_000);
        one.awaitRoute(two, "plant/+/temp");

        Mqtt5BlockingClient publisher = hive(one, "pub-on-1");
        publisher.connect();
        publisher.publishWith().topic("plant/a/temp").qos(MqttQos.AT_LEAST_ONCE).payload("q1".getBytes(UTF_8))
                .contentType("text/plain").responseTopic("reply/here").correlationData("corr".getBytes(UTF_8))
                .messageExpiryInterval(120).userProperties().add("site", "berlin").add("site", "paris").applyUserProperties()
                .send();
        publisher.publishWith().topic("plant/b/temp").qos(MqttQos.EXACTLY_ONCE).payload("q2".getBytes(UTF_8)).send();

        await().atMost(Duration.ofSeconds(10)).until(() -> subscriber.received.size() >= 2);
        MqttMessage first = subscriber.received.get(0);
        assertThat(new String(first.getPayload(), UTF_8)).isEqualTo("q1");
        assertThat(first.getQos()).isEqualTo(1);
        assertThat(first.getProperties().getContentType()).isEqualTo("text/plain");
        assertThat(first.getProperties().getResponseTopic()).isEqualTo("reply/here");
        assertThat(new String(first.getProperties().getCorrelationData(), UTF_8)).isEqualTo("corr");
        assertThat(first.getProperties().getMessageExpiryInterval()).isBetween(100L, 120L);
        assertThat(first.getProperties().getUserProperties()).extracting(p -> p.getKey() + "=" + p.getValue())
                .containsExactly("site=berlin", "site=paris");
        assertThat(first.getProperties().getSubscriptionIdentifiers()).containsExactly(7);
        MqttMessage second = subscriber.received.get(1);
        assertThat(new String(second.getPayload(), UTF_8)).isEqualTo("q2");
        assertThat(second.getQos()).isEqualTo(2);
        assertThat(second.getProperties().getSubscriptionIdentifiers()).containsExactly(7);
        Thread.sleep(300); // a duplicate from the hop would arrive within this time
        assertThat(subscriber.received).hasSize(2);
    }

    @Test
    void messagesCrossTheOtherWayForMqtt311ClientsInPublisherOrder() throws Exception {
        ClusterNode one = node("n1");
        ClusterNode two = node("n2");
        List<String> received = new CopyOnWriteArrayList<>();
        org.eclipse.paho.client.mqttv3.MqttClient subscriber = new org.eclipse.paho.client.mqttv3.MqttClient(
                one.serverUri(), "sub311-on-1", new MemoryPersistence());
        clients.add(() -> {
            if (subscriber.isConnected()) {
                subscriber.disconnect();
            }
            subscriber.close();
        });
        subscriber.connect(new MqttConnectOptions());
        subscriber.subscribe("orders/#", 1, (topic, message) -> received.add(new String(message.getPayload(), UTF_8)));
        two.awaitRoute(one, "orders/#");

        org.eclipse.paho.client.mqttv3.MqttClient publisher = new org.eclipse.paho.client.mqttv3.MqttClient(
                two.serverUri(), "pub311-on-2", new MemoryPersistence());
        clients.add(() -> {
            if (publisher.isConnected()) {
                publisher.disconnect();
            }
            publisher.close();
        });
        publisher.connect(new MqttConnectOptions());
        List<String> sent = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            sent.add("m" + i);
            publisher.publish("orders/" + (i % 3), ("m" + i).getBytes(UTF_8), i % 3 == 0 ? 0 : 1, false);
        }

        await().atMost(Duration.ofSeconds(10)).until(() -> received.size() >= 50);
        assertThat(received).containsExactlyElementsOf(sent);
    }

    @Test
    void aNodeWithNoMatchingSubscriberReceivesNothing() throws Exception {
        ClusterNode one = node("n1");
        ClusterNode two = node("n2");
        ClusterNode three = node("n3");
        Mqtt5BlockingClient subscriber = hive(two, "only-a");
        subscriber.connect();
        subscriber.subscribeWith().topicFilter("a/#").qos(MqttQos.AT_LEAST_ONCE).send();
        one.awaitRoute(two, "a/#");
        three.awaitRoute(two, "a/#");

        Mqtt5BlockingClient publisher = hive(one, "pub");
        publisher.connect();
        for (int i = 0; i < 40; i++) {
            publisher.publishWith().topic("a/" + i).qos(MqttQos.AT_LEAST_ONCE).payload(new byte[] {1}).send();
            publisher.publishWith().topic("b/" + i).qos(MqttQos.AT_LEAST_ONCE).payload(new byte[] {2}).send();
        }

        await().atMost(Duration.ofSeconds(10)).until(() -> two.fabric().inboxRecords() >= 40);
        assertThat(one.fabric().forwardedRecords()).as("records node 1 forwarded").isEqualTo(40);
        assertThat(two.fabric().inboxRecords()).as("records node 2 read").isEqualTo(40);
        assertThat(three.fabric().inboxRecords()).as("records node 3, with no subscriber, read").isZero();
        assertThat(one.fabric().inboxRecords()).isZero();
    }

    @Test
    void aSharedSubscriptionWithMembersOnTwoNodesGetsEachMessageOnceSpreadOverBoth() throws Exception {
        ClusterNode one = node("n1");
        ClusterNode two = node("n2");
        ClusterNode three = node("n3");
        List<String> atTwo = new CopyOnWriteArrayList<>();
        List<String> atThree = new CopyOnWriteArrayList<>();
        Mqtt5BlockingClient memberTwo = hive(two, "member-2");
        memberTwo.connect();
        memberTwo.toAsync().subscribeWith().topicFilter("$share/workers/jobs/#").qos(MqttQos.AT_LEAST_ONCE)
                .callback(p -> atTwo.add(new String(p.getPayloadAsBytes(), UTF_8))).send().get(5, TimeUnit.SECONDS);
        Mqtt5BlockingClient memberThree = hive(three, "member-3");
        memberThree.connect();
        memberThree.toAsync().subscribeWith().topicFilter("$share/workers/jobs/#").qos(MqttQos.AT_LEAST_ONCE)
                .callback(p -> atThree.add(new String(p.getPayloadAsBytes(), UTF_8))).send().get(5, TimeUnit.SECONDS);
        one.awaitRoute(two, "$share/workers/jobs/#");
        one.awaitRoute(three, "$share/workers/jobs/#");
        one.awaitAlive(two);
        one.awaitAlive(three);

        Mqtt5BlockingClient publisher = hive(one, "jobs-pub");
        publisher.connect();
        for (int i = 0; i < 20; i++) {
            publisher.publishWith().topic("jobs/" + i).qos(MqttQos.AT_LEAST_ONCE).payload(("j" + i).getBytes(UTF_8))
                    .send();
        }

        await().atMost(Duration.ofSeconds(10)).until(() -> atTwo.size() + atThree.size() >= 20);
        Thread.sleep(300);
        List<String> all = new ArrayList<>(atTwo);
        all.addAll(atThree);
        assertThat(all).hasSize(20).doesNotHaveDuplicates();
        assertThat(atTwo).as("messages for the member on node 2").isNotEmpty();
        assertThat(atThree).as("messages for the member on node 3").isNotEmpty();
    }

    @Test
    void aPersistentSessionMovesToTheNodeItsClientReconnectsToWithTheMessagesQueuedMeanwhile() throws Exception {
        ClusterNode one = node("n1");
        ClusterNode two = node("n2");
        Mqtt5BlockingClient device = hive(one, "roaming");
        device.connectWith().cleanStart(true).sessionExpiryInterval(300).send();
        device.subscribeWith().topicFilter("cmd/roaming").qos(MqttQos.AT_LEAST_ONCE).send();
        device.disconnect();
        two.awaitRoute(one, "cmd/roaming");

        Mqtt5BlockingClient publisher = hive(two, "commander");
        publisher.connect();
        for (int i = 0; i < 5; i++) {
            publisher.publishWith().topic("cmd/roaming").qos(MqttQos.AT_LEAST_ONCE).payload(("c" + i).getBytes(UTF_8))
                    .send();
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> one.fabric().inboxRecords() >= 5);

        List<String> received = new CopyOnWriteArrayList<>();
        Mqtt5ConnAck ack = resume(two, "roaming", received);

        assertThat(ack.isSessionPresent()).isTrue();
        await().atMost(Duration.ofSeconds(10)).until(() -> received.size() >= 5);
        assertThat(received).containsExactly("c0", "c1", "c2", "c3", "c4");
        assertThat(one.broker().sessionCount()).as("sessions left on node 1").isZero();
        assertThat(two.fabric().holderOf("roaming")).contains("n2");
        // The subscription moved too: a new message reaches the client on node 2.
        one.awaitRoute(two, "cmd/roaming");
        hive(one, "commander-2").connect();
        Mqtt5BlockingClient other = hive(one, "commander-3");
        other.connect();
        other.publishWith().topic("cmd/roaming").qos(MqttQos.AT_LEAST_ONCE).payload("after".getBytes(UTF_8)).send();
        await().atMost(Duration.ofSeconds(10)).until(() -> received.contains("after"));
    }

    @Test
    void unacknowledgedQos1MessagesOfATakenOverClientAreResentOnTheNewNode() throws Exception {
        ClusterNode one = node("n1");
        ClusterNode two = node("n2");
        MqttConnectOptions persistent = new MqttConnectOptions();
        persistent.setCleanSession(false);
        List<String> unacked = new CopyOnWriteArrayList<>();
        org.eclipse.paho.client.mqttv3.MqttClient lazy = new org.eclipse.paho.client.mqttv3.MqttClient(
                one.serverUri(), "lazy-acker", new MemoryPersistence());
        clients.add(() -> lazy.close(true));
        lazy.setManualAcks(true);
        lazy.connect(persistent);
        lazy.subscribe("work/#", 1, (topic, message) -> unacked.add(new String(message.getPayload(), UTF_8)));
        Mqtt5BlockingClient publisher = hive(one, "work-pub");
        publisher.connect();
        for (int i = 0; i < 3; i++) {
            publisher.publishWith().topic("work/" + i).qos(MqttQos.AT_LEAST_ONCE).payload(("w" + i).getBytes(UTF_8)).send();
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> unacked.size() == 3);

        List<String> resent = new CopyOnWriteArrayList<>();
        List<Boolean> duplicates = new CopyOnWriteArrayList<>();
        org.eclipse.paho.client.mqttv3.MqttClient moved = new org.eclipse.paho.client.mqttv3.MqttClient(
                two.serverUri(), "lazy-acker", new MemoryPersistence());
        clients.add(() -> {
            if (moved.isConnected()) {
                moved.disconnect();
            }
            moved.close();
        });
        moved.setCallback(new org.eclipse.paho.client.mqttv3.MqttCallback() {
            @Override
            public void connectionLost(Throwable cause) {
            }

            @Override
            public void messageArrived(String topic, org.eclipse.paho.client.mqttv3.MqttMessage message) {
                resent.add(new String(message.getPayload(), UTF_8));
                duplicates.add(message.isDuplicate());
            }

            @Override
            public void deliveryComplete(org.eclipse.paho.client.mqttv3.IMqttDeliveryToken token) {
            }
        });
        boolean sessionPresent = moved.connectWithResult(persistent).getSessionPresent();

        assertThat(sessionPresent).isTrue();
        await().atMost(Duration.ofSeconds(10)).until(() -> resent.size() >= 3);
        assertThat(resent).containsExactly("w0", "w1", "w2");
        assertThat(duplicates).containsOnly(true);
        await().atMost(Duration.ofSeconds(5)).until(() -> !lazy.isConnected());
    }

    @Test
    void connectingOnAnotherNodeTakesTheConnectionOverWithin1SecondAnd0x8E() throws Exception {
        ClusterNode one = node("n1");
        ClusterNode two = node("n2");
        one.awaitAlive(two);
        two.awaitAlive(one);
        PahoV5 first = paho5(one, "twin");
        first.client.connect().waitForCompletion(5_000);

        PahoV5 second = paho5(two, "twin");
        long start = System.nanoTime();
        second.client.connect().waitForCompletion(5_000);
        await().atMost(Duration.ofSeconds(1)).until(() -> !first.disconnectCodes.isEmpty());
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

        assertThat(first.disconnectCodes).containsExactly(0x8E);
        assertThat(millis).as("takeover time in ms").isLessThan(1_000);
        assertThat(one.broker().connection("twin")).isEmpty();
        assertThat(two.broker().connection("twin")).isPresent();
    }

    @Test
    void twoSimultaneousConnectsWithOneClientIdOnTwoNodesLeaveExactlyOneConnection() throws Exception {
        ClusterNode one = node("n1");
        ClusterNode two = node("n2");
        one.awaitAlive(two);
        two.awaitAlive(one);
        for (int round = 0; round < 5; round++) {
            String id = "race-" + round;
            Mqtt5BlockingClient a = hive(one, id);
            Mqtt5BlockingClient b = hive(two, id);
            CompletableFuture<?> ca = a.toAsync().connectWith().cleanStart(false).sessionExpiryInterval(60).send();
            CompletableFuture<?> cb = b.toAsync().connectWith().cleanStart(false).sessionExpiryInterval(60).send();
            CompletableFuture.allOf(ca, cb).handle((x, e) -> null).get(10, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
                int connected = (one.broker().connection(id).isPresent() ? 1 : 0)
                        + (two.broker().connection(id).isPresent() ? 1 : 0);
                assertThat(connected).as("nodes with a connection of " + id).isEqualTo(1);
                assertThat((a.getState().isConnected() ? 1 : 0) + (b.getState().isConnected() ? 1 : 0))
                        .as("clients of " + id + " still connected").isEqualTo(1);
            });
        }
    }

    @Test
    void willsAndRetainedMessagesReachSubscribersOnOtherNodes() throws Exception {
        ClusterNode one = node("n1");
        ClusterNode two = node("n2");
        Mqtt5BlockingClient retainer = hive(one, "retainer");
        retainer.connect();
        retainer.publishWith().topic("status/boiler").retain(true).qos(MqttQos.AT_LEAST_ONCE)
                .payload("hot".getBytes(UTF_8)).send();

        List<Mqtt5Publish> received = new CopyOnWriteArrayList<>();
        Mqtt5BlockingClient watcher = hive(two, "watcher");
        watcher.connect();
        watcher.toAsync().subscribeWith().topicFilter("status/#").qos(MqttQos.AT_LEAST_ONCE).callback(received::add)
                .send().get(5, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(10)).until(() -> received.size() >= 1);
        assertThat(new String(received.get(0).getPayloadAsBytes(), UTF_8)).isEqualTo("hot");
        assertThat(received.get(0).isRetain()).isTrue();
        one.awaitRoute(two, "status/#");

        Mqtt5BlockingClient mortal = hive(one, "mortal");
        mortal.connectWith().willPublish().topic("status/mortal").payload("gone".getBytes(UTF_8))
                .qos(MqttQos.AT_LEAST_ONCE).applyWillPublish().send();
        one.broker().disconnect("mortal");

        await().atMost(Duration.ofSeconds(10)).until(() -> received.size() >= 2);
        assertThat(new String(received.get(1).getPayloadAsBytes(), UTF_8)).isEqualTo("gone");
        assertThat(received.get(1).getTopic().toString()).isEqualTo("status/mortal");
        assertThat(retained.size()).isEqualTo(1);
    }

    @Test
    void aDownlinkMessageInjectedOnOneNodeReachesTheDeviceOnAnother() throws Exception {
        ClusterNode one = node("n1");
        ClusterNode two = node("n2");
        List<String> received = new CopyOnWriteArrayList<>();
        Mqtt5BlockingClient device = hive(two, "device-7");
        device.connect();
        device.toAsync().subscribeWith().topicFilter("devices/device-7/cmd").qos(MqttQos.AT_LEAST_ONCE)
                .callback(p -> received.add(new String(p.getPayloadAsBytes(), UTF_8))).send().get(5, TimeUnit.SECONDS);
        one.awaitRoute(two, "devices/device-7/cmd");

        int handedLocally = one.broker().publish(new PublishedMessage("devices/device-7/cmd", "open".getBytes(UTF_8), 1,
                false, null, null, null, Instant.now(), MessageProperties.NONE)).get(10, TimeUnit.SECONDS);

        assertThat(handedLocally).as("sessions on node 1").isZero();
        await().atMost(Duration.ofSeconds(10)).until(() -> received.contains("open"));
    }

    @Test
    void aKafkaDownlinkRecordConsumedByOneNodeReachesTheDeviceOnAnother() throws Exception {
        ClusterNode one = node("n1");
        ClusterNode two = node("n2");
        List<String> received = new CopyOnWriteArrayList<>();
        Mqtt5BlockingClient device = hive(two, "valve-9");
        device.connect();
        device.toAsync().subscribeWith().topicFilter("cmd/valve-9").qos(MqttQos.AT_LEAST_ONCE)
                .callback(p -> received.add(new String(p.getPayloadAsBytes(), UTF_8))).send().get(5, TimeUnit.SECONDS);
        one.awaitRoute(two, "cmd/valve-9");
        String downlinkTopic = KafkaTestClients.uniqueTopic("cluster-downlink");
        KafkaTestClients.createTopic(bootstrap, downlinkTopic, 1);
        // Only node 1 runs the downlink here, as if the shared consumer group gave it the partition.
        try (KafkaDownlink downlink = KafkaDownlink.create(
                bootstrap, new DownlinkConfig().setTopics(List.of(downlinkTopic))
                        .setGroupId(downlinkTopic + ".group").setMqttTopicTemplate("cmd/{key}").setQos(1),
                one.broker(), new MetricRegistry())) {
            downlink.start();
            try (var producer = KafkaTestClients.producer(bootstrap)) {
                producer.send(new ProducerRecord<>(downlinkTopic,
                        "valve-9".getBytes(UTF_8), "close".getBytes(UTF_8))).get(10, TimeUnit.SECONDS);
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> received.contains("close"));
        }
        assertThat(one.broker().connection("valve-9")).isEmpty();
    }

    @Test
    void aSecondLiveNodeWithTheSameNodeIdIsRefusedNamingNodeId() {
        node("twin-node");
        assertThatThrownBy(() -> node("twin-node"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("nodeId 'twin-node'");
    }

    @Test
    void anAdministrativeDisconnectReachesTheClientOnTheNodeThatHoldsIt() throws Exception {
        ClusterNode one = node("n1");
        ClusterNode two = node("n2");
        PahoV5 client = paho5(two, "far-away");
        client.client.connect().waitForCompletion(5_000);
        await().atMost(Duration.ofSeconds(5)).until(() -> one.fabric().holderOf("far-away").equals(Optional.of("n2")));

        assertThat(one.fabric().requestOfHolder("far-away", HolderRequest.DISCONNECT)).isTrue();

        await().atMost(Duration.ofSeconds(5)).until(() -> !client.disconnectCodes.isEmpty());
        assertThat(client.disconnectCodes).containsExactly(0x98);
        Set<String> live = new HashSet<>(one.fabric().liveNodes());
        assertThat(live).contains("n1", "n2");
    }

    @Test
    void aClientOfAKilledNodeResumesOnAnotherWithEveryMessageForwardedToTheDeadNodeExactlyOnce() throws Exception {
        ClusterNode one = node("n1");
        FreezableSessionStore twoStore = new FreezableSessionStore(sessions);
        ClusterNode two = node("n2", twoStore);
        Mqtt5BlockingClient subscriber = hive(two, "survivor");
        List<String> beforeCrash = new CopyOnWriteArrayList<>();
        subscriber.toAsync().publishes(com.hivemq.client.mqtt.MqttGlobalPublishFilter.ALL,
                p -> beforeCrash.add(new String(p.getPayloadAsBytes(), UTF_8)));
        subscriber.connectWith().cleanStart(true).sessionExpiryInterval(300).send();
        subscriber.subscribeWith().topicFilter("crash/survivor").qos(MqttQos.AT_LEAST_ONCE).send();
        one.awaitRoute(two, "crash/survivor");
        Mqtt5BlockingClient publisher = hive(one, "crash-publisher");
        publisher.connect();
        for (int i = 0; i < 3; i++) {
            publisher.publishWith().topic("crash/survivor").qos(MqttQos.AT_LEAST_ONCE)
                    .payload(("before-" + i).getBytes(UTF_8)).send();
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> beforeCrash.size() >= 3);
        // Node 2 committed what it handed over, as it does after every poll.
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            await().atMost(Duration.ofSeconds(10)).until(() -> admin.listConsumerGroupOffsets(
                    clusterConfig.inboxTopic("n2")).partitionsToOffsetAndMetadata().get().values().stream()
                    .mapToLong(offset -> offset.offset()).sum() >= 3);
        }

        twoStore.freeze();
        two.crash();
        List<String> published = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            String payload = "during-" + i;
            publisher.publishWith().topic("crash/survivor").qos(MqttQos.AT_LEAST_ONCE).payload(payload.getBytes(UTF_8))
                    .send();
            published.add(payload);
        }

        // The client reconnects at once, while node 2 still looks alive to node 1.
        List<String> received = new CopyOnWriteArrayList<>();
        Mqtt5ConnAck ack = resume(one, "survivor", received);

        assertThat(ack.isSessionPresent()).isTrue();
        await().atMost(Duration.ofSeconds(10)).during(Duration.ofMillis(500)).until(() -> received.size() >= 10);
        assertThat(received).containsExactlyElementsOf(published);
        assertThat(one.fabric().recoveredMessages()).isEqualTo(10);
    }

    /**
     * A client of a killed node reconnects to node 1, which waits for node 2 to count as dead before
     * it recovers node 2's inbox; the client gives up before the CONNACK and connects to node 3.
     * Node 1 hands the session over only once it recovered, and node 3 waits for that.
     */
    @Test
    void aClientThatGivesUpWhileANodeRecoversItFromAKilledNodeGetsEveryMessageOnTheNextNode() throws Exception {
        ClusterNode one = node("n1");
        ClusterNode two = node("n2");
        ClusterNode three = node("n3");
        List<String> published = crashWithTenQueuedFor(one, two, "impatient");
        connectAndGiveUp(one, "impatient", three);

        List<String> received = new CopyOnWriteArrayList<>();
        Mqtt5ConnAck ack = resume(three, "impatient", received);

        assertThat(ack.isSessionPresent()).isTrue();
        await().atMost(Duration.ofSeconds(10)).during(Duration.ofMillis(500)).until(() -> received.size() >= 10);
        assertThat(received).containsExactlyElementsOf(published);
        assertThat(three.fabric().holderOf("impatient")).contains("n3");
    }

    /**
     * Like the test above, but the client tries the same node again: the second CONNECT finds its
     * claim done at once, and the first one, still waiting for node 2 to count as dead, must
     * recover node 2's inbox into the session the second one opened.
     */
    @Test
    void aClientThatGivesUpAndRetriesTheSameNodeGetsEveryMessageForwardedToTheKilledNode() throws Exception {
        ClusterNode one = node("n1");
        ClusterNode two = node("n2");
        List<String> published = crashWithTenQueuedFor(one, two, "retrying");
        connectAndGiveUp(one, "retrying", one);

        List<String> received = new CopyOnWriteArrayList<>();
        resume(one, "retrying", received);

        await().atMost(Duration.ofSeconds(10)).during(Duration.ofMillis(500)).until(() -> received.size() >= 10);
        assertThat(received).containsExactlyElementsOf(published);
    }

    /**
     * A fleet fails over: the clients of a killed node all resume on one survivor at once. The
     * survivor reads the dead node's inbox once for all of them, and each gets exactly what was
     * published for its own subscription meanwhile.
     */
    @Test
    void theClientsOfAKilledNodeResumingTogetherEachGetTheirOwnMessagesFromOneReadOfItsInbox() throws Exception {
        ClusterNode one = node("n1");
        ClusterNode two = node("n2");
        int fleet = 40;
        for (int i = 0; i < fleet; i++) {
            Mqtt5BlockingClient device = hive(two, "fleet-" + i);
            device.connectWith().cleanStart(true).sessionExpiryInterval(300).send();
            device.subscribeWith().topicFilter("fleet/" + i + "/cmd").qos(MqttQos.AT_LEAST_ONCE).send();
        }
        one.awaitRoute(two, "fleet/" + (fleet - 1) + "/cmd");
        Mqtt5BlockingClient publisher = hive(one, "fleet-publisher");
        publisher.connect();

        two.crash();
        for (int i = 0; i < fleet; i++) {
            for (int n = 0; n < 2; n++) {
                publisher.publishWith().topic("fleet/" + i + "/cmd").qos(MqttQos.AT_LEAST_ONCE)
                        .payload((i + "-" + n).getBytes(UTF_8)).send();
            }
        }
        List<List<String>> received = new ArrayList<>();
        List<CompletableFuture<Mqtt5ConnAck>> connects = new ArrayList<>();
        for (int i = 0; i < fleet; i++) {
            List<String> mine = new CopyOnWriteArrayList<>();
            received.add(mine);
            Mqtt5BlockingClient device = hive(one, "fleet-" + i);
            device.toAsync().publishes(com.hivemq.client.mqtt.MqttGlobalPublishFilter.ALL,
                    p -> mine.add(new String(p.getPayloadAsBytes(), UTF_8)));
            connects.add(device.toAsync().connectWith().cleanStart(false).sessionExpiryInterval(300).send());
        }
        CompletableFuture.allOf(connects.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);

        await().atMost(Duration.ofSeconds(20)).during(Duration.ofMillis(500))
                .until(() -> received.stream().allMatch(mine -> mine.size() >= 2));
        for (int i = 0; i < fleet; i++) {
            assertThat(received.get(i)).as("fleet-" + i).containsExactly(i + "-0", i + "-1");
        }
        assertThat(one.fabric().deadInboxesOpened()).isEqualTo(1);
    }

    /**
     * A persistent subscriber {@code clientId} of {@code crash/<clientId>} on {@code two}, which is then
     * killed; ten QoS 1 messages published on {@code one} for it meanwhile (returned) wait in its inbox.
     */
    private List<String> crashWithTenQueuedFor(ClusterNode one, ClusterNode two, String clientId) {
        Mqtt5BlockingClient subscriber = hive(two, clientId);
        subscriber.connectWith().cleanStart(true).sessionExpiryInterval(300).send();
        subscriber.subscribeWith().topicFilter("crash/" + clientId).qos(MqttQos.AT_LEAST_ONCE).send();
        one.awaitRoute(two, "crash/" + clientId);
        Mqtt5BlockingClient publisher = hive(one, clientId + "-publisher");
        publisher.connect();
        two.crash();
        List<String> published = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            publisher.publishWith().topic("crash/" + clientId).qos(MqttQos.AT_LEAST_ONCE)
                    .payload(("during-" + i).getBytes(UTF_8)).send();
            published.add("during-" + i);
        }
        return published;
    }

    /**
     * Sends {@code clientId}'s CONNECT to {@code node} and closes the socket before the CONNACK, once
     * {@code observer} sees that node as the client's holder.
     */
    private static void connectAndGiveUp(ClusterNode node, String clientId, ClusterNode observer) throws Exception {
        try (Socket abandoned = new Socket("127.0.0.1", node.port())) {
            abandoned.getOutputStream().write(resumingMqtt5Connect(clientId));
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> observer.fabric().holderOf(clientId).equals(Optional.of(node.nodeId())));
        }
    }

    /** An MQTT 5 CONNECT of {@code clientId} (at most 127 bytes) without clean start, session expiry 300 s. */
    private static byte[] resumingMqtt5Connect(String clientId) {
        byte[] id = clientId.getBytes(UTF_8);
        java.io.ByteArrayOutputStream variable = new java.io.ByteArrayOutputStream();
        variable.writeBytes(new byte[] {0, 4, 'M', 'Q', 'T', 'T', 5, 0, 0, 60});
        variable.writeBytes(new byte[] {5, 0x11, 0, 0, 1, 44});
        variable.writeBytes(new byte[] {0, (byte) id.length});
        variable.writeBytes(id);
        java.io.ByteArrayOutputStream packet = new java.io.ByteArrayOutputStream();
        packet.write(0x10);
        packet.write(variable.size());
        packet.writeBytes(variable.toByteArray());
        return packet.toByteArray();
    }

    @Test
    void aClientOfACleanlyStoppedNodeGetsWhatWasForwardedThereAfterTheStopWithoutDuplicates() throws Exception {
        ClusterNode one = node("n1");
        ClusterNode two = node("n2");
        Mqtt5BlockingClient subscriber = hive(two, "leaver");
        subscriber.connectWith().cleanStart(true).sessionExpiryInterval(300).send();
        subscriber.subscribeWith().topicFilter("stop/leaver").qos(MqttQos.EXACTLY_ONCE).send();
        subscriber.disconnect();
        one.awaitRoute(two, "stop/leaver");
        Mqtt5BlockingClient publisher = hive(one, "stop-publisher");
        publisher.connect();
        List<String> published = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            if (i == 3) {
                // Queued on node 2 and saved by its clean stop; the rest only reaches its inbox.
                await().atMost(Duration.ofSeconds(10)).until(() -> two.fabric().inboxRecords() >= 3);
                two.close();
                nodes.remove(two);
            }
            String payload = "m" + i;
            publisher.publishWith().topic("stop/leaver").qos(MqttQos.EXACTLY_ONCE).payload(payload.getBytes(UTF_8))
                    .send();
            published.add(payload);
        }

        List<String> received = new CopyOnWriteArrayList<>();
        resume(one, "leaver", received);

        await().atMost(Duration.ofSeconds(10)).during(Duration.ofMillis(500)).until(() -> received.size() >= 6);
        assertThat(received).containsExactlyElementsOf(published);
    }

    @Test
    void messagesForwardedToTheOldNodeDuringATakeoverReachTheSessionOnTheNewNodeOnceEach() throws Exception {
        ClusterNode one = node("n1");
        ClusterNode two = node("n2");
        ClusterNode three = node("n3");
        // Paho 3.1.1: it reports the DUP flag of what it receives (a resend of an unacknowledged message).
        Received before = new Received();
        org.eclipse.paho.client.mqttv3.MqttClient onOne = paho3(one, "mover", before);
        MqttConnectOptions persistent = new MqttConnectOptions();
        persistent.setCleanSession(false);
        onOne.connect(persistent);
        onOne.subscribe("move/x", 1);
        three.awaitRoute(one, "move/x");
        two.awaitRoute(one, "move/x");

        // A steady QoS 1 stream from node 3 while the client moves from node 1 to node 2.
        Mqtt5BlockingClient publisher = hive(three, "move-publisher");
        publisher.connect();
        List<String> published = new CopyOnWriteArrayList<>();
        java.util.concurrent.atomic.AtomicBoolean publishing = new java.util.concurrent.atomic.AtomicBoolean(true);
        Thread stream = new Thread(() -> {
            for (int i = 0; publishing.get() && i < 5_000; i++) {
                String payload = "p" + i;
                publisher.publishWith().topic("move/x").qos(MqttQos.AT_LEAST_ONCE).payload(payload.getBytes(UTF_8)).send();
                published.add(payload);
            }
        });
        stream.start();
        await().atMost(Duration.ofSeconds(10)).until(() -> before.messages.size() >= 50);
        Received after = new Received();
        paho3(two, "mover", after).connect(persistent);
        await().atMost(Duration.ofSeconds(10)).until(() -> after.messages.size() >= 100);
        publishing.set(false);
        stream.join(10_000);

        await().atMost(Duration.ofSeconds(10)).until(() -> after.payloads().containsAll(
                missingFrom(published, before.payloads())));
        List<String> all = new ArrayList<>(before.payloads());
        all.addAll(after.payloads());
        assertThat(all).as("every published message reaches the client on one node or the other").containsAll(published);
        List<String> firstDeliveries = new ArrayList<>(before.firstDeliveries());
        firstDeliveries.addAll(after.firstDeliveries());
        assertThat(firstDeliveries).as("delivered without the DUP flag: before %s, after %s", before.messages,
                after.messages).doesNotHaveDuplicates();
        await().atMost(Duration.ofSeconds(10)).until(() -> one.broker().sessionCount() == 0);
    }

    /** What a Paho 3.1.1 client received: payloads with "(dup)" appended when the DUP flag was set. */
    private static final class Received implements org.eclipse.paho.client.mqttv3.MqttCallback {
        final List<String> messages = new CopyOnWriteArrayList<>();

        List<String> payloads() {
            return messages.stream().map(m -> m.replace("(dup)", "")).toList();
        }

        List<String> firstDeliveries() {
            return messages.stream().filter(m -> !m.endsWith("(dup)")).toList();
        }

        @Override
        public void connectionLost(Throwable cause) {
        }

        @Override
        public void messageArrived(String topic, org.eclipse.paho.client.mqttv3.MqttMessage message) {
            messages.add(new String(message.getPayload(), UTF_8) + (message.isDuplicate() ? "(dup)" : ""));
        }

        @Override
        public void deliveryComplete(org.eclipse.paho.client.mqttv3.IMqttDeliveryToken token) {
        }
    }

    private org.eclipse.paho.client.mqttv3.MqttClient paho3(ClusterNode node, String clientId, Received callback)
            throws org.eclipse.paho.client.mqttv3.MqttException {
        org.eclipse.paho.client.mqttv3.MqttClient client = new org.eclipse.paho.client.mqttv3.MqttClient(
                node.serverUri(), clientId, new MemoryPersistence());
        client.setCallback(callback);
        clients.add(() -> {
            if (client.isConnected()) {
                client.disconnectForcibly(1_000);
            }
            client.close(true);
        });
        return client;
    }

    private static List<String> missingFrom(List<String> expected, List<String> present) {
        Set<String> seen = new HashSet<>(present);
        return expected.stream().filter(p -> !seen.contains(p)).toList();
    }
}
