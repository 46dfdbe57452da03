package io.mqttbridge.broker.security;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5SubAckException;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.suback.Mqtt5SubAckReasonCode;
import io.mqttbridge.broker.e2e.TestBroker;
import io.mqttbridge.broker.spi.AclRule;
import io.mqttbridge.broker.spi.AclRuleSet;
import io.mqttbridge.broker.spi.Authenticator;
import io.mqttbridge.broker.spi.Authorizer;
import io.mqttbridge.broker.spi.PublishSink;
import io.mqttbridge.broker.spi.SessionListener;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * The "everything except" ACL operators write: {@code deny subscribe admin/secret}, then
 * {@code allow all #}. Wildcards that merely overlap the denied topic are granted and never carry
 * it (live or retained); a filter entirely inside it is refused. Real clients over real sockets.
 */
class AclSubscriptionEndToEndTest {

    private static final List<AclRule> EVERYTHING_EXCEPT_SECRET = List.of(
            AclRule.deny(AclRule.Action.SUBSCRIBE, "admin/secret"),
            AclRule.allow(AclRule.Action.ALL, "#"));

    private TestBroker broker;

    @BeforeEach
    void start() {
        Authorizer authorizer = identity -> CompletableFuture.completedFuture(
                AclRuleSet.forIdentity(EVERYTHING_EXCEPT_SECRET, identity));
        broker = new TestBroker(c -> { }, Authenticator.ALLOW_ALL, authorizer, PublishSink.NONE, SessionListener.NONE);
    }

    @AfterEach
    void stop() {
        broker.close();
    }

    private Mqtt5BlockingClient connected(String id) {
        Mqtt5BlockingClient client = MqttClient.builder().useMqttVersion5().identifier(id).serverHost("127.0.0.1")
                .serverPort(broker.port()).buildBlocking();
        client.connect();
        return client;
    }

    private static void publish(Mqtt5BlockingClient publisher, String topic, boolean retain) {
        publisher.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).retain(retain)
                .payload(topic.getBytes(StandardCharsets.UTF_8)).send();
    }

    private static List<String> receiveTopics(Mqtt5BlockingClient.Mqtt5Publishes publishes, String untilTopic)
            throws InterruptedException {
        List<String> topics = new ArrayList<>();
        while (true) {
            Optional<Mqtt5Publish> next = publishes.receive(5, TimeUnit.SECONDS);
            assertThat(next).as("expected a message before %s arrived", untilTopic).isPresent();
            topics.add(next.get().getTopic().toString());
            if (next.get().getTopic().toString().equals(untilTopic)) {
                return topics;
            }
        }
    }

    @Test
    void overlappingWildcardsAreGrantedAndAFilterInsideTheDenyIsRefused() {
        Mqtt5BlockingClient client = connected("watcher");
        Mqtt5SubAckException refused = catchThrowableOfType(() -> client.subscribeWith()
                .addSubscription().topicFilter("#").applySubscription()
                .addSubscription().topicFilter("+/+").applySubscription()
                .addSubscription().topicFilter("admin/secret").applySubscription()
                .addSubscription().topicFilter("admin/+").applySubscription()
                .send(), Mqtt5SubAckException.class);
        assertThat(refused.getMqttMessage().getReasonCodes()).containsExactly(Mqtt5SubAckReasonCode.GRANTED_QOS_2,
                Mqtt5SubAckReasonCode.GRANTED_QOS_2, Mqtt5SubAckReasonCode.NOT_AUTHORIZED,
                Mqtt5SubAckReasonCode.GRANTED_QOS_2);
        client.disconnect();
    }

    @Test
    void messagesOnTheDeniedTopicAreNotDeliveredThroughAnOverlappingSubscription() throws Exception {
        Mqtt5BlockingClient watcher = connected("watcher");
        try (Mqtt5BlockingClient.Mqtt5Publishes publishes = watcher.publishes(com.hivemq.client.mqtt.MqttGlobalPublishFilter.ALL)) {
            watcher.subscribeWith().topicFilter("#").qos(MqttQos.AT_LEAST_ONCE).send();
            Mqtt5BlockingClient publisher = connected("publisher");
            publish(publisher, "admin/secret", false);
            publish(publisher, "admin/public", false);
            publish(publisher, "done", false);
            assertThat(receiveTopics(publishes, "done")).containsExactly("admin/public", "done");
            publisher.disconnect();
        }
        watcher.disconnect();
    }

    @Test
    void retainedMessagesSentOnSubscribeObeyTheSameCheck() throws Exception {
        Mqtt5BlockingClient publisher = connected("publisher");
        publish(publisher, "admin/secret", true);
        publish(publisher, "admin/public", true);
        Mqtt5BlockingClient watcher = connected("watcher");
        try (Mqtt5BlockingClient.Mqtt5Publishes publishes = watcher.publishes(com.hivemq.client.mqtt.MqttGlobalPublishFilter.ALL)) {
            watcher.subscribeWith().topicFilter("admin/+").qos(MqttQos.AT_LEAST_ONCE).send();
            publish(publisher, "admin/done", false);
            assertThat(receiveTopics(publishes, "admin/done")).containsExactly("admin/public", "admin/done");
        }
        watcher.disconnect();
        publisher.disconnect();
    }

    @Test
    void mqtt311GetsFailure0x80ForAFilterInsideTheDenyAndTheWildcardIsGranted() throws Exception {
        org.eclipse.paho.client.mqttv3.MqttClient client = new org.eclipse.paho.client.mqttv3.MqttClient(
                broker.tcpUri(), "paho-watcher", new MemoryPersistence());
        client.connect(new MqttConnectOptions());
        int[] granted = client.subscribeWithResponse(new String[] {"admin/secret", "#"}, new int[] {1, 1}).getGrantedQos();
        assertThat(granted).containsExactly(0x80, 1);
        client.disconnect();
        client.close();
    }
}
