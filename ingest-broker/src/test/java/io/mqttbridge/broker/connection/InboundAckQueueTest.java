package io.mqttbridge.broker.connection;

import io.mqttbridge.broker.connection.ReadSuspension.Reason;
import io.mqttbridge.broker.spi.ConnectionInfo;
import io.mqttbridge.broker.spi.MqttReasonCode;
import io.mqttbridge.broker.spi.MqttVersion;
import io.mqttbridge.broker.spi.PublishRejectedException;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttPubReplyMessageVariableHeader;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/** The ordering, batching and window of {@link InboundAckQueue}, on an embedded channel. */
class InboundAckQueueTest {

    private final EmbeddedChannel channel = new EmbeddedChannel();
    private final ClientConnection connection = EmbeddedConnections.on(channel);
    private final InboundQosFlows flows = connection.inbound();

    @Test
    void acknowledgementsLeaveInArrivalOrderWhateverOrderTheSinkCompletesIn() {
        connection.setVersion(MqttVersion.MQTT_5);
        CompletableFuture<Void> first = new CompletableFuture<>();
        CompletableFuture<Void> second = new CompletableFuture<>();
        flows.started();
        flows.started();
        flows.awaitSink(1, 1, first, 100);
        flows.awaitSink(2, 1, second, 100);

        second.complete(null);
        channel.runPendingTasks();
        assertThat(replies()).isEmpty();
        assertThat(flows.awaitingAck()).isEqualTo(2);

        first.complete(null);
        channel.runPendingTasks();
        assertThat(replies()).extracting(this::packetId).containsExactly(1, 2);
        assertThat(flows.awaitingAck()).isZero();
        assertThat(flows.unacknowledged()).isZero();
    }

    @Test
    void completionsOffTheEventLoopAreReleasedOnTheEventLoop() throws Exception {
        connection.setVersion(MqttVersion.MQTT_5);
        List<CompletableFuture<Void>> results = new ArrayList<>();
        for (int packetId = 1; packetId <= 3; packetId++) {
            CompletableFuture<Void> result = new CompletableFuture<>();
            results.add(result);
            flows.started();
            flows.awaitSink(packetId, 1, result, 100);
        }
        Thread sink = new Thread(() -> results.forEach(result -> result.complete(null)));
        sink.start();
        sink.join();

        assertThat(replies()).isEmpty();
        channel.runPendingTasks();
        assertThat(replies()).extracting(this::packetId).containsExactly(1, 2, 3);
    }

    @Test
    void aFailedSinkResultGivesMqtt5TheSinksReasonCode() {
        connection.setVersion(MqttVersion.MQTT_5);
        flows.started();
        flows.awaitSink(7, 1, CompletableFuture.failedFuture(
                new PublishRejectedException(MqttReasonCode.QUOTA_EXCEEDED, "over quota", null)), 100);
        channel.runPendingTasks();

        MqttMessage reply = replies().get(0);
        assertThat(reply.fixedHeader().messageType()).isEqualTo(MqttMessageType.PUBACK);
        assertThat(((MqttPubReplyMessageVariableHeader) reply.variableHeader()).reasonCode())
                .isEqualTo((byte) MqttReasonCode.QUOTA_EXCEEDED);
    }

    @Test
    void aFailedSinkResultClosesAnMqtt311Connection() {
        connection.setVersion(MqttVersion.MQTT_3_1_1);
        connection.setInfo(new ConnectionInfo(UUID.randomUUID(), "c1", null, null, MqttVersion.MQTT_3_1_1,
                true, 60, 0, Instant.now()));
        connection.setState(ClientConnection.State.CONNECTED);
        flows.started();
        flows.awaitSink(7, 1, CompletableFuture.failedFuture(new IllegalStateException("kafka down")), 100);
        channel.runPendingTasks();

        assertThat(channel.isActive()).isFalse();
        assertThat(replies()).noneMatch(reply -> reply.fixedHeader().messageType() == MqttMessageType.PUBACK);
    }

    @Test
    void mqtt311ReadingPausesWhileTheWindowIsFullAndResumesAsAcknowledgementsLeave() {
        connection.setVersion(MqttVersion.MQTT_3_1_1);
        connection.setState(ClientConnection.State.CONNECTED);
        CompletableFuture<Void> first = new CompletableFuture<>();
        flows.started();
        flows.started();
        flows.awaitSink(1, 1, first, 2);
        flows.awaitSink(2, 1, new CompletableFuture<>(), 2);
        assertThat(connection.reading().isPaused(Reason.ACK_WINDOW_FULL)).isTrue();

        first.complete(null);
        channel.runPendingTasks();

        assertThat(connection.reading().isPaused(Reason.ACK_WINDOW_FULL)).isFalse();
        assertThat(channel.config().isAutoRead()).isTrue();
    }

    @Test
    void mqtt5ReadingPausesTooAndQos1MessagesWaitingForTheSinkAreNotChargedToTheClient() {
        connection.setVersion(MqttVersion.MQTT_5);
        connection.setState(ClientConnection.State.CONNECTED);
        CompletableFuture<Void> first = new CompletableFuture<>();
        flows.started();
        flows.started();
        flows.started();
        flows.awaitSink(1, 1, first, 3);
        flows.awaitSink(2, 2, new CompletableFuture<>(), 3);
        assertThat(connection.reading().isPaused(Reason.ACK_WINDOW_FULL)).isFalse();
        flows.awaitSink(3, 1, new CompletableFuture<>(), 3);

        assertThat(connection.reading().isPaused(Reason.ACK_WINDOW_FULL)).isTrue();
        assertThat(flows.unacknowledged()).isEqualTo(3);
        assertThat(flows.chargedToClient()).as("the QoS 2 flow alone").isEqualTo(1);

        first.complete(null);
        channel.runPendingTasks();
        assertThat(connection.reading().isPaused(Reason.ACK_WINDOW_FULL)).isFalse();
        assertThat(flows.unacknowledged()).isEqualTo(2);
        assertThat(flows.chargedToClient()).isEqualTo(1);
    }

    @Test
    void aRefusedQos2PublishIsAnsweredWithItsReasonAndEndsItsFlow() {
        connection.setVersion(MqttVersion.MQTT_5);
        flows.started();
        flows.refuse(3, 2, MqttReasonCode.NOT_AUTHORIZED);
        channel.runPendingTasks();

        MqttMessage reply = replies().get(0);
        assertThat(reply.fixedHeader().messageType()).isEqualTo(MqttMessageType.PUBREC);
        assertThat(((MqttPubReplyMessageVariableHeader) reply.variableHeader()).reasonCode())
                .isEqualTo((byte) MqttReasonCode.NOT_AUTHORIZED);
        // A PUBREC with an error code ends the flow [MQTT-4.3.3]: no PUBREL is awaited.
        assertThat(flows.hasQos2(3)).isFalse();
        assertThat(flows.unacknowledged()).isZero();
    }

    private List<MqttMessage> replies() {
        return EmbeddedConnections.written(channel);
    }

    private int packetId(MqttMessage reply) {
        return ((MqttPubReplyMessageVariableHeader) reply.variableHeader()).messageId();
    }
}
