package io.mqttbridge.kafka.testing;

import com.codahale.metrics.MetricRegistry;
import io.mqttbridge.broker.MqttBroker;
import io.mqttbridge.broker.config.BrokerConfig;
import io.mqttbridge.broker.retained.InMemoryRetainedStore;
import io.mqttbridge.broker.session.InMemorySessionStore;
import io.mqttbridge.broker.spi.Authenticator;
import io.mqttbridge.broker.spi.Authorizer;
import io.mqttbridge.broker.spi.PublishSink;
import io.mqttbridge.broker.spi.SessionListener;
import io.mqttbridge.kafka.mirror.KafkaPublishSink;
import io.mqttbridge.kafka.mirror.MirrorRule;
import io.mqttbridge.kafka.mirror.ProducerSettings;
import java.util.List;

/**
 * The real {@link MqttBroker} on an ephemeral port of 127.0.0.1, mirroring into Kafka through a
 * {@link KafkaPublishSink} (or another sink/listener of the test's choice), as the application wires it.
 */
public final class MirroredBroker implements AutoCloseable {

    public static final String NODE_ID = "node-e2e";

    private final MqttBroker broker;
    private final KafkaPublishSink sink;
    private final MetricRegistry metrics;

    private MirroredBroker(MqttBroker broker, KafkaPublishSink sink, MetricRegistry metrics) {
        this.broker = broker;
        this.sink = sink;
        this.metrics = metrics;
    }

    /** A broker whose sink mirrors into {@code bootstrapServers} per {@code rules}. */
    public static MirroredBroker start(String bootstrapServers, List<MirrorRule> rules, ProducerSettings settings) {
        return start(bootstrapServers, rules, settings, SessionListener.NONE);
    }

    public static MirroredBroker start(String bootstrapServers, List<MirrorRule> rules, ProducerSettings settings,
            SessionListener listener) {
        return start(bootstrapServers, rules, io.mqttbridge.kafka.mirror.ReservedTopics.INTERNAL_ONLY, settings, listener);
    }

    /** A broker whose sink mirrors per {@code rules} but never into {@code reserved}. */
    public static MirroredBroker start(String bootstrapServers, List<MirrorRule> rules,
            io.mqttbridge.kafka.mirror.ReservedTopics reserved, ProducerSettings settings, SessionListener listener) {
        MetricRegistry metrics = new MetricRegistry();
        KafkaPublishSink sink = KafkaPublishSink.create(bootstrapServers, rules, reserved, settings, NODE_ID, metrics);
        try {
            return new MirroredBroker(startBroker(sink, listener, metrics), sink, metrics);
        } catch (RuntimeException e) {
            sink.close();
            throw e;
        }
    }

    /** A broker with no mirror, only {@code listener} (for session events). */
    public static MqttBroker startWithoutMirror(SessionListener listener) {
        return startBroker(PublishSink.NONE, listener, new MetricRegistry());
    }

    private static MqttBroker startBroker(PublishSink sink, SessionListener listener, MetricRegistry metrics) {
        BrokerConfig config = new BrokerConfig();
        config.setHost("127.0.0.1");
        config.setPort(0);
        config.setWorkerThreads(2);
        MqttBroker broker = new MqttBroker(config, Authenticator.ALLOW_ALL, Authorizer.ALLOW_ALL, sink, listener,
                new InMemorySessionStore(), new InMemoryRetainedStore(), metrics);
        broker.start();
        return broker;
    }

    public MqttBroker broker() {
        return broker;
    }

    public int port() {
        return broker.port();
    }

    /** {@code tcp://127.0.0.1:port} for Paho. */
    public String serverUri() {
        return "tcp://127.0.0.1:" + broker.port();
    }

    public KafkaPublishSink sink() {
        return sink;
    }

    public MetricRegistry metrics() {
        return metrics;
    }

    @Override
    public void close() {
        broker.stop();
        sink.close();
    }
}
