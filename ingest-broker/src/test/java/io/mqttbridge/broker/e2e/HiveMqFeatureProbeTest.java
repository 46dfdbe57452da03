package io.mqttbridge.broker.e2e;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import com.hivemq.client.mqtt.mqtt3.Mqtt3Client;
import com.hivemq.client.mqtt.mqtt3.exceptions.Mqtt3ConnAckException;
import com.hivemq.client.mqtt.mqtt3.exceptions.Mqtt3SubAckException;
import com.hivemq.client.mqtt.mqtt3.message.connect.connack.Mqtt3ConnAckReturnCode;
import com.hivemq.client.mqtt.mqtt3.message.publish.Mqtt3Publish;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAck;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAckReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAckRestrictions;
import io.mqttbridge.broker.config.BrokerConfig;
import io.mqttbridge.broker.config.LimitsConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What a broker capability probe (such as the MQTT CLI's {@code test} command) finds out with the
 * HiveMQ client: client identifier characters and length, topic length, QoS levels, retained
 * messages, wildcards, shared subscriptions from 3.1.1 clients, and the MQTT 5 CONNACK restrictions.
 */
class HiveMqFeatureProbeTest {

    private static final String ASCII_CLIENT_ID = " !\"#$%&\\'()*+,-./:;<=>?@[\\\\]^_`{|}~";

    private TestBroker broker;
    private final List<Mqtt3BlockingClient> clients = new ArrayList<>();

    @BeforeEach
    void startBroker() {
        broker = TestBroker.start();
    }

    @AfterEach
    void stopBroker() {
        for (Mqtt3BlockingClient client : clients) {
            if (client.getState().isConnected()) {
                client.disconnect();
            }
        }
        broker.close();
    }

    private Mqtt3BlockingClient connected3(String clientId) {
        Mqtt3BlockingClient client = Mqtt3Client.builder().identifier(clientId).serverHost("127.0.0.1")
                .serverPort(broker.port()).buildBlocking();
        client.connect();
        clients.add(client);
        return client;
    }

    private Mqtt5BlockingClient client5(String clientId) {
        return Mqtt5Client.builder().identifier(clientId).serverHost("127.0.0.1").serverPort(broker.port())
                .buildBlocking();
    }

    private static Mqtt3Publish receive(Mqtt3BlockingClient.Mqtt3Publishes publishes) throws InterruptedException {
        Optional<Mqtt3Publish> publish = publishes.receive(5, TimeUnit.SECONDS);
        assertThat(publish).as("a message within 5 s").isPresent();
        return publish.get();
    }

    @Test
    void clientIdentifiersOfEveryPrintableAsciiCharacterAreAccepted() {
        assertThat(connected3(ASCII_CLIENT_ID).getState().isConnected()).isTrue();
        Mqtt5BlockingClient client = client5(ASCII_CLIENT_ID + "5");
        assertThat(client.connect().getReasonCode()).isEqualTo(Mqtt5ConnAckReasonCode.SUCCESS);
        client.disconnect();
    }

    @Test
    void clientIdentifiersUpToTheConfiguredLengthAreAcceptedAndLongerOnesRefusedWithTheIdentifierCode() {
        int maximum = BrokerConfig.DEFAULT_MAX_CLIENT_ID_LENGTH;
        assertThat(connected3("a".repeat(maximum)).getState().isConnected()).isTrue();
        Mqtt3BlockingClient tooLong = Mqtt3Client.builder().identifier("b".repeat(maximum + 1))
                .serverHost("127.0.0.1").serverPort(broker.port()).buildBlocking();
        assertThatThrownBy(tooLong::connect).isInstanceOfSatisfying(Mqtt3ConnAckException.class, e ->
                assertThat(e.getMqttMessage().getReturnCode()).isEqualTo(Mqtt3ConnAckReturnCode.IDENTIFIER_REJECTED));
        Mqtt5BlockingClient tooLong5 = client5("c".repeat(maximum + 1));
        assertThatThrownBy(tooLong5::connect).isInstanceOfSatisfying(Mqtt5ConnAckException.class, e ->
                assertThat(e.getMqttMessage().getReasonCode())
                        .isEqualTo(Mqtt5ConnAckReasonCode.CLIENT_IDENTIFIER_NOT_VALID));
    }

    @Test
    void topicsUpToTheConfiguredLengthWorkAndALongerSubscriptionIsRefused() throws InterruptedException {
        String topic = "t".repeat(LimitsConfig.DEFAULT_MAX_TOPIC_LENGTH);
        Mqtt3BlockingClient subscriber = connected3("longTopicSub");
        try (Mqtt3BlockingClient.Mqtt3Publishes publishes = subscriber.publishes(MqttGlobalPublishFilter.SUBSCRIBED)) {
            subscriber.subscribeWith().topicFilter(topic).qos(MqttQos.AT_LEAST_ONCE).send();
            connected3("longTopicPub").publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE)
                    .payload(new byte[] {1}).send();
            assertThat(receive(publishes).getTopic().toString()).isEqualTo(topic);
        }
        assertThatThrownBy(() -> subscriber.subscribeWith().topicFilter(topic + "t").send())
                .isInstanceOf(Mqtt3SubAckException.class);
    }

    @Test
    void tenMessagesOfEachQosArriveAtThatQos() throws InterruptedException {
        Mqtt3BlockingClient subscriber = connected3("qosSub");
        Mqtt3BlockingClient publisher = connected3("qosPub");
        try (Mqtt3BlockingClient.Mqtt3Publishes publishes = subscriber.publishes(MqttGlobalPublishFilter.SUBSCRIBED)) {
            for (MqttQos qos : MqttQos.values()) {
                String topic = "probe/qos" + qos.getCode();
                subscriber.subscribeWith().topicFilter(topic).qos(qos).send();
                for (int i = 0; i < 10; i++) {
                    publisher.publishWith().topic(topic).qos(qos).payload(qos.name().getBytes(StandardCharsets.UTF_8))
                            .send();
                }
                for (int i = 0; i < 10; i++) {
                    Mqtt3Publish publish = receive(publishes);
                    assertThat(publish.getQos()).isEqualTo(qos);
                    assertThat(publish.getTopic().toString()).isEqualTo(topic);
                }
            }
        }
    }

    @Test
    void retainedMessagesWildcardsAndSharedSubscriptionsWorkFor311Clients() throws InterruptedException {
        Mqtt3BlockingClient publisher = connected3("probePub");
        publisher.publishWith().topic("probe/retained").qos(MqttQos.EXACTLY_ONCE).retain(true)
                .payload("RETAIN".getBytes(StandardCharsets.UTF_8)).send();
        Mqtt3BlockingClient subscriber = connected3("probeSub");
        try (Mqtt3BlockingClient.Mqtt3Publishes publishes = subscriber.publishes(MqttGlobalPublishFilter.SUBSCRIBED)) {
            subscriber.subscribeWith().topicFilter("probe/retained").qos(MqttQos.EXACTLY_ONCE).send();
            assertThat(receive(publishes).isRetain()).isTrue();
            subscriber.subscribeWith().topicFilter("probe/w/+").send();
            subscriber.subscribeWith().topicFilter("probe/h/#").send();
            publisher.publishWith().topic("probe/w/test").payload(new byte[] {1}).send();
            publisher.publishWith().topic("probe/h/test/subtopic").payload(new byte[] {2}).send();
            assertThat(receive(publishes).getTopic().toString()).isEqualTo("probe/w/test");
            assertThat(receive(publishes).getTopic().toString()).isEqualTo("probe/h/test/subtopic");
        }

        Mqtt3BlockingClient first = connected3("shared1");
        Mqtt3BlockingClient second = connected3("shared2");
        try (Mqtt3BlockingClient.Mqtt3Publishes one = first.publishes(MqttGlobalPublishFilter.SUBSCRIBED);
             Mqtt3BlockingClient.Mqtt3Publishes two = second.publishes(MqttGlobalPublishFilter.SUBSCRIBED)) {
            first.subscribeWith().topicFilter("$share/probe/probe/shared").qos(MqttQos.AT_LEAST_ONCE).send();
            second.subscribeWith().topicFilter("$share/probe/probe/shared").qos(MqttQos.AT_LEAST_ONCE).send();
            publisher.publishWith().topic("probe/shared").qos(MqttQos.AT_LEAST_ONCE).payload(new byte[] {3}).send();
            first.subscribeWith().topicFilter("probe/end").send();
            second.subscribeWith().topicFilter("probe/end").send();
            publisher.publishWith().topic("probe/end").payload(new byte[] {5}).send();
            List<String> topics = new ArrayList<>();
            for (Mqtt3BlockingClient.Mqtt3Publishes publishes : List.of(one, two)) {
                String topic;
                while (!(topic = receive(publishes).getTopic().toString()).equals("probe/end")) {
                    topics.add(topic);
                }
            }
            assertThat(topics).as("one copy for the group").containsExactly("probe/shared");
        }
    }

    @Test
    void theMqtt5ConnackStatesTheConfiguredRestrictions() {
        Mqtt5BlockingClient client = client5("restrictions");
        Mqtt5ConnAck connAck = client.connect();
        Mqtt5ConnAckRestrictions restrictions = connAck.getRestrictions();
        assertThat(restrictions.getReceiveMaximum()).isEqualTo(BrokerConfig.DEFAULT_RECEIVE_MAXIMUM);
        assertThat(restrictions.getMaximumPacketSize()).isEqualTo(BrokerConfig.DEFAULT_MAX_PACKET_SIZE);
        assertThat(restrictions.getTopicAliasMaximum()).isEqualTo(BrokerConfig.DEFAULT_TOPIC_ALIAS_MAXIMUM);
        assertThat(restrictions.getMaximumQos()).isEqualTo(MqttQos.EXACTLY_ONCE);
        assertThat(restrictions.isRetainAvailable()).isTrue();
        assertThat(restrictions.isWildcardSubscriptionAvailable()).isTrue();
        assertThat(restrictions.isSharedSubscriptionAvailable()).isTrue();
        assertThat(restrictions.areSubscriptionIdentifiersAvailable()).isTrue();
        client.disconnect();
    }
}
