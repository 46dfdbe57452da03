package io.mqttbridge.api.resources;

import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import io.dropwizard.testing.junit5.ResourceExtension;
import io.mqttbridge.broker.retained.InMemoryRetainedStore;
import io.mqttbridge.broker.session.InMemorySessionStore;
import io.mqttbridge.broker.spi.PublishedMessage;
import io.mqttbridge.kafka.mirror.MirrorRule;
import io.mqttbridge.kafka.testing.ClusterNode;
import io.mqttbridge.testing.kafka.KafkaTestClients;
import io.mqttbridge.testing.kafka.TestKafka;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static io.mqttbridge.api.resources.ResourceTestSupport.ADMIN;
import static io.mqttbridge.api.resources.ResourceTestSupport.READER;
import static io.mqttbridge.api.resources.ResourceTestSupport.as;
import static io.mqttbridge.api.resources.ResourceTestSupport.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The live endpoints of node 1 of a two-node cluster, about a client connected to node 2. */
@ExtendWith(DropwizardExtensionsSupport.class)
class LiveResourceClusterTest {

    static final InMemorySessionStore sessions = new InMemorySessionStore();
    static final InMemoryRetainedStore retained = new InMemoryRetainedStore();
    static final String prefix = KafkaTestClients.uniqueTopic("live-cluster");
    static final ClusterNode one = node("live-1");
    static final ClusterNode two = node("live-2");

    static final ResourceExtension resources = ResourceTestSupport.resources()
            .addResource(new LiveResource(one.broker(), one.nodeId(), one.fabric()))
            .build();

    private static ClusterNode node(String nodeId) {
        return ClusterNode.start(TestKafka.bootstrapServers(), ClusterNode.testConfig(prefix), nodeId, sessions, retained,
                List.of(new MirrorRule("#", prefix + ".mirror")));
    }

    @AfterAll
    static void stop() {
        one.close();
        two.close();
    }

    @Test
    @SuppressWarnings("unchecked")
    void theNodeHoldingAClientIsShownAndTheClientCanBeDisconnectedFromAnotherNode() throws Exception {
        MqttClient device = new MqttClient(two.serverUri(), "far-device", new MemoryPersistence());
        try {
            MqttConnectionOptions options = new MqttConnectionOptions();
            options.setAutomaticReconnect(false);
            device.connect(options);
            await().atMost(Duration.ofSeconds(5)).until(() -> one.fabric().holderOf("far-device")
                    .equals(Optional.of("live-2")));

            Map<String, Object> where = as(resources, READER, "/api/v1/live/clients/far-device/node").get(Map.class);
            assertThat(where).containsEntry("node", "live-2").containsEntry("nodeAlive", true)
                    .containsEntry("connectedHere", false);

            try (var response = as(resources, ADMIN, "/api/v1/live/clients/far-device").delete()) {
                assertThat(response.getStatus()).isEqualTo(202);
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> !device.isConnected());
        } finally {
            device.close(true);
        }
    }

    @Test
    void aSessionHeldByAnotherNodeIsEndedThereWithWhatItQueued() throws Exception {
        MqttClient device = new MqttClient(two.serverUri(), "far-persistent", new MemoryPersistence());
        try {
            MqttConnectionOptions options = new MqttConnectionOptions();
            options.setAutomaticReconnect(false);
            options.setCleanStart(false);
            options.setSessionExpiryInterval(3600L);
            device.connect(options);
            device.subscribe("far/#", 1);
            device.disconnect();
            two.broker().publish(new PublishedMessage("far/x", new byte[] {1}, 1, false, null, null, null,
                    Instant.now(), null)).join();
            await().atMost(Duration.ofSeconds(5)).until(() -> two.broker().deliveryState("far-persistent")
                    .map(state -> state.queuedMessages() == 1).orElse(false)
                    && one.fabric().holderOf("far-persistent").equals(Optional.of("live-2")));

            try (var response = as(resources, ADMIN, "/api/v1/live/sessions/far-persistent").delete()) {
                assertThat(response.getStatus()).isEqualTo(202);
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> two.broker().deliveryState("far-persistent").isEmpty());
            assertThat(two.broker().subscriptionsOf("far-persistent")).isEmpty();
        } finally {
            device.close(true);
        }
    }

    @Test
    void aClientUnknownToTheClusterGets404() {
        assertProblem(as(resources, ADMIN, "/api/v1/live/sessions/nobody-anywhere").delete(), 404,
                "nor known to the cluster");
        assertProblem(as(resources, READER, "/api/v1/live/clients/nobody-anywhere/node").get(), 404,
                "not known to the cluster");
        assertProblem(as(resources, ADMIN, "/api/v1/live/clients/nobody-anywhere").delete(), 404, "is not connected");
    }
}
