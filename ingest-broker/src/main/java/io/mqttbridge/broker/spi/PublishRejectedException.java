package io.mqttbridge.broker.spi;

/**
 * A {@link PublishSink} could not store a message. Carries the MQTT 5 reason code the broker sends
 * back in the PUBACK or PUBREC.
 */
public class PublishRejectedException extends RuntimeException {

    /** MQTT 5 reason code 0x80, Unspecified error. */
    public static final int UNSPECIFIED_ERROR = 0x80;
    /** MQTT 5 reason code 0x97, Quota exceeded. */
    public static final int QUOTA_EXCEEDED = 0x97;

    private final int reasonCode;

    public PublishRejectedException(int reasonCode, String message, Throwable cause) {
        super(message, cause);
        this.reasonCode = reasonCode;
    }

    public int reasonCode() {
        return reasonCode;
    }
}
