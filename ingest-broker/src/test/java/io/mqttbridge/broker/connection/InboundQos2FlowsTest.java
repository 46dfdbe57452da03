package io.mqttbridge.broker.connection;

import io.mqttbridge.broker.connection.InboundQosFlows.Qos2Log;
import io.mqttbridge.broker.connection.InboundQosFlows.Routed;
import io.mqttbridge.broker.spi.ConnectionInfo;
import io.mqttbridge.broker.spi.MqttReasonCode;
import io.mqttbridge.broker.spi.MqttVersion;
import io.mqttbridge.broker.spi.PublishRejectedException;
import io.mqttbridge.broker.spi.PublishedMessage;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttPubReplyMessageVariableHeader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;

/** The QoS 2 flows by packet id ({@link InboundQos2Flows}), through the connection's {@link InboundQosFlows}. */
class InboundQos2FlowsTest {

    private static final Instant RECEIVED = Instant.parse("2026-01-02T03:04:05Z");

    private final EmbeddedChannel channel = new EmbeddedChannel();
    private final ClientConnection connection = EmbeddedConnections.on(channel);

    /** Replies a test leaves unread are released here, or a later test's leak check reports them. */
    @AfterEach
    void releaseUnreadReplies() {
        channel.finishAndReleaseAll();
    }
    private final InboundQosFlows flows = connection.inbound();
    private final List<PublishedMessage> routed = new ArrayList<>();
    private final Function<PublishedMessage, Routed> route = message -> {
        routed.add(message);
        return new Routed(Qos2Flow.DONE, Qos2Flow.DONE, Qos2Flow.DONE);
    };

    @Test
    void aStoredMessageIsRoutedOnceAndItsRetransmissionAnsweredWithPubrec() {
        connection.setVersion(MqttVersion.MQTT_5);
        flows.started();
        flows.awaitQos2(5, message(), CompletableFuture.completedFuture(null), route, 100);
        channel.runPendingTasks();
        assertThat(types(replies())).containsExactly(MqttMessageType.PUBREC);

        assertThat(flows.hasQos2(5)).isTrue();
        assertThat(flows.retransmittedQos2(5, 100)).isNull();
        channel.runPendingTasks();

        assertThat(types(replies())).containsExactly(MqttMessageType.PUBREC);
        assertThat(routed).hasSize(1);
    }

    @Test
    void pubrelEndsTheFlowAndForgetsItsRecordAndAnUnknownPacketIdGetsPacketIdentifierNotFound() {
        connection.setVersion(MqttVersion.MQTT_5);
        RecordingLog log = new RecordingLog();
        flows.writeThrough(log);
        flows.started();
        flows.awaitQos2(5, message(), CompletableFuture.completedFuture(null), route, 100);

        flows.onPubrel(5);
        flows.onPubrel(6);
        channel.runPendingTasks();

        List<MqttMessage> replies = replies();
        assertThat(types(replies)).containsExactly(MqttMessageType.PUBREC, MqttMessageType.PUBCOMP,
                MqttMessageType.PUBCOMP);
        assertThat(reasonCode(replies.get(1))).isEqualTo((byte) MqttReasonCode.SUCCESS);
        assertThat(reasonCode(replies.get(2))).isEqualTo((byte) MqttReasonCode.PACKET_IDENTIFIER_NOT_FOUND);
        assertThat(log.received).containsExactly(5);
        assertThat(log.released).containsExactly(5);
        assertThat(flows.hasQos2(5)).isFalse();
        assertThat(flows.unacknowledged()).isZero();
    }

    @Test
    void aTimedOutHandOverMayBeStoredButARefusedOneGoesToTheSinkAgain() {
        connection.setVersion(MqttVersion.MQTT_3_1_1);
        connection.setInfo(new ConnectionInfo(UUID.randomUUID(), "c1", null, null, MqttVersion.MQTT_3_1_1,
                true, 60, 0, Instant.now()));
        flows.started();
        flows.started();
        flows.awaitQos2(1, message(), CompletableFuture.failedFuture(
                new PublishRejectedException(MqttReasonCode.UNSPECIFIED_ERROR, "timed out", null)), route, 100);
        flows.awaitQos2(2, message(), CompletableFuture.failedFuture(
                new PublishRejectedException(MqttReasonCode.QUOTA_EXCEEDED, "over quota", null)), route, 100);
        channel.runPendingTasks();

        assertThat(flows.retransmittedQos2(1, 100)).isEqualTo(RECEIVED);
        assertThat(flows.mayBeStored(1)).isTrue();
        assertThat(flows.mayBeStored(2)).isFalse();
        assertThat(routed).isEmpty();
    }

    @Test
    void flowsRestoredInDoubtAreLookedUpWithTheirFirstReceiveTime() {
        connection.setVersion(MqttVersion.MQTT_5);
        flows.resumeQos2Flows(Map.of(8, Qos2Flow.inDoubt(RECEIVED), 9, Qos2Flow.received()));
        assertThat(flows.unacknowledged()).isEqualTo(2);

        assertThat(flows.mayBeStored(8)).isTrue();
        assertThat(flows.retransmittedQos2(8, 100)).isEqualTo(RECEIVED);
        assertThat(flows.retransmittedQos2(9, 100)).isNull();
        channel.runPendingTasks();
        assertThat(types(replies())).containsExactly(MqttMessageType.PUBREC);
    }

    @Test
    void flowsAreHandedToTheSessionOnlyOnce() {
        connection.setVersion(MqttVersion.MQTT_5);
        assertThat(flows.qos2FlowsForSession()).isEmpty();
        flows.started();
        flows.awaitQos2(5, message(), new CompletableFuture<>(), route, 100);

        assertThat(flows.qos2FlowsForSession()).containsOnlyKeys(5);
        assertThat(flows.qos2FlowsForSession()).isEmpty();
        assertThat(flows.hasQos2(5)).isFalse();
    }

    @Test
    void aFlowStillWaitingOnTheConnectionTakenOverIsAnsweredOnTheNewOne() {
        connection.setVersion(MqttVersion.MQTT_5);
        CompletableFuture<Void> sunk = new CompletableFuture<>();
        flows.started();
        flows.awaitQos2(5, message(), sunk, route, 100);
        Map<Integer, Qos2Flow> handedOver = flows.qos2FlowsForSession();

        EmbeddedChannel nextChannel = new EmbeddedChannel();
        ClientConnection next = EmbeddedConnections.on(nextChannel);
        next.setVersion(MqttVersion.MQTT_5);
        next.inbound().resumeQos2Flows(handedOver);
        assertThat(next.inbound().retransmittedQos2(5, 100)).isNull();

        sunk.complete(null);
        channel.runPendingTasks();
        nextChannel.runPendingTasks();
        List<MqttMessage> replies = EmbeddedConnections.written(nextChannel);
        assertThat(replies).hasSize(1);
        assertThat(replies.get(0).fixedHeader().messageType()).isEqualTo(MqttMessageType.PUBREC);
        assertThat(routed).hasSize(1);
    }

    private static PublishedMessage message() {
        return new PublishedMessage("t/1", "x".getBytes(StandardCharsets.UTF_8), 2, false, "c1", null,
                MqttVersion.MQTT_5, RECEIVED, null);
    }

    private List<MqttMessage> replies() {
        return EmbeddedConnections.written(channel);
    }

    private static List<MqttMessageType> types(List<MqttMessage> replies) {
        return replies.stream().map(reply -> reply.fixedHeader().messageType()).toList();
    }

    private static byte reasonCode(MqttMessage reply) {
        return ((MqttPubReplyMessageVariableHeader) reply.variableHeader()).reasonCode();
    }

    private static final class RecordingLog implements Qos2Log {
        final List<Integer> received = new ArrayList<>();
        final List<Integer> released = new ArrayList<>();

        @Override
        public CompletableFuture<Void> sending(int packetId, Instant receivedAt) {
            return Qos2Flow.DONE;
        }

        @Override
        public CompletableFuture<Void> received(int packetId) {
            received.add(packetId);
            return Qos2Flow.DONE;
        }

        @Override
        public CompletableFuture<Void> released(int packetId) {
            released.add(packetId);
            return Qos2Flow.DONE;
        }
    }
}
