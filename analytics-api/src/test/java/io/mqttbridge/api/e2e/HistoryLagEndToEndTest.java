package io.mqttbridge.api.e2e;

import static io.mqttbridge.api.testing.FreshBridgeApp.api;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.codahale.metrics.health.HealthCheck;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import io.mqttbridge.api.BridgeConfiguration;
import io.mqttbridge.api.testing.FreshBridgeApp;
import io.mqttbridge.testing.postgres.TestPostgres;
import jakarta.ws.rs.core.Response;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Issue 15, item 4, on the whole application: while the history cannot write (PostgreSQL's
 * {@code messages} table locked by another transaction, so every {@code COPY} waits), QoS 1 publishes
 * are still acknowledged after Kafka's acknowledgement alone; the lag shows in {@code /api/v1/stats},
 * in the {@code history-writer.lag.total} metric and, past {@code historyWriter.maxHealthyLag} (50
 * here), as a degraded {@code history-writer} health check; once the lock goes, the writer catches up
 * and all of it clears.
 */
@ExtendWith(DropwizardExtensionsSupport.class)
class HistoryLagEndToEndTest {

    private static final int MESSAGES = 300;

    private static final FreshBridgeApp BRIDGE = new FreshBridgeApp("e2e-history-lag-config.yml", "bridge_lag");
    static final DropwizardAppExtension<BridgeConfiguration> APP = BRIDGE.extension();

    @AfterAll
    static void dropDatabase() {
        BRIDGE.dropDatabase();
    }

    @SuppressWarnings("unchecked")
    private static long statsLag() {
        Map<String, Object> stats = api(APP, "/api/v1/stats").get(Map.class);
        return ((Number) ((Map<String, Object>) stats.get("historyWriter")).get("lag")).longValue();
    }

    private static long metricLag() {
        return ((Number) APP.getEnvironment().metrics().getGauges().get("history-writer.lag.total").getValue())
                .longValue();
    }

    private static HealthCheck.Result historyHealth() {
        return APP.getEnvironment().healthChecks().runHealthCheck("history-writer");
    }

    private static long ackedByKafka() {
        return APP.getEnvironment().metrics().meter("kafka.mirror.records.acked").getCount();
    }

    @Test
    @SuppressWarnings("unchecked")
    void publishesAreAcknowledgedWhileTheHistoryIsBlockedAndTheLagShowsEverywhere() throws Exception {
        await("the history writer to be assigned the mirror's topic").atMost(Duration.ofSeconds(30))
                .until(() -> APP.getEnvironment().metrics().getGauges()
                        .containsKey("history-writer.lag.mqtt.messages-0"));
        await().atMost(Duration.ofSeconds(30)).until(() -> historyHealth().isHealthy());
        int mqttPort = (Integer) api(APP, "/api/v1/live/broker").get(Map.class).get("port");
        long ackedBefore = ackedByKafka();
        MqttClient client = new MqttClient("tcp://127.0.0.1:" + mqttPort, "lag-client", new MemoryPersistence());
        try (Connection blocker = DriverManager.getConnection(APP.getConfiguration().getDatabase().getJdbcUrl(),
                TestPostgres.shared().user(), TestPostgres.shared().password())) {
            blocker.setAutoCommit(false);
            try (Statement statement = blocker.createStatement()) {
                statement.execute("LOCK TABLE messages IN SHARE MODE"); // reads go on, inserts wait
            }
            client.connect(new MqttConnectionOptions());
            for (int i = 0; i < MESSAGES; i++) {
                MqttMessage message = new MqttMessage(("m" + i).getBytes(StandardCharsets.UTF_8));
                message.setQos(1);
                client.publish("lag/line" + (i % 3), message); // returns after the PUBACK
            }
            // Every PUBACK came while no history row could be written: the MQTT path did not wait for it.
            assertThat(ackedByKafka() - ackedBefore).isGreaterThanOrEqualTo(MESSAGES);
            assertThat(storedRows(blocker)).isZero();

            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                assertThat(statsLag()).isGreaterThanOrEqualTo(MESSAGES);
                assertThat(metricLag()).isGreaterThanOrEqualTo(MESSAGES);
                HealthCheck.Result health = historyHealth();
                assertThat(health.isHealthy()).isFalse();
                assertThat(health.getMessage()).startsWith("degraded").contains("maxHealthyLag");
                // The node's MQTT path is fine: a load balancer polling this must keep it.
                Response overall = api(APP, "/api/v1/health").get();
                assertThat(overall.getStatus()).isEqualTo(200);
                Map<String, Object> report = overall.readEntity(Map.class);
                assertThat(report.get("status")).isEqualTo("DEGRADED");
                assertThat((Map<String, Object>) ((Map<String, Object>) report.get("checks")).get("history-writer"))
                        .containsEntry("healthy", false).containsEntry("degraded", true);
            });

            blocker.rollback(); // the lock goes
            blocker.setAutoCommit(true);
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                assertThat(storedRows(blocker)).isEqualTo(MESSAGES);
                assertThat(statsLag()).isZero();
                assertThat(historyHealth().isHealthy()).isTrue();
                assertThat(api(APP, "/api/v1/health").get(Map.class).get("status")).isEqualTo("UP");
            });
        } finally {
            if (client.isConnected()) {
                client.disconnect();
            }
            client.close();
        }
    }

    private static long storedRows(Connection connection) throws Exception {
        try (Statement statement = connection.createStatement();
             var rows = statement.executeQuery("SELECT count(*) FROM messages WHERE mqtt_topic LIKE 'lag/%'")) {
            rows.next();
            return rows.getLong(1);
        }
    }
}
