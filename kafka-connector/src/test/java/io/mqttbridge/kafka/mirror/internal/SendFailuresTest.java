package io.mqttbridge.kafka.mirror.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.mqttbridge.broker.spi.MqttReasonCode;
import io.mqttbridge.broker.spi.PublishRejectedException;
import org.apache.kafka.clients.producer.BufferExhaustedException;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.junit.jupiter.api.Test;

/** Which of Kafka's refusals an MQTT publisher hears as what, and which of them would recur on a resend. */
class SendFailuresTest {

    @Test
    void refusalsOfTheTopicNameOrTheRecordItselfArePermanent() {
        assertThat(SendFailures.rejection("t", new InvalidTopicException("bad name")))
                .satisfies(r -> assertThat(r.reasonCode()).isEqualTo(MqttReasonCode.TOPIC_NAME_INVALID))
                .satisfies(r -> assertThat(r.isPermanent()).isTrue());
        assertThat(SendFailures.rejection("t", new RecordTooLargeException("too large")).isPermanent()).isTrue();
        assertThat(SendFailures.rejection("t", new InvalidRecordException("no key for a compacted topic")).isPermanent())
                .isTrue();
    }

    @Test
    void outagesFullBuffersAndTheBridgesKafkaPermissionsMayPassAndAreNotPermanent() {
        assertThat(SendFailures.rejection("t", new TopicAuthorizationException("denied")))
                .satisfies(r -> assertThat(r.reasonCode()).isEqualTo(MqttReasonCode.NOT_AUTHORIZED))
                .satisfies(r -> assertThat(r.isPermanent()).isFalse());
        assertThat(SendFailures.rejection("t", new TimeoutException("expired")).isPermanent()).isFalse();
        assertThat(SendFailures.rejection("t", new NotLeaderOrFollowerException("moving")).isPermanent()).isFalse();
        assertThat(SendFailures.rejection("t", new BufferExhaustedException("full")))
                .satisfies(r -> assertThat(r.reasonCode()).isEqualTo(MqttReasonCode.QUOTA_EXCEEDED))
                .satisfies(r -> assertThat(r.isPermanent()).isFalse());
    }

    @Test
    void aRejectionAlreadyMadeIsPassedOnUnchanged() {
        PublishRejectedException made = new PublishRejectedException(MqttReasonCode.QUOTA_EXCEEDED, "limit", null, true);
        assertThat(SendFailures.rejection("t", made)).isSameAs(made);
    }
}
