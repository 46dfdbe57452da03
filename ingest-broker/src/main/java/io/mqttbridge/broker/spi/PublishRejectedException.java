package io.mqttbridge.broker.spi;

/**
 * A {@link PublishSink} could not store a message. Carries the MQTT 5 reason code the broker sends
 * back in the PUBACK or PUBREC, one of {@link MqttReasonCode}'s failure codes.
 */
public class PublishRejectedException extends RuntimeException {

    private final int reasonCode;

    public PublishRejectedException(int reasonCode, String message, Throwable cause) {
        super(message, cause);
        this.reasonCode = reasonCode;
    }

    public int reasonCode() {
        return reasonCode;
    }
}
