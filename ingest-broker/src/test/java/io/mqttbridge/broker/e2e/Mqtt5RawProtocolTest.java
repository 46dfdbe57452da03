package io.mqttbridge.broker.e2e;

import io.mqttbridge.broker.metrics.BrokerMetrics;
import io.mqttbridge.broker.spi.Authenticator;
import io.mqttbridge.broker.spi.Authorizer;
import io.mqttbridge.broker.spi.SessionListener;
import io.mqttbridge.testing.mqtt.RawMqttClient.Packet;
import io.mqttbridge.testing.mqtt.RawMqttClient;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** MQTT 5 limits and properties checked byte by byte. */
class Mqtt5RawProtocolTest {

    private static Packet connected(RawMqttClient client, byte[] connect) throws IOException {
        client.send(connect);
        Packet connAck = client.read();
        assertThat(connAck.type()).isEqualTo(2);
        assertThat(connAck.body()[1]).isEqualTo((byte) 0);
        return connAck;
    }

    private static String payloadOf(Packet publish) {
        return new String(publish.body(), StandardCharsets.UTF_8);
    }

    @Test
    void inboundTopicAliasResolvesLaterPublishesAndUnknownAliasIsAProtocolError() throws Exception {
        try (TestBroker broker = TestBroker.start();
             RawMqttClient subscriber = new RawMqttClient(broker.port());
             RawMqttClient publisher = new RawMqttClient(broker.port())) {
            connected(subscriber, RawMqttClient.connect(4, "aliasSub", true, 60));
            subscriber.send(RawMqttClient.subscribe(1, "alias/t", 0, false));
            assertThat(subscriber.read().type()).isEqualTo(9);
            connected(publisher, RawMqttClient.connect5("aliasPub", true, 60, new byte[0]));
            publisher.send(RawMqttClient.publish5(0, "alias/t", 0, "first", new byte[] {0x23, 0, 1}));
            publisher.send(RawMqttClient.publish5(0, "", 0, "second", new byte[] {0x23, 0, 1}));
            assertThat(payloadOf(subscriber.read())).endsWith("first");
            assertThat(payloadOf(subscriber.read())).endsWith("second");
            publisher.send(RawMqttClient.publish5(0, "", 0, "third", new byte[] {0x23, 0, 2}));
            List<Packet> last = publisher.readUntilClosed();
            assertThat(last).hasSize(1);
            assertThat(last.get(0).body()[0] & 0xFF).isEqualTo(0x82);
        }
    }

    @Test
    void outboundTopicAliasIsAssignedOnFirstUseAndTopicOmittedAfterwards() throws Exception {
        try (TestBroker broker = TestBroker.start();
             RawMqttClient subscriber = new RawMqttClient(broker.port());
             RawMqttClient publisher = new RawMqttClient(broker.port())) {
            connected(subscriber, RawMqttClient.connect5("aliasOut", true, 60, new byte[] {0x22, 0, 5}));
            subscriber.send(RawMqttClient.subscribe(1, "out/t", 0, true));
            assertThat(subscriber.read().type()).isEqualTo(9);
            connected(publisher, RawMqttClient.connect(4, "aliasOutPub", true, 60));
            publisher.send(RawMqttClient.publish(0, "out/t", 0, "a", false));
            publisher.send(RawMqttClient.publish(0, "out/t", 0, "b", false));
            Packet first = subscriber.read();
            Packet second = subscriber.read();
            assertThat(first.body()[1]).as("topic length").isEqualTo((byte) 5);
            assertThat(second.body()[0]).isZero();
            assertThat(second.body()[1]).as("empty topic name, alias only").isZero();
            assertThat(second.body()[3]).isEqualTo((byte) 0x23);
        }
    }

    @Test
    void atQos2TheTopicNameTravelsWithItsAliasForClientsThatReadTheStoredPacket() throws Exception {
        try (TestBroker broker = TestBroker.start();
             RawMqttClient subscriber = new RawMqttClient(broker.port());
             RawMqttClient publisher = new RawMqttClient(broker.port())) {
            connected(subscriber, RawMqttClient.connect5("aliasQ2", true, 60, new byte[] {0x22, 0, 5}));
            subscriber.send(RawMqttClient.subscribe(1, "out/q2", 2, true));
            assertThat(subscriber.read().type()).isEqualTo(9);
            connected(publisher, RawMqttClient.connect(4, "aliasQ2Pub", true, 60));
            publisher.send(RawMqttClient.publish(2, "out/q2", 1, "a", false));
            publisher.send(RawMqttClient.publish(2, "out/q2", 2, "b", false));
            Packet first = subscriber.read();
            Packet second = subscriber.read();
            assertThat(first.body()[1]).as("topic length").isEqualTo((byte) 6);
            assertThat(second.body()[1]).as("the topic name again, with the alias").isEqualTo((byte) 6);
            assertThat(second.body()[11]).as("topic alias property").isEqualTo((byte) 0x23);
        }
    }

    @Test
    void exceedingTheReceiveMaximumWithQos2FlowsGetsDisconnect0x93() throws Exception {
        DurableAckTest.ManualSink sink = new DurableAckTest.ManualSink();
        try (TestBroker broker = new TestBroker(c -> c.setReceiveMaximum(2), Authenticator.ALLOW_ALL,
                Authorizer.ALLOW_ALL, sink, SessionListener.NONE);
             RawMqttClient client = new RawMqttClient(broker.port())) {
            connected(client, RawMqttClient.connect5("greedy", true, 60, new byte[0]));
            for (int id = 1; id <= 3; id++) {
                client.send(RawMqttClient.publish5(2, "t", id, "x", new byte[0]));
            }
            List<Packet> packets = client.readUntilClosed();
            assertThat(packets).hasSize(1);
            assertThat(packets.get(0).body()[0] & 0xFF).isEqualTo(0x93);
        }
    }

    @Test
    void qos1PublishesPastTheReceiveMaximumWaitingForTheSinkAreSlowedNotDisconnected() throws Exception {
        DurableAckTest.ManualSink sink = new DurableAckTest.ManualSink();
        try (TestBroker broker = new TestBroker(c -> c.setReceiveMaximum(2), Authenticator.ALLOW_ALL,
                Authorizer.ALLOW_ALL, sink, SessionListener.NONE);
             RawMqttClient client = new RawMqttClient(broker.port())) {
            connected(client, RawMqttClient.connect5("hasty", true, 60, new byte[0]));
            // As MQTT.js does: publishes without waiting, past the announced Receive Maximum.
            for (int id = 1; id <= 5; id++) {
                client.send(RawMqttClient.publish5(1, "t", id, "m" + id, new byte[0]));
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> sink.futures.size() >= 2);
            for (int released = 0; released < 5; released++) {
                int next = released;
                await().atMost(Duration.ofSeconds(10)).until(() -> sink.futures.size() > next);
                sink.futures.get(next).complete(null);
                Packet puback = client.read();
                assertThat(puback.type()).isEqualTo(4);
                assertThat(((puback.body()[0] & 0xFF) << 8) | (puback.body()[1] & 0xFF)).isEqualTo(released + 1);
            }
            assertThat(sink.messages).extracting(message -> new String(message.payload(), StandardCharsets.UTF_8))
                    .containsExactly("m1", "m2", "m3", "m4", "m5");
        }
    }

    @Test
    void messageLargerThanTheClientsMaximumPacketSizeIsDroppedAndCounted() throws Exception {
        try (TestBroker broker = TestBroker.start();
             RawMqttClient subscriber = new RawMqttClient(broker.port());
             RawMqttClient publisher = new RawMqttClient(broker.port())) {
            connected(subscriber, RawMqttClient.connect5("small", true, 60, new byte[] {0x27, 0, 0, 0, 64}));
            subscriber.send(RawMqttClient.subscribe(1, "size/#", 0, true));
            assertThat(subscriber.read().type()).isEqualTo(9);
            connected(publisher, RawMqttClient.connect(4, "sizePub", true, 60));
            publisher.send(RawMqttClient.publish(0, "size/big", 0, "x".repeat(200), false));
            publisher.send(RawMqttClient.publish(0, "size/small", 0, "fits", false));
            assertThat(payloadOf(subscriber.read())).endsWith("fits");
            assertThat(broker.metrics.meter(BrokerMetrics.DropReason.PACKET_TOO_LARGE.metricName()).getCount())
                    .isEqualTo(1);
        }
    }

    @Test
    void disconnectWithReason0x04PublishesTheWill() throws Exception {
        try (TestBroker broker = TestBroker.start();
             RawMqttClient watcher = new RawMqttClient(broker.port());
             RawMqttClient leaving = new RawMqttClient(broker.port())) {
            connected(watcher, RawMqttClient.connect(4, "willWatcher", true, 60));
            watcher.send(RawMqttClient.subscribe(1, "will/5", 0, false));
            assertThat(watcher.read().type()).isEqualTo(9);
            connected(leaving, RawMqttClient.connect(5, "leaving", true, 60, "will/5", "bye"));
            leaving.send(RawMqttClient.packet(0xE0, new byte[] {0x04, 0}));
            assertThat(leaving.readUntilClosed()).isEmpty();
            assertThat(payloadOf(watcher.read())).endsWith("bye");
        }
    }

    @Test
    void brokerShutdownSendsDisconnect0x8BToMqtt5Clients() throws Exception {
        TestBroker broker = TestBroker.start();
        try (RawMqttClient client = new RawMqttClient(broker.port())) {
            connected(client, RawMqttClient.connect5("shutdown", true, 60, new byte[0]));
            CompletableFuture<Void> stopping = CompletableFuture.runAsync(broker::close);
            List<Packet> packets = client.readUntilClosed();
            assertThat(packets).hasSize(1);
            assertThat(packets.get(0).body()[0] & 0xFF).isEqualTo(0x8B);
            stopping.get();
        }
    }

    @Test
    void sessionWithExpiryIntervalEndsAfterItExpires() throws Exception {
        try (TestBroker broker = TestBroker.start();
             RawMqttClient client = new RawMqttClient(broker.port())) {
            connected(client, RawMqttClient.connect5("expiring", true, 60, new byte[] {0x11, 0, 0, 0, 1}));
            client.send(RawMqttClient.subscribe(1, "e/#", 1, true));
            assertThat(client.read().type()).isEqualTo(9);
            client.send(RawMqttClient.packet(0xE0, new byte[0]));
            assertThat(client.readUntilClosed()).isEmpty();
            assertThat(broker.broker.subscriptionsOf("expiring")).hasSize(1);
            await().atMost(Duration.ofSeconds(5)).until(() -> broker.broker.subscriptionsOf("expiring").isEmpty());
        }
    }

    @Test
    void retainHandling2SendsNoRetainedMessagesAndRetainAsPublishedKeepsTheFlag() throws Exception {
        try (TestBroker broker = TestBroker.start();
             RawMqttClient client = new RawMqttClient(broker.port())) {
            connected(client, RawMqttClient.connect5("rh", true, 60, new byte[0]));
            client.send(RawMqttClient.publish5(0, "rh/a", 0, "old", new byte[0]));
            byte[] retained = RawMqttClient.publish5(0, "rh/a", 0, "kept", new byte[0]);
            retained[0] |= 0x01;
            client.send(retained);
            client.send(RawMqttClient.subscribe(1, "rh/#", 0x20 | 0x08, true));
            assertThat(client.read().type()).isEqualTo(9);
            byte[] liveRetained = RawMqttClient.publish5(0, "rh/a", 0, "live", new byte[0]);
            liveRetained[0] |= 0x01;
            client.send(liveRetained);
            Packet live = client.read();
            assertThat(live.type()).isEqualTo(3);
            assertThat(payloadOf(live)).as("the stored retained message is not sent").endsWith("live");
            assertThat(live.firstByte() & 0x01).as("retain as published").isEqualTo(1);
        }
    }

    /** One SUBSCRIBE listing {@code filter} twice, both times with {@code options} [MQTT-3.8.4-5]. */
    private static byte[] subscribeTwice(int packetId, String filter, int options) {
        java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
        body.write(packetId >> 8);
        body.write(packetId & 0xFF);
        body.write(0); // no properties
        for (int i = 0; i < 2; i++) {
            RawMqttClient.writeString(body, filter);
            body.write(options);
        }
        return RawMqttClient.packet(0x82, body.toByteArray());
    }

    @Test
    void aFilterListedTwiceInOneSubscribeGetsTheRetainedMessagesAsTwoSubscribesWould() throws Exception {
        try (TestBroker broker = TestBroker.start();
             RawMqttClient publisher = new RawMqttClient(broker.port());
             RawMqttClient always = new RawMqttClient(broker.port());
             RawMqttClient ifNew = new RawMqttClient(broker.port())) {
            connected(publisher, RawMqttClient.connect5("twice-pub", true, 60, new byte[0]));
            byte[] retained = RawMqttClient.publish5(1, "twice/a", 1, "kept", new byte[0]);
            retained[0] |= 0x01;
            publisher.send(retained);
            assertThat(publisher.read().type()).isEqualTo(4);

            // Retain handling 0: the second entry replaces the subscription, and the retained message is sent again.
            connected(always, RawMqttClient.connect5("twice-0", true, 60, new byte[0]));
            always.send(subscribeTwice(1, "twice/#", 0x00));
            assertThat(always.read().type()).isEqualTo(9);
            assertThat(List.of(always.read(), always.read())).extracting(Packet::type).containsExactly(3, 3);

            // Retain handling 1: sent for the first entry, which created the subscription, not for the second.
            connected(ifNew, RawMqttClient.connect5("twice-1", true, 60, new byte[0]));
            ifNew.send(subscribeTwice(1, "twice/#", 0x10));
            assertThat(ifNew.read().type()).isEqualTo(9);
            Packet first = ifNew.read();
            assertThat(first.type()).isEqualTo(3);
            assertThat(payloadOf(first)).endsWith("kept");
            publisher.send(RawMqttClient.publish5(1, "twice/b", 2, "live", new byte[0]));
            assertThat(payloadOf(ifNew.read())).as("the next message is the live one").endsWith("live");
        }
    }

    /** CONNECT properties: Maximum Packet Size {@code size}. */
    private static byte[] maximumPacketSize(int size) {
        return new byte[] {0x27, (byte) (size >> 24), (byte) (size >> 16), (byte) (size >> 8), (byte) size};
    }

    @Test
    void theConnackNeverExceedsTheClientsMaximumPacketSize_3_1_2_24() throws Exception {
        try (TestBroker broker = TestBroker.start();
             RawMqttClient roomy = new RawMqttClient(broker.port());
             RawMqttClient small = new RawMqttClient(broker.port());
             RawMqttClient tiny = new RawMqttClient(broker.port())) {
            Packet full = connected(roomy, RawMqttClient.connect5("mps-roomy", true, 60, maximumPacketSize(1024)));
            int fullSize = 2 + full.body().length;
            assertThat(full.body()).as("Topic Alias Maximum announced").contains((byte) 0x22);

            // Room for all but what may be left out: Topic Alias Maximum (absent: 0).
            Packet lean = connected(small, RawMqttClient.connect5("mps-small", true, 60,
                    maximumPacketSize(fullSize - 1)));
            assertThat(2 + lean.body().length).isLessThanOrEqualTo(fullSize - 1);
            assertThat(lean.body()).as("Topic Alias Maximum left out").doesNotContain((byte) 0x22);

            // No room even for that: closed without a CONNACK.
            tiny.send(RawMqttClient.connect5("mps-tiny", true, 60, maximumPacketSize(8)));
            assertThat(tiny.readUntilClosed()).isEmpty();
        }
    }

    @Test
    void topicAliasIsNotConsideredKnownWhenTheMessageThatWouldHaveSetItWasTooLarge() throws Exception {
        try (TestBroker broker = TestBroker.start();
             RawMqttClient subscriber = new RawMqttClient(broker.port());
             RawMqttClient publisher = new RawMqttClient(broker.port())) {
            connected(subscriber, RawMqttClient.connect5("aliasSmall", true, 60,
                    new byte[] {0x22, 0, 5, 0x27, 0, 0, 0, 64}));
            subscriber.send(RawMqttClient.subscribe(1, "al/t", 0, true));
            assertThat(subscriber.read().type()).isEqualTo(9);
            connected(publisher, RawMqttClient.connect(4, "aliasSmallPub", true, 60));
            publisher.send(RawMqttClient.publish(0, "al/t", 0, "x".repeat(200), false));
            publisher.send(RawMqttClient.publish(0, "al/t", 0, "small", false));
            Packet delivered = subscriber.read();
            assertThat(delivered.body()[1]).as("the topic name is sent with the new alias").isEqualTo((byte) 4);
            assertThat(payloadOf(delivered)).endsWith("small");
        }
    }
}
