package io.mqttbridge.broker.e2e;

import com.codahale.metrics.MetricRegistry;
import io.mqttbridge.broker.MqttBroker;
import io.mqttbridge.broker.config.BrokerConfig;
import io.mqttbridge.broker.retained.InMemoryRetainedStore;
import io.mqttbridge.broker.session.InMemorySessionStore;
import io.mqttbridge.broker.spi.Authenticator;
import io.mqttbridge.broker.spi.Authorizer;
import io.mqttbridge.broker.spi.PublishSink;
import io.mqttbridge.broker.spi.SessionListener;
import io.mqttbridge.broker.spi.SessionStore;

import java.util.function.Consumer;

/** A broker on 127.0.0.1 and a free port, with test-friendly defaults. */
public final class TestBroker implements AutoCloseable {

    public final MqttBroker broker;
    public final MetricRegistry metrics = new MetricRegistry();
    public final InMemorySessionStore sessionStore;

    public TestBroker(Consumer<BrokerConfig> configurer, Authenticator authenticator, Authorizer authorizer,
                      PublishSink sink, SessionListener listener) {
        this(configurer, authenticator, authorizer, sink, listener, new InMemorySessionStore());
    }

    public TestBroker(Consumer<BrokerConfig> configurer, Authenticator authenticator, Authorizer authorizer,
                      PublishSink sink, SessionListener listener, InMemorySessionStore sessionStore) {
        this(configurer, authenticator, authorizer, sink, listener, (SessionStore) sessionStore);
    }

    /** A broker on another session store ({@link #sessionStore} is then null unless it is an in-memory one). */
    public TestBroker(Consumer<BrokerConfig> configurer, Authenticator authenticator, Authorizer authorizer,
                      PublishSink sink, SessionListener listener, SessionStore sessionStore) {
        this.sessionStore = sessionStore instanceof InMemorySessionStore inMemory ? inMemory : null;
        BrokerConfig config = new BrokerConfig();
        config.setHost("127.0.0.1");
        config.setPort(0);
        config.setWorkerThreads(2);
        configurer.accept(config);
        broker = new MqttBroker(config, authenticator, authorizer, sink, listener, sessionStore,
                new InMemoryRetainedStore(), metrics);
        broker.start();
    }

    public static TestBroker start() {
        return start(c -> { });
    }

    public static TestBroker start(Consumer<BrokerConfig> configurer) {
        return new TestBroker(configurer, Authenticator.ALLOW_ALL, Authorizer.ALLOW_ALL, PublishSink.NONE,
                SessionListener.NONE);
    }

    public static TestBroker withSessionStore(InMemorySessionStore store) {
        return new TestBroker(c -> { }, Authenticator.ALLOW_ALL, Authorizer.ALLOW_ALL, PublishSink.NONE,
                SessionListener.NONE, store);
    }

    public static TestBroker withSink(PublishSink sink) {
        return new TestBroker(c -> { }, Authenticator.ALLOW_ALL, Authorizer.ALLOW_ALL, sink, SessionListener.NONE);
    }

    public int port() {
        return broker.port();
    }

    public String tcpUri() {
        return "tcp://127.0.0.1:" + port();
    }

    @Override
    public void close() {
        broker.stop();
    }
}
