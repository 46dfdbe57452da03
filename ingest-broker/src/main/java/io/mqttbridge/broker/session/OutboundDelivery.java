package io.mqttbridge.broker.session;

import io.mqttbridge.broker.netty.RoutedMessage;
import io.mqttbridge.broker.spi.SessionSnapshot.PendingMessage;

import java.util.ArrayList;
import java.util.List;

/**
 * One message on its way to a session's client: queued, or sent and not yet acknowledged (then with
 * its packet id, and {@code released} once PUBREC came for QoS 2). Owned by {@link OutboundQosFlows};
 * confined to the session's executor.
 */
final class OutboundDelivery {
    final RoutedMessage message;
    final int qos;
    final boolean retain;
    final int[] subscriptionIds;
    /** What it counts against the queue's byte bound ({@link OutboundQueue#bytesOf}). */
    final int bytes;
    /** Its number in the session's write-through log. */
    final long sequence;
    int packetId;
    boolean released;
    /** False while the first write of a QoS 2 message is on its way: it is not sent before it is durable. */
    boolean stored = true;
    /** False while the write of its PUBREC-received state is on its way: its PUBREL waits for it. */
    boolean releaseStored = true;
    /** Unacknowledged from an earlier connection and not resent on this one yet (the client's window was full). */
    boolean awaitingResend;
    /** The shared subscription group it came through, or {@code null}. */
    String sharedGroup;

    OutboundDelivery(RoutedMessage message, int qos, boolean retain, int[] subscriptionIds, long sequence) {
        this.bytes = OutboundQueue.bytesOf(message);
        this.message = message;
        this.qos = qos;
        this.retain = retain;
        this.subscriptionIds = subscriptionIds;
        this.sequence = sequence;
    }

    /**
     * The delivery {@code stored} describes ({@link #toStored}), for {@code message} (its message
     * prepared), numbered {@code sequence}: stored ones keep theirs, unnumbered ones get the next.
     */
    static OutboundDelivery fromStored(PendingMessage stored, RoutedMessage message, long sequence) {
        OutboundDelivery delivery = new OutboundDelivery(message, stored.qos(), stored.message().retain(),
                stored.subscriptionIdentifiers().stream().mapToInt(Integer::intValue).toArray(), sequence);
        delivery.packetId = stored.packetId();
        delivery.released = stored.released();
        delivery.sharedGroup = stored.sharedGroup();
        return delivery;
    }

    /** What the session store keeps of it. */
    PendingMessage toStored() {
        List<Integer> ids = new ArrayList<>(subscriptionIds.length);
        for (int id : subscriptionIds) {
            ids.add(id);
        }
        return new PendingMessage(message.message(), qos, packetId, released, ids, sequence, sharedGroup);
    }

    /**
     * A QoS 1/2 message's packet id follows from its sequence number, which is stored with it before
     * its publisher is acknowledged. A message restored after a crash, or loaded on another node, is
     * therefore sent again with the id the subscriber may already hold for it: a QoS 2 subscriber that
     * received it but whose PUBREC never reached the store answers PUBREC again and does not deliver
     * it twice [MQTT-4.3.3]. Ids repeat every 65,535 messages.
     */
    static int packetIdOf(long sequence) {
        return (int) ((sequence - 1) % 65_535) + 1;
    }
}
