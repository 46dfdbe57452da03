package io.mqttbridge.broker.session;

import io.mqttbridge.broker.connection.ClientConnection;
import io.mqttbridge.broker.connection.ClientConnection.SendResult;
import io.mqttbridge.broker.spi.MqttReasonCode;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttQoS;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * What a session's unacknowledged messages do on a new connection [MQTT-4.4.0-1]: a PUBREL again for
 * the QoS 2 messages the client already received, the PUBLISH again with DUP set for the others. The
 * resent PUBLISH packets count against the new connection's Receive Maximum like new ones
 * [MQTT-3.3.4-9]: those beyond it wait for acknowledgements, in their order. Part of {@link
 * OutboundQosFlows}.
 *
 * <p>Threading: stateless; called on the session's executor.
 */
final class OutboundResends {

    private OutboundResends() {
    }

    /**
     * Sends the PUBREL of every released message on {@code current} (once its PUBREC-received state is
     * durable; else it goes out when it is) and marks the others to be resent.
     *
     * @return whether any waits to be resent ({@link #resendWithinWindow})
     */
    static boolean resume(UnacknowledgedDeliveries inflight, ClientConnection current) {
        boolean awaiting = false;
        for (OutboundDelivery pending : inflight.inOrder()) {
            if (pending.released) {
                if (pending.releaseStored) {
                    writePubrel(current, pending.packetId, MqttReasonCode.SUCCESS);
                }
            } else {
                pending.awaitingResend = true;
                awaiting = true;
            }
        }
        return awaiting;
    }

    /**
     * Resends, in their order, the unacknowledged messages that wait for room in the client's window;
     * those that could not be written are taken out of {@code inflight} and handed to {@code lost}.
     *
     * @return whether some still wait
     */
    static boolean resendWithinWindow(UnacknowledgedDeliveries inflight, ClientConnection current,
                                      Consumer<OutboundDelivery> lost) {
        int occupied = 0;
        for (OutboundDelivery pending : inflight.inOrder()) {
            if (!pending.awaitingResend) {
                occupied++;
            }
        }
        boolean waiting = false;
        List<OutboundDelivery> unsent = new ArrayList<>(0);
        for (OutboundDelivery pending : inflight.inOrder()) {
            if (!pending.awaitingResend) {
                continue;
            }
            if (occupied >= current.sendQuota() || !current.channel().isWritable()) {
                waiting = true;
                break;
            }
            pending.awaitingResend = false;
            if (current.writePublish(pending.message, pending.qos, pending.retain, pending.subscriptionIds,
                    pending.packetId, true) == SendResult.SENT) {
                occupied++;
            } else {
                unsent.add(pending);
            }
        }
        for (OutboundDelivery pending : unsent) {
            inflight.remove(pending);
            lost.accept(pending);
        }
        return waiting;
    }

    static void writePubrel(ClientConnection current, int packetId, int reasonCode) {
        current.writeReply(MqttMessageType.PUBREL, MqttQoS.AT_LEAST_ONCE, packetId, reasonCode);
    }
}
