package io.mqttbridge.broker.spi;

/**
 * A {@link PublishSink} could not store a message. Carries the MQTT 5 reason code the broker sends
 * back in the PUBACK or PUBREC, one of {@link MqttReasonCode}'s failure codes, and whether the refusal
 * is permanent: the same message would be refused again however often it is sent (a topic the sink
 * can never write to, a record its store will never accept), as opposed to an outage or a full buffer.
 */
public class PublishRejectedException extends RuntimeException {

    private final int reasonCode;
    private final boolean permanent;

    /** A refusal that may not recur: the client may send the message again later. */
    public PublishRejectedException(int reasonCode, String message, Throwable cause) {
        this(reasonCode, message, cause, false);
    }

    public PublishRejectedException(int reasonCode, String message, Throwable cause, boolean permanent) {
        super(message, cause);
        this.reasonCode = reasonCode;
        this.permanent = permanent;
    }

    public int reasonCode() {
        return reasonCode;
    }

    /**
     * Whether sending the same message again can never succeed. An MQTT 3.1.1 publisher, which has no
     * negative acknowledgement, then gets its message acknowledged and dropped, as for a publish its
     * permissions refuse [MQTT-3.3.5-2], instead of a closed connection: it would resend the message at
     * every reconnect, and its later messages would wait behind it for ever.
     */
    public boolean isPermanent() {
        return permanent;
    }
}
