package io.mqttbridge.kafka.endtoend;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.codahale.metrics.MetricRegistry;
import io.mqttbridge.broker.MqttBroker;
import io.mqttbridge.broker.config.BrokerConfig;
import io.mqttbridge.broker.retained.InMemoryRetainedStore;
import io.mqttbridge.broker.session.InMemorySessionStore;
import io.mqttbridge.broker.spi.Authenticator;
import io.mqttbridge.broker.spi.Authorizer;
import io.mqttbridge.broker.spi.ConnectionInfo;
import io.mqttbridge.broker.spi.MessageProperties;
import io.mqttbridge.broker.spi.PublishSink;
import io.mqttbridge.broker.spi.PublishedMessage;
import io.mqttbridge.broker.spi.SessionListener;
import io.mqttbridge.broker.spi.SessionSnapshot;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What the downlink relies on when it hands a record to a broker that has just started: the
 * {@link io.mqttbridge.broker.spi.MessagePublisher} contract says the future completes when the
 * message was handed to every matching session, offline persistent ones included, so the downlink
 * may commit the record's offset. No Kafka here: the downlink's side of this is in
 * {@link DownlinkEndToEndTest}.
 */
class RestoredSessionHandOffTest {

    private static final int SESSIONS = 20_000;

    private MqttBroker broker;

    @AfterEach
    void stop() {
        if (broker != null) {
            broker.stop();
        }
    }

    @Test
    void aMessagePublishedRightAfterStartIsHandedToEveryRestoredPersistentSession() throws Exception {
        InMemorySessionStore store = new InMemorySessionStore();
        for (int i = 0; i < SESSIONS; i++) {
            store.save(new SessionSnapshot("dev-" + i, ConnectionInfo.SESSION_NEVER_EXPIRES, Instant.now(),
                    List.of(new SessionSnapshot.StoredSubscription("cmd/all", 1, false, false, 0, null)),
                    List.of())).get(10, TimeUnit.SECONDS);
        }
        BrokerConfig config = new BrokerConfig();
        config.setHost("127.0.0.1");
        config.setPort(0);
        broker = new MqttBroker(config, Authenticator.ALLOW_ALL, Authorizer.ALLOW_ALL, PublishSink.NONE,
                SessionListener.NONE, store, new InMemoryRetainedStore(), new MetricRegistry());
        broker.start();

        int handedTo = broker.publish(new PublishedMessage("cmd/all", "reboot".getBytes(UTF_8), 1, false, null, null,
                null, Instant.now(), MessageProperties.NONE)).get(30, TimeUnit.SECONDS);

        assertThat(handedTo).as("restored sessions the message was handed to").isEqualTo(SESSIONS);
    }
}
