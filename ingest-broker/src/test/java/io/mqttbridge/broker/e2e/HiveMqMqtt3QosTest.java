package io.mqttbridge.broker.e2e;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3AsyncClient;
import com.hivemq.client.mqtt.mqtt3.Mqtt3Client;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** QoS 2 in both directions with the HiveMQ client speaking MQTT 3.1.1. */
class HiveMqMqtt3QosTest {

    @Test
    void qos2MessagesArriveExactlyOnceAndInOrder() {
        try (TestBroker broker = TestBroker.start()) {
            List<String> received = new CopyOnWriteArrayList<>();
            Mqtt3AsyncClient subscriber = Mqtt3Client.builder().identifier("hq-sub").serverHost("127.0.0.1")
                    .serverPort(broker.port()).buildAsync();
            subscriber.connect().join();
            subscriber.subscribeWith().topicFilter("hq/#").qos(MqttQos.EXACTLY_ONCE)
                    .callback(p -> received.add(new String(p.getPayloadAsBytes(), StandardCharsets.UTF_8)))
                    .send().join();
            Mqtt3AsyncClient publisher = Mqtt3Client.builder().identifier("hq-pub").serverHost("127.0.0.1")
                    .serverPort(broker.port()).buildAsync();
            publisher.connect().join();
            for (int i = 0; i < 50; i++) {
                publisher.publishWith().topic("hq/data").qos(MqttQos.EXACTLY_ONCE)
                        .payload(("m" + i).getBytes(StandardCharsets.UTF_8)).send();
            }
            List<String> expected = IntStream.range(0, 50).mapToObj(i -> "m" + i).toList();
            await().atMost(Duration.ofSeconds(10)).until(() -> received.size() >= 50);
            assertThat(received).containsExactlyElementsOf(expected);
            publisher.disconnect().join();
            subscriber.disconnect().join();
        }
    }
}
