package io.mqttbridge.kafka.endtoend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubAckException;
import com.hivemq.client.mqtt.mqtt5.message.publish.puback.Mqtt5PubAckReasonCode;
import io.mqttbridge.broker.metrics.BrokerMetrics;
import io.mqttbridge.broker.spi.SessionListener;
import io.mqttbridge.kafka.mirror.MirrorRule;
import io.mqttbridge.kafka.mirror.ProducerSettings;
import io.mqttbridge.kafka.mirror.ReservedTopics;
import io.mqttbridge.kafka.mirror.internal.MirrorMetrics;
import io.mqttbridge.testing.kafka.KafkaTestClients;
import io.mqttbridge.kafka.testing.MirroredBroker;
import io.mqttbridge.testing.kafka.TestKafka;
import java.util.List;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A mirror rule whose Kafka topic comes from MQTT topic levels is steered by the devices: it must
 * never reach the session-events, downlink or Kafka-internal topics, and it may create only a
 * bounded number of topics. Real MQTT 5 and 3.1.1 clients publish over TCP; the test Kafka is real.
 */
class MirrorTopicSafetyEndToEndTest {

    private final String bootstrap = TestKafka.bootstrapServers();
    private final String prefix = KafkaTestClients.uniqueTopic("safety");
    private MirroredBroker bridge;

    @AfterEach
    void stop() {
        if (bridge != null) {
            bridge.close();
        }
    }

    private Mqtt5BlockingClient device() {
        Mqtt5BlockingClient client = MqttClient.builder().useMqttVersion5().identifier("device")
                .serverHost("127.0.0.1").serverPort(bridge.port()).buildBlocking();
        client.connect();
        return client;
    }

    private static Mqtt5PubAckReasonCode publish(Mqtt5BlockingClient client, String topic) {
        try {
            client.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).payload(new byte[] {1}).send();
            return Mqtt5PubAckReasonCode.SUCCESS;
        } catch (Mqtt5PubAckException e) {
            return e.getMqttMessage().getReasonCode();
        }
    }

    @Test
    void templateNeverYieldsTheSessionEventsDownlinkOrInternalTopics() {
        String events = prefix + ".events";
        ReservedTopics reserved = ReservedTopics.of(List.of(events, prefix + ".commands"), prefix + "\\.down\\..*");
        bridge = MirroredBroker.start(bootstrap, List.of(new MirrorRule("#", "{1}")), reserved, new ProducerSettings(),
                SessionListener.NONE);
        Mqtt5BlockingClient client = device();

        assertThat(publish(client, events)).isEqualTo(Mqtt5PubAckReasonCode.TOPIC_NAME_INVALID);
        assertThat(publish(client, prefix + ".commands/x")).isEqualTo(Mqtt5PubAckReasonCode.TOPIC_NAME_INVALID);
        assertThat(publish(client, prefix + ".down.dev-9")).isEqualTo(Mqtt5PubAckReasonCode.TOPIC_NAME_INVALID);
        assertThat(publish(client, "__consumer_offsets")).isEqualTo(Mqtt5PubAckReasonCode.TOPIC_NAME_INVALID);
        assertThat(publish(client, prefix + ".telemetry")).isEqualTo(Mqtt5PubAckReasonCode.SUCCESS);
        assertThat(KafkaTestClients.topicExists(bootstrap, events)).isFalse();
        client.disconnect();
    }

    @Test
    void aTemplateCreatesNoMoreThanMaxTopicsAndTheRestAreRefusedWithQuotaExceeded() {
        MirrorRule rule = new MirrorRule("t/+", prefix + ".{2}").setMaxTopics(2);
        bridge = MirroredBroker.start(bootstrap, List.of(rule), new ProducerSettings());
        Mqtt5BlockingClient client = device();

        assertThat(publish(client, "t/a")).isEqualTo(Mqtt5PubAckReasonCode.SUCCESS);
        assertThat(publish(client, "t/b")).isEqualTo(Mqtt5PubAckReasonCode.SUCCESS);
        assertThat(publish(client, "t/c")).isEqualTo(Mqtt5PubAckReasonCode.QUOTA_EXCEEDED);
        assertThat(publish(client, "t/a")).as("a topic already used stays usable").isEqualTo(Mqtt5PubAckReasonCode.SUCCESS);
        assertThat(bridge.metrics().meter(MirrorMetrics.TOPIC_LIMIT_REJECTED).getCount()).isEqualTo(1);
        assertThat(KafkaTestClients.topicExists(bootstrap, prefix + ".c")).isFalse();
        client.disconnect();
    }

    @Test
    void anMqtt311PublishToATopicTheTemplateCannotMapIsAcknowledgedAndDroppedNotResentForEver() throws Exception {
        String events = prefix + ".events";
        ReservedTopics reserved = ReservedTopics.of(List.of(events), null);
        bridge = MirroredBroker.start(bootstrap, List.of(new MirrorRule("#", "{1}")), reserved, new ProducerSettings(),
                SessionListener.NONE);
        // A persistent session: Paho resends an unacknowledged message at every reconnect.
        org.eclipse.paho.client.mqttv3.MqttClient client = new org.eclipse.paho.client.mqttv3.MqttClient(
                "tcp://127.0.0.1:" + bridge.port(), "device-311", new MemoryPersistence());
        MqttConnectOptions options = new MqttConnectOptions();
        options.setCleanSession(false);
        client.setTimeToWait(10_000);
        client.connect(options);
        try {
            client.publish(events, new byte[] {1}, 1, false); // returns on its PUBACK
            client.publish(prefix + ".telemetry", new byte[] {2}, 1, false);

            assertThat(client.isConnected()).isTrue();
            assertThat(bridge.metrics().meter(BrokerMetrics.DropReason.REFUSED_BY_SINK.metricName()).getCount())
                    .isEqualTo(1);
            assertThat(KafkaTestClients.topicExists(bootstrap, events)).isFalse();
            assertThat(KafkaTestClients.topicExists(bootstrap, prefix + ".telemetry")).isTrue();
        } finally {
            client.disconnect();
            client.close();
        }
    }

    @Test
    void aFixedReservedTopicFailsAtStartupNamingTheRule() {
        ReservedTopics reserved = ReservedTopics.of(List.of("mqtt.session-events"), null);
        assertThatThrownBy(() -> MirroredBroker.start(bootstrap, List.of(new MirrorRule("#", "mqtt.session-events")),
                reserved, new ProducerSettings(), SessionListener.NONE))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("mirror rule #0").hasMessageContaining("reserved");
        assertThatThrownBy(() -> MirroredBroker.start(bootstrap, List.of(new MirrorRule("#", "__offsets")),
                new ProducerSettings()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("reserved");
    }
}
