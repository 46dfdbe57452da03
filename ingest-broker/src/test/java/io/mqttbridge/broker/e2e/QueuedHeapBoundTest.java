package io.mqttbridge.broker.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.mqttbridge.broker.metrics.BrokerMetrics;
import io.mqttbridge.testing.mqtt.PahoV3Collector;
import io.mqttbridge.testing.mqtt.RawMqttClient;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code broker.maxQueuedHeapPercent} on a real broker (1 % of this JVM's heap, about 10 MiB here):
 * of 40 MiB published to a topic an offline persistent session subscribes to, what does not fit waits
 * in the session store alone, and the session gets every message, in order, when it comes back; a clean
 * session far behind meets the overflow policy (it has no store); once the bound is full, a connected
 * subscriber that keeps up still gets every message: the bound applies to offline clients and to
 * connected ones more than 1 MiB behind. Messages sent and not acknowledged yet count too: a client that reads its messages and
 * never acknowledges them keeps them in the heap (up to {@code maxInflightOutbound} per session) until its
 * session ends.
 */
class QueuedHeapBoundTest {

    private static final int MESSAGES = 320;
    private static final int PAYLOAD = 128 * 1024;
    private static final int SMALL = 50;
    private static final int UNACKNOWLEDGED = 100;
    private static final int PUBLISH = 3;

    private final TestBroker broker = TestBroker.start(config -> {
        config.setMaxQueuedHeapPercent(1);
        config.setMaxPacketSize(PAYLOAD + 1024);
    });
    private final List<MqttClient> clients = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (MqttClient client : clients) {
            if (client.isConnected()) {
                client.disconnectForcibly(1000);
            }
            client.close();
        }
        broker.close();
    }

    private MqttClient connect(String id, boolean cleanSession, PahoV3Collector collector) throws Exception {
        MqttClient client = new MqttClient("tcp://127.0.0.1:" + broker.port(), id, new MemoryPersistence());
        clients.add(client);
        if (collector != null) {
            client.setCallback(collector);
        }
        MqttConnectOptions options = new MqttConnectOptions();
        options.setCleanSession(cleanSession);
        options.setMaxInflight(1000);
        client.connect(options);
        return client;
    }

    @Test
    void anOfflineSessionsMessagesPastTheBoundWaitInTheStoreAndAllArriveWhileAConnectedSubscriberIsNotHeldBack()
            throws Exception {
        MqttClient away = connect("heap-away", false, null);
        away.subscribe("heap/#", 1);
        away.disconnect();
        PahoV3Collector online = new PahoV3Collector();
        connect("heap-online", true, online).subscribe("heap/small", 1);

        MqttClient publisher = connect("heap-pub", true, null);
        for (int i = 0; i < MESSAGES; i++) {
            publish(publisher, "heap/big", i, PAYLOAD);
        }
        assertThat(broker.metrics.meter(BrokerMetrics.SPILLED).getCount())
                .as("40 MiB for the offline session, about 10 MiB of heap: the rest waits in the session store")
                .isBetween(120L, (long) MESSAGES);
        assertThat(broker.metrics.counter(BrokerMetrics.QUEUED_IN_STORE).getCount()).as("all of them wait there now")
                .isEqualTo(broker.metrics.meter(BrokerMetrics.SPILLED).getCount());
        // The bound is decided every 20 ms: a burst passes it by what arrives meanwhile, so a margin of 4 MiB.
        assertThat(queuedBytes()).as("the heap holds about the bound, not 40 MiB")
                .isLessThan(Runtime.getRuntime().maxMemory() / 100 + 32L * PAYLOAD);
        // The bound is full now; a connected subscriber that keeps up gets every message all the same.
        for (int i = 0; i < SMALL; i++) {
            publish(publisher, "heap/small", MESSAGES + i, 100);
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> online.messages().size() == SMALL);
        assertThat(online.messages()).extracting(QueuedHeapBoundTest::numberOf)
                .isEqualTo(IntStream.range(MESSAGES, MESSAGES + SMALL).boxed().toList());

        PahoV3Collector back = new PahoV3Collector();
        connect("heap-away", false, back);
        await().atMost(Duration.ofSeconds(60)).until(() -> back.messages().size() >= MESSAGES + SMALL);
        assertThat(back.messages()).extracting(QueuedHeapBoundTest::numberOf).as("every message, in order, once")
                .isEqualTo(IntStream.range(0, MESSAGES + SMALL).boxed().toList());
        assertThat(broker.metrics.meter(BrokerMetrics.DROPPED + "queue-full").getCount()).isZero();
        await().atMost(Duration.ofSeconds(10)).until(() -> queuedBytes() == 0);
        assertThat(broker.metrics.counter(BrokerMetrics.QUEUED_IN_STORE).getCount()).as("none left in the store")
                .isZero();
    }

    @Test
    void aClientBackWithSessionExpiryZeroGetsItsSpilledMessagesBeforeTheOnesPublishedAfter() throws Exception {
        MqttClient away = connect("order-away", false, null);
        away.subscribe("order/#", 1);
        away.disconnect();
        MqttClient publisher = connect("order-pub", true, null);
        int spilledBatch = 200;
        for (int i = 0; i < spilledBatch; i++) {
            publish(publisher, "order/big", i, PAYLOAD);
        }
        assertThat(broker.metrics.meter(BrokerMetrics.SPILLED).getCount()).as("25 MiB against 10").isPositive();

        // MQTT 5, no session expiry: the session ends with this connection, so it is no longer persistent.
        // A window of one message keeps most of the spilled ones in the store while more are published.
        RawMqttClient back = new RawMqttClient(broker.port());
        back.send(RawMqttClient.connect5("order-away", false, 0, new byte[] {0x21, 0, 1}));
        assertThat(back.read().type()).as("CONNACK").isEqualTo(2);
        RawMqttClient.Packet first = back.read();
        for (int i = 0; i < SMALL; i++) {
            publish(publisher, "order/small", spilledBatch + i, 100);
        }
        List<Integer> received = new ArrayList<>();
        for (RawMqttClient.Packet publish = first; ; publish = back.read()) {
            assertThat(publish.type()).isEqualTo(PUBLISH);
            received.add(numberOf5(publish));
            int packetId = packetIdOf(publish);
            back.send(RawMqttClient.packet(0x40, new byte[] {(byte) (packetId >> 8), (byte) packetId}));
            if (received.size() == spilledBatch + SMALL) {
                break;
            }
        }
        assertThat(received).as("the spilled messages first, then those published after the client came back")
                .isEqualTo(IntStream.range(0, spilledBatch + SMALL).boxed().toList());
        back.close();
    }

    @Test
    void qos0MessagesGoAheadOfSpilledQos1OnesToAClientThatKeepsUp() throws Exception {
        MqttClient filler = connect("ahead-filler", false, null);
        filler.subscribe("filler/#", 1);
        filler.disconnect();
        MqttClient away = connect("ahead-away", false, null);
        away.subscribe("ahead/#", 1);
        away.disconnect();
        // Another subscriber of the QoS 0 messages: once it has them, they were routed to every subscriber.
        PahoV3Collector witness = new PahoV3Collector();
        connect("ahead-witness", true, witness).subscribe("ahead/live", 0);
        MqttClient publisher = connect("ahead-pub", true, null);
        for (int i = 0; i < 100; i++) {
            publish(publisher, "filler/big", i, PAYLOAD); // another session's 12.5 MiB fill the bound
        }
        int spilledBatch = 200;
        for (int i = 0; i < spilledBatch; i++) {
            publish(publisher, "ahead/big", i, PAYLOAD);
        }
        assertThat(broker.metrics.meter(BrokerMetrics.SPILLED).getCount()).as("all of them")
                .isGreaterThan(spilledBatch);

        // A window of one message keeps most of the QoS 1 ones in the store while the QoS 0 ones come.
        RawMqttClient back = new RawMqttClient(broker.port());
        back.send(RawMqttClient.connect5("ahead-away", false, 0, new byte[] {0x21, 0, 1}));
        assertThat(back.read().type()).as("CONNACK").isEqualTo(2);
        RawMqttClient.Packet first = back.read();
        int live = 5;
        for (int i = 0; i < live; i++) {
            byte[] payload = new byte[100];
            ByteBuffer.wrap(payload).putInt(1_000 + i);
            MqttMessage message = new MqttMessage(payload);
            message.setQos(0);
            publisher.publish("ahead/live", message);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> witness.messages().size() == live);
        List<Integer> qos1 = new ArrayList<>();
        List<Integer> qos0 = new ArrayList<>();
        int qos0BeforeTheLastQos1 = -1;
        for (RawMqttClient.Packet publish = first; ; publish = back.read()) {
            assertThat(publish.type()).isEqualTo(PUBLISH);
            if ((publish.firstByte() & 0x06) == 0) {
                qos0.add(numberOf5(publish, false));
            } else {
                qos1.add(numberOf5(publish, true));
                if (qos1.size() == spilledBatch) {
                    qos0BeforeTheLastQos1 = qos0.size();
                }
                int packetId = packetIdOf(publish);
                back.send(RawMqttClient.packet(0x40, new byte[] {(byte) (packetId >> 8), (byte) packetId}));
            }
            if (qos1.size() == spilledBatch && qos0.size() == live) {
                break;
            }
        }
        assertThat(qos1).as("the spilled ones, in order, once")
                .isEqualTo(IntStream.range(0, spilledBatch).boxed().toList());
        assertThat(qos0).as("every QoS 0 one, in order")
                .isEqualTo(IntStream.range(1_000, 1_000 + live).boxed().toList());
        assertThat(qos0BeforeTheLastQos1).as("ahead of the QoS 1 ones still in the store").isEqualTo(live);
        back.close();
    }

    @Test
    void sessionsReadingBackTogetherStayWithinAQuarterPastTheBoundAndEachGetsEverythingInOrder() throws Exception {
        int sessions = 16;
        int perSession = 24; // 48 MiB in all against a bound of about 10 MiB
        for (int s = 0; s < sessions; s++) {
            RawMqttClient away = new RawMqttClient(broker.port());
            away.send(RawMqttClient.connect(4, "rb-" + s, false, 0));
            assertThat(away.read().type()).as("CONNACK").isEqualTo(2);
            away.send(RawMqttClient.subscribe(1, "rb/" + s, 1, false));
            assertThat(away.read().type()).as("SUBACK").isEqualTo(9);
            away.close();
        }
        MqttClient publisher = connect("rb-pub", true, null);
        for (int i = 0; i < perSession; i++) {
            for (int s = 0; s < sessions; s++) {
                publish(publisher, "rb/" + s, i, PAYLOAD);
            }
        }
        // Every client back at once, taking what is sent and acknowledging nothing: each session keeps
        // what it has read back, and would read on a page at a time (1 MiB) were the pages not bounded.
        List<RawMqttClient> holders = new ArrayList<>();
        for (int s = 0; s < sessions; s++) {
            RawMqttClient holder = new RawMqttClient(broker.port());
            holder.send(RawMqttClient.connect(4, "rb-" + s, false, 0));
            assertThat(holder.read().type()).as("CONNACK").isEqualTo(2);
            holders.add(holder);
        }
        long bound = Runtime.getRuntime().maxMemory() / 100;
        // Past the quarter, a session that holds nothing reads one message: at most one each, and the burst margin.
        long limit = bound + bound / 4 + (long) sessions * PAYLOAD + 32L * PAYLOAD;
        for (RawMqttClient holder : holders) {
            assertThat(holder.read().type()).as("every session gets something").isEqualTo(PUBLISH);
        }
        await().atMost(Duration.ofSeconds(10)).during(Duration.ofSeconds(2)).untilAsserted(() ->
                assertThat(queuedBytes()).as("the bound, a quarter, a message per session").isLessThanOrEqualTo(limit));
        for (RawMqttClient holder : holders) {
            holder.close();
        }

        List<PahoV3Collector> back = new ArrayList<>();
        List<MqttClient> draining = new ArrayList<>();
        for (int s = 0; s < sessions; s++) {
            PahoV3Collector collector = new PahoV3Collector();
            draining.add(connect("rb-" + s, false, collector));
            back.add(collector);
        }
        await().atMost(Duration.ofSeconds(60))
                .until(() -> back.stream().allMatch(c -> c.messages().size() >= perSession));
        for (PahoV3Collector collector : back) {
            assertThat(collector.messages()).extracting(QueuedHeapBoundTest::numberOf)
                    .as("every message, in order (those sent before and not acknowledged come again first)")
                    .isEqualTo(IntStream.range(0, perSession).boxed().toList());
        }
        for (MqttClient client : draining) {
            client.disconnect(0);
        }
    }

    @Test
    void aConnectedCleanSessionFarBehindStillMeetsThePolicyAtTheBound() throws Exception {
        RawMqttClient reader = RawMqttClient.openConnected(broker.port(), "heap-slow");
        reader.send(RawMqttClient.subscribe(1, "slow/#", 1, false));
        assertThat(reader.read().type()).as("SUBACK").isEqualTo(9);
        // The client never reads: its socket fills, then its queue, past 1 MiB and the bound.
        MqttClient publisher = connect("heap-slow-pub", true, null);
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            for (int i = 0; i < 20; i++) {
                publish(publisher, "slow/big", i, PAYLOAD);
            }
            return broker.metrics.meter(BrokerMetrics.QUEUED_HEAP_EXCEEDED).getCount() > 0;
        });
        assertThat(broker.metrics.meter(BrokerMetrics.SPILLED).getCount())
                .as("a clean session has no store to wait in").isZero();
        reader.close();
    }

    @Test
    void messagesSentAndNotAcknowledgedCountAgainstTheBoundUntilTheirPubackOrTheEndOfTheSession() throws Exception {
        MqttClient away = connect("unacked-away", false, null);
        away.subscribe("away/#", 1);
        away.disconnect();
        RawMqttClient holder = RawMqttClient.openConnected(broker.port(), "unacked-holder");
        holder.send(RawMqttClient.subscribe(1, "held/#", 1, false));
        assertThat(holder.read().type()).as("SUBACK").isEqualTo(9);

        MqttClient publisher = connect("unacked-pub", true, null);
        for (int i = 0; i < UNACKNOWLEDGED; i++) {
            publish(publisher, "held/big", i, PAYLOAD);
        }
        List<Integer> packetIds = new ArrayList<>();
        for (int i = 0; i < UNACKNOWLEDGED; i++) {
            RawMqttClient.Packet packet = holder.read();
            assertThat(packet.type()).isEqualTo(PUBLISH);
            packetIds.add(packetIdOf(packet));
        }
        assertThat(queuedBytes()).as("all 100 sent (12.5 MiB), none acknowledged: still in the heap")
                .isGreaterThanOrEqualTo((long) UNACKNOWLEDGED * PAYLOAD);

        // The unacknowledged ones fill the bound: a message for the offline session waits in the store.
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            publish(publisher, "away/small", 0, 100);
            return broker.metrics.meter(BrokerMetrics.SPILLED).getCount() > 0;
        });

        for (int packetId : packetIds.subList(0, UNACKNOWLEDGED / 2)) {
            holder.send(RawMqttClient.packet(0x40, new byte[] {(byte) (packetId >> 8), (byte) packetId}));
        }
        long half = (long) (UNACKNOWLEDGED / 2) * PAYLOAD;
        await().atMost(Duration.ofSeconds(10)).until(() -> queuedBytes() < half + PAYLOAD);
        assertThat(queuedBytes()).as("the other half is still unacknowledged").isGreaterThanOrEqualTo(half);

        holder.close(); // a clean session: it ends with its connection, and its unacknowledged messages go
        await().atMost(Duration.ofSeconds(10)).until(() -> queuedBytes() < PAYLOAD);
    }

    private long queuedBytes() {
        return ((Number) broker.metrics.getGauges().get(BrokerMetrics.QUEUED_BYTES).getValue()).longValue();
    }

    /** A QoS 1 PUBLISH's packet id: after the topic's two length bytes and the topic. */
    private static int packetIdOf(RawMqttClient.Packet publish) {
        byte[] body = publish.body();
        int topicLength = ((body[0] & 0xff) << 8) | (body[1] & 0xff);
        return ((body[2 + topicLength] & 0xff) << 8) | (body[3 + topicLength] & 0xff);
    }

    /** The number at the start of an MQTT 5 QoS 1 PUBLISH's payload: after the packet id and the properties. */
    private static int numberOf5(RawMqttClient.Packet publish) {
        return numberOf5(publish, true);
    }

    /** The number at the start of an MQTT 5 PUBLISH's payload: after the packet id (QoS 1/2) and the properties. */
    private static int numberOf5(RawMqttClient.Packet publish, boolean hasPacketId) {
        ByteBuffer body = ByteBuffer.wrap(publish.body());
        body.position(2 + body.getShort(0) + (hasPacketId ? 2 : 0));
        int propertiesLength = 0;
        for (int shift = 0, b = 0x80; (b & 0x80) != 0; shift += 7) {
            b = body.get() & 0xff;
            propertiesLength |= (b & 0x7f) << shift;
        }
        return body.getInt(body.position() + propertiesLength);
    }

    private static void publish(MqttClient publisher, String topic, int number, int size) throws Exception {
        byte[] payload = new byte[size];
        ByteBuffer.wrap(payload).putInt(number);
        MqttMessage message = new MqttMessage(payload);
        message.setQos(1);
        publisher.publish(topic, message);
    }

    private static int numberOf(MqttMessage message) {
        return ByteBuffer.wrap(message.getPayload()).getInt();
    }
}
