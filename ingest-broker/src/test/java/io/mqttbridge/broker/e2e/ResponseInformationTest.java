package io.mqttbridge.broker.e2e;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttUtf8String;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAck;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** MQTT 5 Request Response Information is answered with Response Information in CONNACK. */
class ResponseInformationTest {

    private static Mqtt5ConnAck connect(TestBroker broker, String clientId, boolean request) {
        Mqtt5BlockingClient client = MqttClient.builder().useMqttVersion5().identifier(clientId).serverHost("127.0.0.1")
                .serverPort(broker.port()).buildBlocking();
        Mqtt5ConnAck connAck = client.connectWith().restrictions().requestResponseInformation(request).applyRestrictions()
                .send();
        client.disconnect();
        return connAck;
    }

    @Test
    void responseInformationIsSentOnlyWhenRequestedWithTheClientIdFilledIn() {
        try (TestBroker broker = TestBroker.start()) {
            assertThat(connect(broker, "asker", true).getResponseInformation()).map(MqttUtf8String::toString)
                    .contains("responses/asker");
            assertThat(connect(broker, "quiet", false).getResponseInformation()).isEmpty();
        }
    }

    @Test
    void anEmptyConfigurationSendsNone() {
        try (TestBroker broker = TestBroker.start(c -> c.setResponseInformation(""))) {
            assertThat(connect(broker, "asker", true).getResponseInformation()).isEmpty();
        }
    }
}
