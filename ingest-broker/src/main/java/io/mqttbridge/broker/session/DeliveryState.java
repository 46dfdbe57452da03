package io.mqttbridge.broker.session;

/**
 * What waits for one client in its session, for the live API: a recent view, read without
 * stopping delivery.
 *
 * @param queuedMessages messages queued, not yet sent
 * @param queuedBytes their size as the queue's byte bound counts it
 * @param inflightMessages QoS 1/2 messages sent and not yet acknowledged
 * @param overflowDrops messages this session dropped since it was created because its queue was full
 *     (see {@code BrokerConfig.queueOverflowPolicy})
 */
public record DeliveryState(int queuedMessages, long queuedBytes, int inflightMessages, long overflowDrops) {

    /** Nothing waits and nothing was ever dropped. */
    public static final DeliveryState NOTHING = new DeliveryState(0, 0, 0, 0);
}
