package io.mqttbridge.broker.e2e;

import io.mqttbridge.broker.metrics.BrokerMetrics;
import io.mqttbridge.broker.spi.MqttReasonCode;
import io.mqttbridge.broker.spi.PublishRejectedException;
import io.mqttbridge.broker.spi.PublishSink;
import io.mqttbridge.broker.spi.PublishedMessage;
import io.mqttbridge.testing.mqtt.RawMqttClient.Packet;
import io.mqttbridge.testing.mqtt.RawMqttClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** The PUBACK / PUBREC promise: sent only once the sink has the message, in arrival order. */
class DurableAckTest {

    /** A sink whose futures the test completes. */
    static final class ManualSink implements PublishSink {
        final List<PublishedMessage> messages = new CopyOnWriteArrayList<>();
        final List<CompletableFuture<Void>> futures = new CopyOnWriteArrayList<>();
        volatile boolean accepting = true;
        volatile Runnable pressureListener;
        /** When set, every message is refused with it before it is taken (as a full disk refuses). */
        volatile PublishRejectedException refuseAtOnce;

        @Override
        public CompletableFuture<Void> accept(PublishedMessage message) {
            if (refuseAtOnce != null) {
                return CompletableFuture.failedFuture(refuseAtOnce);
            }
            CompletableFuture<Void> future = new CompletableFuture<>();
            messages.add(message);
            futures.add(future);
            return future;
        }

        @Override
        public boolean isAcceptingPublishes() {
            return accepting;
        }

        @Override
        public void addPressureListener(Runnable listener) {
            pressureListener = listener;
        }
    }

    private final ManualSink sink = new ManualSink();
    private final TestBroker broker = TestBroker.withSink(sink);

    @AfterEach
    void stop() {
        broker.close();
    }

    private RawMqttClient connect(int level, String id) throws IOException {
        RawMqttClient client = new RawMqttClient(broker.port());
        client.send(RawMqttClient.connect(level, id, true, 60));
        assertThat(client.read().type()).isEqualTo(2);
        return client;
    }

    @Test
    void qos1PublishIsAcknowledgedOnlyAfterTheSinkCompletesAndInArrivalOrder() throws Exception {
        try (RawMqttClient client = connect(4, "ordered")) {
            client.send(RawMqttClient.publish(1, "t", 1, "a", false));
            client.send(RawMqttClient.publish(1, "t", 2, "b", false));
            await().until(() -> sink.futures.size() == 2);
            sink.futures.get(1).complete(null);
            client.send(RawMqttClient.packet(0xC0, new byte[0]));
            assertThat(client.read().type()).as("no PUBACK before the first message is stored").isEqualTo(13);
            sink.futures.get(0).complete(null);
            Packet first = client.read();
            Packet second = client.read();
            assertThat(first.type()).isEqualTo(4);
            assertThat(first.body()[1]).isEqualTo((byte) 1);
            assertThat(second.body()[1]).isEqualTo((byte) 2);
        }
    }

    @Test
    void qos1AcksCompletedTogetherOnSeveralThreadsAreEachSentOnceInArrivalOrder() throws Exception {
        int count = 100; // the default receive maximum: all are taken in before any completes
        try (RawMqttClient client = connect(4, "together")) {
            for (int id = 1; id <= count; id++) {
                client.send(RawMqttClient.publish(1, "t", id, "m" + id, false));
            }
            await().until(() -> sink.futures.size() == count);
            // Shuffled over four threads at once, as a Kafka batch completes many futures together: the
            // shared release task must neither lose a completion nor send an acknowledgement twice.
            List<CompletableFuture<Void>> shuffled = new java.util.ArrayList<>(sink.futures);
            java.util.Collections.shuffle(shuffled, new java.util.Random(7));
            java.util.concurrent.ExecutorService threads = java.util.concurrent.Executors.newFixedThreadPool(4);
            try {
                for (CompletableFuture<Void> future : shuffled) {
                    threads.execute(() -> future.complete(null));
                }
                for (int id = 1; id <= count; id++) {
                    Packet ack = client.read();
                    assertThat(ack.type()).isEqualTo(4);
                    assertThat(((ack.body()[0] & 0xFF) << 8) | (ack.body()[1] & 0xFF)).isEqualTo(id);
                }
                client.send(RawMqttClient.packet(0xC0, new byte[0]));
                assertThat(client.read().type()).as("no acknowledgement after the last one").isEqualTo(13);
            } finally {
                threads.shutdownNow();
            }
        }
    }

    @Test
    void rejectedQos1PublishGetsTheSinkReasonCodeInMqtt5() throws Exception {
        try (RawMqttClient client = connect(5, "rejected5")) {
            client.send(RawMqttClient.publish(1, "t", 7, "a", true));
            await().until(() -> sink.futures.size() == 1);
            sink.futures.get(0).completeExceptionally(
                    new PublishRejectedException(MqttReasonCode.QUOTA_EXCEEDED, "full", null));
            Packet ack = client.read();
            assertThat(ack.type()).isEqualTo(4);
            assertThat(ack.body()[2] & 0xFF).isEqualTo(0x97);
            assertThat(new String(ack.body(), java.nio.charset.StandardCharsets.UTF_8)).as("reason string").contains("full");
        }
    }

    @Test
    void mqtt311ConnectionWithARejectedQos1PublishGetsTheAcksBeforeItAndIsThenClosedAndCounted() throws Exception {
        try (RawMqttClient client = connect(4, "rejected3")) {
            client.send(RawMqttClient.publish(1, "t", 6, "stored", false));
            client.send(RawMqttClient.publish(1, "t", 7, "a", false));
            client.send(RawMqttClient.publish(1, "t", 8, "b", false));
            await().until(() -> sink.futures.size() == 3);
            sink.futures.get(0).complete(null);
            sink.futures.get(2).complete(null);
            sink.futures.get(1).completeExceptionally(new PublishRejectedException(MqttReasonCode.UNSPECIFIED_ERROR, "down", null));
            Packet ack = client.read();
            assertThat(ack.type()).isEqualTo(4);
            assertThat(ack.body()[1]).isEqualTo((byte) 6);
            assertThat(client.read()).as("closed: no PUBACK for the unstored message nor after it").isNull();
            assertThat(broker.metrics.meter(BrokerMetrics.CLOSED_PUBLISH_NOT_STORED).getCount()).isEqualTo(1);
        }
    }

    @Test
    void mqtt311PublishTheSinkRefusesForGoodIsAcknowledgedDroppedAndCountedAndTheConnectionStays() throws Exception {
        try (RawMqttClient client = connect(4, "refused3")) {
            client.send(RawMqttClient.publish(1, "t", 7, "never", false));
            client.send(RawMqttClient.publish(1, "t", 8, "stored", false));
            await().until(() -> sink.futures.size() == 2);
            sink.futures.get(0).completeExceptionally(
                    new PublishRejectedException(MqttReasonCode.TOPIC_NAME_INVALID, "no Kafka topic", null, true));
            sink.futures.get(1).complete(null);
            Packet first = client.read();
            Packet second = client.read();
            assertThat(first.type()).isEqualTo(4);
            assertThat(first.body()[1]).isEqualTo((byte) 7);
            assertThat(second.body()[1]).isEqualTo((byte) 8);
            client.send(RawMqttClient.packet(0xC0, new byte[0]));
            assertThat(client.read().type()).as("still connected").isEqualTo(13);
            assertThat(broker.metrics.meter(BrokerMetrics.DropReason.REFUSED_BY_SINK.metricName()).getCount()).isEqualTo(1);
            assertThat(broker.metrics.meter(BrokerMetrics.CLOSED_PUBLISH_NOT_STORED).getCount()).isZero();
        }
    }

    @Test
    void mqtt311Qos2PublishTheSinkRefusesForGoodGetsPubrecThenPubcompAndReachesNoSubscriber() throws Exception {
        try (RawMqttClient subscriber = connect(4, "refused-sub");
             RawMqttClient client = new RawMqttClient(broker.port())) {
            subscriber.send(RawMqttClient.packet(0x82, new byte[] {0, 1, 0, 2, 'q', '2', 2}));
            assertThat(subscriber.read().type()).isEqualTo(9);
            client.send(RawMqttClient.connect(4, "refused-q2", false, 60));
            assertThat(client.read().type()).isEqualTo(2);
            client.send(RawMqttClient.publish(2, "q2", 9, "never", false));
            await().until(() -> sink.futures.size() == 1);
            sink.futures.get(0).completeExceptionally(
                    new PublishRejectedException(MqttReasonCode.QUOTA_EXCEEDED, "template past maxTopics", null, true));
            assertThat(client.read().type()).as("PUBREC").isEqualTo(5);
            client.send(RawMqttClient.packet(0x62, new byte[] {0, 9}));
            assertThat(client.read().type()).as("PUBCOMP").isEqualTo(7);

            subscriber.send(RawMqttClient.packet(0xC0, new byte[0]));
            assertThat(subscriber.read().type()).as("nothing delivered before the PINGRESP").isEqualTo(13);
            assertThat(sink.futures).hasSize(1);
        }
    }

    @Test
    void messagesTheSinkRefusesAtOnceReachNoSubscriberAndMqtt5QoS1GetsTheReasonCode() throws Exception {
        try (RawMqttClient subscriber = connect(5, "at-once-sub"); RawMqttClient client = connect(5, "at-once-pub")) {
            subscriber.send(RawMqttClient.subscribe(1, "rq", 1, true));
            assertThat(subscriber.read().type()).isEqualTo(9);
            sink.refuseAtOnce = new PublishRejectedException(MqttReasonCode.QUOTA_EXCEEDED, "disk nearly full", null);
            client.send(RawMqttClient.publish(0, "rq", 0, "qos0", true));
            client.send(RawMqttClient.publish(1, "rq", 5, "qos1", true));
            Packet ack = client.read();
            assertThat(ack.type()).isEqualTo(4);
            assertThat(ack.body()[2] & 0xFF).isEqualTo(0x97);

            sink.refuseAtOnce = null;
            client.send(RawMqttClient.publish(1, "rq", 6, "taken", true));
            await().until(() -> sink.futures.size() == 1);
            sink.futures.get(0).complete(null);
            Packet taken = client.read();
            assertThat(taken.type()).isEqualTo(4);
            assertThat(taken.body()).as("PUBACK 0x00, its reason code left out").hasSize(2);
            Packet delivered = subscriber.read();
            assertThat(delivered.type()).isEqualTo(3);
            assertThat(new String(delivered.body(), java.nio.charset.StandardCharsets.UTF_8))
                    .as("the first message the subscriber gets is the one taken").endsWith("taken");
        }
    }

    @Test
    void anMqtt311PublishTheSinkRefusesAtOnceForNowClosesThePublisherAndReachesNoSubscriber() throws Exception {
        try (RawMqttClient subscriber = connect(4, "at-once-sub3"); RawMqttClient client = connect(4, "at-once-pub3")) {
            subscriber.send(RawMqttClient.subscribe(1, "rq", 1, false));
            assertThat(subscriber.read().type()).isEqualTo(9);
            sink.refuseAtOnce = new PublishRejectedException(MqttReasonCode.QUOTA_EXCEEDED, "disk nearly full", null);
            client.send(RawMqttClient.publish(1, "rq", 5, "refused", false));
            assertThat(client.read()).as("closed, so that the client sends it again later").isNull();

            subscriber.send(RawMqttClient.packet(0xC0, new byte[0]));
            assertThat(subscriber.read().type()).as("nothing delivered before the PINGRESP").isEqualTo(13);
        }
    }

    @Test
    void retransmittedQos2PublishIsNeitherRoutedNorSunkTwiceButRetriedAfterSinkFailure() throws Exception {
        RawMqttClient first = new RawMqttClient(broker.port());
        first.send(RawMqttClient.connect(4, "q2pub", false, 60));
        assertThat(first.read().type()).isEqualTo(2);
        try (RawMqttClient subscriber = connect(4, "q2sub"); RawMqttClient client = new RawMqttClient(broker.port())) {
            subscriber.send(RawMqttClient.packet(0x82, new byte[] {0, 1, 0, 2, 'q', '2', 2}));
            assertThat(subscriber.read().type()).isEqualTo(9);
            first.send(RawMqttClient.publish(2, "q2", 9, "once", false));
            await().until(() -> sink.futures.size() == 1);
            sink.futures.get(0).completeExceptionally(new PublishRejectedException(MqttReasonCode.UNSPECIFIED_ERROR, "down", null));
            assertThat(first.read()).as("3.1.1: closed, so that the client resends on a new connection").isNull();
            first.close();
            client.send(RawMqttClient.connect(4, "q2pub", false, 60));
            assertThat(client.read().type()).isEqualTo(2);
            byte[] duplicate = RawMqttClient.publish(2, "q2", 9, "once", false);
            duplicate[0] |= 0x08;
            client.send(duplicate);
            await().until(() -> sink.futures.size() == 2);
            sink.futures.get(1).complete(null);
            Packet pubrec = client.read();
            assertThat(pubrec.type()).isEqualTo(5);
            client.send(duplicate);
            assertThat(client.read().type()).as("PUBREC again for a duplicate after PUBREC").isEqualTo(5);
            client.send(RawMqttClient.packet(0x62, new byte[] {0, 9}));
            assertThat(client.read().type()).isEqualTo(7);
            assertThat(sink.futures).hasSize(2);

            Packet delivered = subscriber.read();
            assertThat(delivered.type()).isEqualTo(3);
            subscriber.send(RawMqttClient.packet(0xC0, new byte[0]));
            // the PUBLISH went out exactly once: the next packet is our PINGRESP, after a PUBREL round trip
            int packetId = ((delivered.body()[4] & 0xFF) << 8) | (delivered.body()[5] & 0xFF);
            subscriber.send(RawMqttClient.packet(0x50, new byte[] {(byte) (packetId >> 8), (byte) packetId}));
            assertThat(subscriber.read().type()).isEqualTo(13);
        }
    }

    @Test
    void publishingConnectionStopsBeingReadWhileTheSinkIsFullAndResumesAfterwards() throws Exception {
        sink.accepting = false;
        try (RawMqttClient client = connect(4, "pressed")) {
            client.send(RawMqttClient.publish(0, "t", 0, "a", false));
            await().until(() -> sink.messages.size() == 1);
            client.send(RawMqttClient.publish(0, "t", 0, "b", false));
            client.send(RawMqttClient.packet(0xC0, new byte[0]));
            assertThatThrownBy(client::read).isInstanceOf(AssertionError.class);
            assertThat(sink.messages).hasSize(1);
            sink.accepting = true;
            sink.pressureListener.run();
            await().until(() -> sink.messages.size() == 2);
            assertThat(client.read().type()).isEqualTo(13);
        }
    }

    @Test
    void mqtt311PublisherIsNotReadWhileReceiveMaximumAcksAreOutstanding() throws Exception {
        sink.futures.clear();
        try (TestBroker limited = new TestBroker(c -> c.setReceiveMaximum(2),
                io.mqttbridge.broker.spi.Authenticator.ALLOW_ALL, io.mqttbridge.broker.spi.Authorizer.ALLOW_ALL, sink,
                io.mqttbridge.broker.spi.SessionListener.NONE);
             RawMqttClient client = new RawMqttClient(limited.port())) {
            client.send(RawMqttClient.connect(4, "window", true, 60));
            assertThat(client.read().type()).isEqualTo(2);
            client.send(RawMqttClient.publish(1, "t", 1, "m1", false));
            await().until(() -> sink.futures.size() == 1);
            client.send(RawMqttClient.publish(1, "t", 2, "m2", false));
            await().until(() -> sink.futures.size() == 2);
            client.send(RawMqttClient.publish(1, "t", 3, "m3", false));
            client.send(RawMqttClient.packet(0xC0, new byte[0]));
            await().during(java.time.Duration.ofMillis(500)).atMost(java.time.Duration.ofSeconds(2))
                    .until(() -> sink.futures.size() == 2);
            sink.futures.get(0).complete(null);
            assertThat(client.read().type()).as("PUBACK before the PINGRESP that was not read yet").isEqualTo(4);
            await().until(() -> sink.futures.size() == 3);
            assertThat(client.read().type()).isEqualTo(13);
            assertThat(sink.messages).extracting(m -> new String(m.payload())).containsExactly("m1", "m2", "m3");
        }
    }
}
