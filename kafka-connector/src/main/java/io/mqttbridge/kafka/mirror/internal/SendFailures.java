package io.mqttbridge.kafka.mirror.internal;

import io.mqttbridge.broker.spi.MqttReasonCode;
import io.mqttbridge.broker.spi.PublishRejectedException;
import org.apache.kafka.clients.producer.BufferExhaustedException;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TopicAuthorizationException;

/** Maps why Kafka did not take a record to the MQTT 5 reason code the publisher gets. */
public final class SendFailures {

    private SendFailures() {
    }

    public static PublishRejectedException rejection(String kafkaTopic, Throwable failure) {
        if (failure instanceof PublishRejectedException rejected) {
            return rejected;
        }
        int reasonCode;
        if (failure instanceof BufferExhaustedException) {
            reasonCode = MqttReasonCode.QUOTA_EXCEEDED;
        } else if (failure instanceof TopicAuthorizationException) {
            reasonCode = MqttReasonCode.NOT_AUTHORIZED;
        } else if (failure instanceof InvalidTopicException) {
            reasonCode = MqttReasonCode.TOPIC_NAME_INVALID;
        } else {
            reasonCode = MqttReasonCode.UNSPECIFIED_ERROR;
        }
        return new PublishRejectedException(reasonCode,
                "Kafka did not store the message for topic " + kafkaTopic + ": " + failure, failure, isPermanent(failure));
    }

    /*
     * Kafka refuses this record whenever it is sent: the topic's name, or the record's size or shape.
     * Everything else may pass later: time-outs, a full buffer, leaders moving, a broker away, and the
     * bridge's own Kafka permissions, which an operator fixes (the message is stored then, not lost).
     */
    private static boolean isPermanent(Throwable failure) {
        return failure instanceof InvalidTopicException
                || failure instanceof RecordTooLargeException
                || failure instanceof RecordBatchTooLargeException
                || failure instanceof InvalidRecordException;
    }
}
