package io.mqttbridge.db.store;

import com.codahale.metrics.MetricRegistry;
import io.mqttbridge.broker.MqttBroker;
import io.mqttbridge.broker.config.BrokerConfig;
import io.mqttbridge.broker.metrics.BrokerMetrics;
import io.mqttbridge.broker.spi.Authenticator;
import io.mqttbridge.broker.spi.Authorizer;
import io.mqttbridge.broker.spi.PublishSink;
import io.mqttbridge.broker.spi.SessionListener;
import java.util.function.Consumer;
import org.jdbi.v3.core.Jdbi;

/**
 * One broker process for the restart tests: a broker on loopback and new instances of the PostgreSQL
 * session and retained stores, as after a process restart. Closing it stops the broker (which saves
 * its sessions) and the stores.
 */
final class StoreBackedBroker implements AutoCloseable {

    final JdbiSessionStore sessions;
    final JdbiRetainedStore retained;
    final MetricRegistry metrics = new MetricRegistry();
    final MqttBroker broker;

    /**
     * @param pageSize client ids its session store reads per page at start-up
     * @param configure settings beyond loopback and a free port
     */
    StoreBackedBroker(Jdbi jdbi, int pageSize, Consumer<BrokerConfig> configure) {
        sessions = new JdbiSessionStore(jdbi, "node-1", pageSize);
        retained = new JdbiRetainedStore(jdbi);
        BrokerConfig config = new BrokerConfig();
        config.setHost("127.0.0.1");
        config.setPort(0);
        configure.accept(config);
        broker = new MqttBroker(config, Authenticator.ALLOW_ALL, Authorizer.ALLOW_ALL, PublishSink.NONE,
                SessionListener.NONE, sessions, retained, metrics);
        broker.start();
    }

    /** What the queued messages of all sessions hold of the heap, by the broker's own count. */
    long queuedBytes() {
        return ((Number) metrics.getGauges().get(BrokerMetrics.QUEUED_BYTES).getValue()).longValue();
    }

    /** Messages the broker kept in the session store alone past the heap bound. */
    long spilled() {
        return metrics.meter(BrokerMetrics.SPILLED).getCount();
    }

    String uri() {
        return "tcp://127.0.0.1:" + broker.port();
    }

    @Override
    public void close() {
        broker.stop();
        sessions.close();
        retained.close();
    }
}
