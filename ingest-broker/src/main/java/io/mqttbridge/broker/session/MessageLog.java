package io.mqttbridge.broker.session;

import io.mqttbridge.broker.spi.SessionSnapshot.PendingMessage;

import java.util.concurrent.CompletableFuture;

/**
 * Where a persistent session's outbound messages are written through ({@link OutboundQosFlows});
 * called on the session's executor.
 */
interface MessageLog {

    /** Stores (or restates) the message; completes once it is durable. */
    CompletableFuture<Void> append(PendingMessage message);

    /** The message is complete or dropped. */
    void acknowledge(long sequence);
}
