package io.mqttbridge.db.store.internal;

import java.time.Instant;

/**
 * What a write queued in the session store's {@link CoalescingWriter} is about, as its key: one
 * session's state, one of its queued messages, or one of its inbound QoS 2 packet ids. Writes with
 * equal keys queued together coalesce (the latest wins), so each key stands for one row. The values
 * that go with them are {@code SessionSnapshot}, {@code PendingMessage}, {@link Sending} or
 * {@link #RECEIVED}; {@code null} removes the row. Immutable; safe from any thread.
 */
public sealed interface SessionWrite permits SessionWrite.State, SessionWrite.Message, SessionWrite.InboundQos2 {

    /** The value of an inbound QoS 2 write: PUBREC may be sent, the outcome is known. */
    Object RECEIVED = Boolean.TRUE;

    String clientId();

    /** The session's row in {@code broker_session_state}. */
    record State(String clientId) implements SessionWrite {
    }

    /** One queued message of the session, in {@code broker_session_messages}. */
    record Message(String clientId, long sequence) implements SessionWrite {
    }

    /** One inbound QoS 2 packet id of the session, in {@code broker_session_inbound_qos2}. */
    record InboundQos2(String clientId, int packetId) implements SessionWrite {
    }

    /** The value of an inbound QoS 2 write: handed to Kafka at this receive time, outcome unknown. */
    record Sending(Instant receivedAt) {
    }
}
