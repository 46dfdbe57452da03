package io.mqttbridge.db.store;

import static org.assertj.core.api.Assertions.assertThat;

import com.codahale.metrics.MetricRegistry;
import io.mqttbridge.broker.MqttBroker;
import io.mqttbridge.broker.config.BrokerConfig;
import io.mqttbridge.broker.spi.Authenticator;
import io.mqttbridge.broker.spi.Authorizer;
import io.mqttbridge.broker.spi.PublishSink;
import io.mqttbridge.broker.spi.SessionListener;
import io.mqttbridge.db.testing.TestDatabase;
import io.mqttbridge.testing.mqtt.RawMqttClient;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A persistent session's QoS 2 message, on the PostgreSQL session store: the persistent subscribers'
 * copies and the publisher's "received" record of its packet id are committed in one transaction. A
 * crash between two commits would leave the copies without the record, and the client's
 * retransmission, found in Kafka, would be routed to the subscribers a second time.
 */
class Qos2RoutingCommitTest {

    @RegisterExtension
    static final TestDatabase db = new TestDatabase();

    private static final int SUBSCRIBERS = 3;
    private static final int MESSAGES = 10;

    @Test
    void theSubscribersCopiesAndThePacketIdsReceivedRecordShareOneCommit() throws Exception {
        db.jdbi().useHandle(h -> h.execute(
                "TRUNCATE broker_session_state, broker_session_messages, broker_session_inbound_qos2"));
        BrokerConfig config = new BrokerConfig();
        config.setHost("127.0.0.1");
        config.setPort(0);
        JdbiSessionStore sessions = new JdbiSessionStore(db.jdbi(), "node-1");
        JdbiRetainedStore retained = new JdbiRetainedStore(db.jdbi());
        MqttBroker broker = new MqttBroker(config, Authenticator.ALLOW_ALL, Authorizer.ALLOW_ALL, PublishSink.NONE,
                SessionListener.NONE, sessions, retained, new MetricRegistry());
        broker.start();
        List<RawMqttClient> clients = new ArrayList<>();
        try {
            for (int i = 0; i < SUBSCRIBERS; i++) {
                RawMqttClient subscriber = connect(broker, "sub-" + i, clients);
                subscriber.send(RawMqttClient.subscribe(1, "q/#", 2, false));
                assertThat(subscriber.read().type()).as("SUBACK").isEqualTo(9);
            }
            RawMqttClient publisher = connect(broker, "pub", clients);
            for (int packetId = 1; packetId <= MESSAGES; packetId++) {
                publisher.send(RawMqttClient.publish(2, "q/1", packetId, "m" + packetId, false));
                assertThat(publisher.read().type()).as("PUBREC").isEqualTo(5);
            }

            for (int packetId = 1; packetId <= MESSAGES; packetId++) {
                int id = packetId;
                // The transaction that last wrote each row: the record turned "received", the copies
                // (the subscribers do not answer, so nothing rewrote them).
                long record = db.jdbi().withHandle(h -> h.createQuery("SELECT xmin::text::bigint"
                                + " FROM broker_session_inbound_qos2 WHERE client_id = 'pub' AND packet_id = :id"
                                + " AND outcome_known").bind("id", id).mapTo(Long.class).one());
                List<Long> copies = db.jdbi().withHandle(h -> h.createQuery("SELECT xmin::text::bigint"
                                + " FROM broker_session_messages WHERE sequence = :id").bind("id", id)
                        .mapTo(Long.class).list());
                assertThat(copies).as("message %d: its copies' transactions and its record's", id)
                        .hasSize(SUBSCRIBERS).containsOnly(record);
            }
        } finally {
            for (RawMqttClient client : clients) {
                client.close();
            }
            broker.stop();
            sessions.close();
            retained.close();
        }
    }

    private static RawMqttClient connect(MqttBroker broker, String clientId, List<RawMqttClient> clients)
            throws Exception {
        RawMqttClient client = new RawMqttClient(broker.port());
        clients.add(client);
        client.send(RawMqttClient.connect(4, clientId, false, 60));
        assertThat(client.read().type()).as("CONNACK").isEqualTo(2);
        return client;
    }
}
