package io.mqttbridge.broker.session;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Consumer;

/**
 * Takes out of a session's outbound deliveries the QoS 1/2 messages that came through a shared
 * subscription, so that another member of the group can have them (the session ended, or the client
 * unsubscribed from the group). Apart from {@link OutboundQosFlows} because choosing what may go to
 * another member is one concern of its own: what the client has not received for sure.
 *
 * <p>Threading: stateless; called in the session's tasks, with the flows' own collections.
 */
final class SharedDeliveryTakes {

    private SharedDeliveryTakes() {
    }

    /**
     * For the end of the session: the messages of every shared group the client has not received for
     * sure, queued or sent at QoS 1 and not acknowledged. A QoS 2 message sent to the client stays: its
     * delivery began, so no other member may have it once this session ends [MQTT-4.8.2-5]. Each is
     * removed from {@code inflight} or {@code queue} and given to {@code forget} (its written-through
     * copy goes); in the order they came.
     */
    static List<SharedMessage> unreceived(UnacknowledgedDeliveries inflight, OutboundQueue queue,
                                          Consumer<OutboundDelivery> forget) {
        List<OutboundDelivery> taken = inflight.takeIf(pending -> pending.sharedGroup != null && pending.qos == 1);
        taken.addAll(queue.takeIf(pending -> pending.sharedGroup != null && pending.qos > 0));
        taken.sort(Comparator.comparingLong(pending -> pending.sequence));
        return forgotten(taken, forget);
    }

    /**
     * The messages of {@code sharedGroup} still queued (not sent yet); those already sent stay, the
     * session completes their delivery [MQTT-3.10.4-3]. In the order they came.
     */
    static List<SharedMessage> queued(OutboundQueue queue, String sharedGroup, Consumer<OutboundDelivery> forget) {
        return forgotten(queue.takeIf(pending -> sharedGroup.equals(pending.sharedGroup) && pending.qos > 0), forget);
    }

    private static List<SharedMessage> forgotten(List<OutboundDelivery> taken, Consumer<OutboundDelivery> forget) {
        List<SharedMessage> messages = new ArrayList<>(taken.size());
        for (OutboundDelivery pending : taken) {
            forget.accept(pending);
            messages.add(new SharedMessage(pending.message.message(), pending.sharedGroup));
        }
        return messages;
    }
}
