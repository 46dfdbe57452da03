package io.mqttbridge.broker.netty;

import io.mqttbridge.broker.spi.MessageProperties;
import io.mqttbridge.broker.spi.PublishedMessage;
import io.mqttbridge.broker.spi.UserProperty;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

/**
 * An application message prepared once for delivery to any number of subscribers: the topic in
 * UTF-8, the payload as a shared heap buffer (never released, collected with the message) and the
 * MQTT 5 properties that are the same for every subscriber, already encoded. Immutable and
 * thread-safe.
 */
public final class RoutedMessage {

    private static final long NO_EXPIRY = Long.MAX_VALUE;
    /*
     * A Message Expiry Interval of 0 is a lifetime under the property's one-second resolution: the
     * message goes to the subscribers it can reach at once, forwarded with an interval of 0, and to no
     * one later (not to an offline session, not as a retained message). Mosquitto and EMQX deliver it
     * to connected subscribers too; counting it expired at once delivered it to no one.
     */
    private static final long ZERO_INTERVAL_LIFETIME_NANOS = 1_000_000_000L;

    private final PublishedMessage message;
    private final byte[] topicUtf8;
    private final ByteBuf payload;
    private final byte[] sharedProperties;
    private final long expiresAtNanos;
    /* How many session queues hold it (session.QueuedMemory counts its payload once while any does). */
    private volatile int queueHolds;

    private static final java.util.concurrent.atomic.AtomicIntegerFieldUpdater<RoutedMessage> QUEUE_HOLDS =
            java.util.concurrent.atomic.AtomicIntegerFieldUpdater.newUpdater(RoutedMessage.class, "queueHolds");
    /* The objects around the payload: this, the PublishedMessage, its properties and arrays' headers. */
    private static final int OBJECT_BYTES = 160;

    private RoutedMessage(PublishedMessage message, long receivedAtNanos) {
        this.message = message;
        this.topicUtf8 = MqttWire.utf8(message.topic());
        this.payload = Unpooled.wrappedBuffer(message.payload()).asReadOnly();
        this.sharedProperties = encodeSharedProperties(message.properties());
        Long expiry = message.properties().messageExpiryIntervalSeconds();
        this.expiresAtNanos = expiry == null ? NO_EXPIRY
                : receivedAtNanos + (expiry == 0 ? ZERO_INTERVAL_LIFETIME_NANOS : expiry * 1_000_000_000L);
    }

    /**
     * Prepares {@code message}; its expiry counts from its {@link PublishedMessage#receivedAt()}, so a
     * retained or restored message keeps ageing.
     */
    public static RoutedMessage of(PublishedMessage message) {
        long ageNanos = 0;
        if (message.properties().messageExpiryIntervalSeconds() != null) {
            ageNanos = Math.max(0, java.time.Duration.between(message.receivedAt(), java.time.Instant.now()).toNanos());
        }
        return new RoutedMessage(message, System.nanoTime() - ageNanos);
    }

    public PublishedMessage message() {
        return message;
    }

    public byte[] topicUtf8() {
        return topicUtf8;
    }

    public ByteBuf payload() {
        return payload;
    }

    /** Adds {@code delta} to the number of sessions holding it (queued or unacknowledged); returns the new number. */
    public int addQueueHold(int delta) {
        return QUEUE_HOLDS.addAndGet(this, delta);
    }

    /** Roughly what it holds of the heap: payload, topic, properties and the objects around them. */
    public int heapBytes() {
        return payload.readableBytes() + topicUtf8.length + sharedProperties.length + OBJECT_BYTES;
    }

    public byte[] sharedProperties() {
        return sharedProperties;
    }

    public int sharedPropertiesLength() {
        return sharedProperties.length;
    }

    public boolean isExpired(long nowNanos) {
        return expiresAtNanos != NO_EXPIRY && nowNanos - expiresAtNanos >= 0;
    }

    /** The expiry interval left to forward to a subscriber, rounded up; -1 when the message has none. */
    public long remainingExpirySeconds(long nowNanos) {
        if (expiresAtNanos == NO_EXPIRY) {
            return -1;
        }
        if (message.properties().messageExpiryIntervalSeconds() == 0) {
            return 0;
        }
        long left = expiresAtNanos - nowNanos;
        return Math.max(1, (left + 999_999_999L) / 1_000_000_000L);
    }

    private static byte[] encodeSharedProperties(MessageProperties properties) {
        if (properties.isEmpty()) {
            return new byte[0];
        }
        ByteBuf out = Unpooled.buffer();
        if (properties.payloadFormatIndicator() != null) {
            out.writeByte(MqttWire.PROPERTY_PAYLOAD_FORMAT_INDICATOR);
            out.writeByte(properties.payloadFormatIndicator());
        }
        if (properties.contentType() != null) {
            out.writeByte(MqttWire.PROPERTY_CONTENT_TYPE);
            MqttWire.writeString(out, properties.contentType());
        }
        if (properties.responseTopic() != null) {
            out.writeByte(MqttWire.PROPERTY_RESPONSE_TOPIC);
            MqttWire.writeString(out, properties.responseTopic());
        }
        if (properties.correlationData() != null) {
            out.writeByte(MqttWire.PROPERTY_CORRELATION_DATA);
            MqttWire.writeBinary(out, properties.correlationData());
        }
        for (UserProperty property : properties.userProperties()) {
            out.writeByte(MqttWire.PROPERTY_USER_PROPERTY);
            MqttWire.writeString(out, property.name());
            MqttWire.writeString(out, property.value());
        }
        byte[] bytes = new byte[out.readableBytes()];
        out.readBytes(bytes);
        return bytes;
    }
}
