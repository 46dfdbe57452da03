package io.mqttbridge.broker.security;

import com.codahale.metrics.MetricRegistry;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import io.mqttbridge.broker.config.BrokerConfig;
import io.mqttbridge.broker.MqttBroker;
import io.mqttbridge.broker.retained.InMemoryRetainedStore;
import io.mqttbridge.broker.session.InMemorySessionStore;
import io.mqttbridge.broker.spi.AclRule;
import io.mqttbridge.broker.spi.AclRuleSet;
import io.mqttbridge.broker.spi.Authenticator;
import io.mqttbridge.broker.spi.Authorizer;
import io.mqttbridge.broker.spi.PublishSink;
import io.mqttbridge.broker.spi.PublishedMessage;
import io.mqttbridge.broker.spi.RetainedStore;
import io.mqttbridge.broker.spi.SessionListener;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Retained messages sent on SUBSCRIBE come from the store page by page (never the whole match at
 * once), each once, and never one on a topic the subscriber's rules deny; a client with a small
 * receive maximum still gets them all. Real HiveMQ clients over real sockets.
 */
class RetainedStreamEndToEndTest {

    private static final int RETAINED = 450;

    /** Counts how the broker reads retained messages. */
    static final class CountingStore implements RetainedStore {
        final RetainedStore inner = new InMemoryRetainedStore();
        final AtomicInteger wholeReads = new AtomicInteger();
        final AtomicInteger pageReads = new AtomicInteger();
        final AtomicInteger largestPage = new AtomicInteger();

        @Override
        public CompletableFuture<Void> put(PublishedMessage message) {
            return inner.put(message);
        }

        @Override
        public CompletableFuture<List<PublishedMessage>> matching(String topicFilter) {
            wholeReads.incrementAndGet();
            return inner.matching(topicFilter);
        }

        @Override
        public CompletableFuture<List<PublishedMessage>> matchingPage(String topicFilter, String afterTopic, int limit) {
            pageReads.incrementAndGet();
            return inner.matchingPage(topicFilter, afterTopic, limit).thenApply(page -> {
                largestPage.accumulateAndGet(page.size(), Math::max);
                return page;
            });
        }

        @Override
        public long size() {
            return inner.size();
        }
    }

    private final CountingStore store = new CountingStore();
    private MqttBroker broker;

    @BeforeEach
    void start() {
        Authorizer everythingExceptSecret = identity -> CompletableFuture.completedFuture(AclRuleSet.forIdentity(List.of(
                AclRule.deny(AclRule.Action.SUBSCRIBE, "admin/secret"),
                AclRule.allow(AclRule.Action.ALL, "#")), identity));
        broker = startBroker(everythingExceptSecret, store);
    }

    /** A started broker on a free loopback port whose retained messages are in {@code store}. */
    static MqttBroker startBroker(Authorizer authorizer, RetainedStore retained) {
        BrokerConfig config = new BrokerConfig();
        config.setHost("127.0.0.1");
        config.setPort(0);
        config.setWorkerThreads(2);
        MqttBroker started = new MqttBroker(config, Authenticator.ALLOW_ALL, authorizer, PublishSink.NONE,
                SessionListener.NONE, new InMemorySessionStore(), retained, new MetricRegistry());
        started.start();
        return started;
    }

    @AfterEach
    void stop() {
        broker.stop();
    }

    @Test
    void aWildcardSubscriberGetsEveryAllowedRetainedMessageOnceFromPagedReads() {
        Mqtt5BlockingClient publisher = MqttClient.builder().useMqttVersion5().identifier("publisher")
                .serverHost("127.0.0.1").serverPort(broker.port()).buildBlocking();
        publisher.connect();
        for (int i = 0; i < RETAINED; i++) {
            String topic = String.format("sensors/%03d", i);
            publisher.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).retain(true)
                    .payload(topic.getBytes(StandardCharsets.UTF_8)).send();
        }
        publisher.publishWith().topic("admin/secret").qos(MqttQos.AT_LEAST_ONCE).retain(true)
                .payload("secret".getBytes(StandardCharsets.UTF_8)).send();
        publisher.disconnect();

        Mqtt5AsyncClient subscriber = MqttClient.builder().useMqttVersion5().identifier("subscriber")
                .serverHost("127.0.0.1").serverPort(broker.port()).buildAsync();
        List<String> received = new CopyOnWriteArrayList<>();
        ConcurrentHashMap<String, Integer> counts = new ConcurrentHashMap<>();
        subscriber.publishes(MqttGlobalPublishFilter.ALL, publish -> {
            String topic = publish.getTopic().toString();
            received.add(topic);
            counts.merge(topic, 1, Integer::sum);
        });
        // A small receive maximum: the broker may have only 5 unacknowledged QoS 1 messages in flight.
        subscriber.connectWith().restrictions().receiveMaximum(5).applyRestrictions().send().join();
        subscriber.subscribeWith().topicFilter("#").qos(MqttQos.AT_LEAST_ONCE).send().join();

        await().atMost(30, TimeUnit.SECONDS).until(() -> counts.size() == RETAINED);
        subscriber.disconnect().join();

        assertThat(counts).doesNotContainKey("admin/secret").allSatisfy((topic, count) -> assertThat(count).isEqualTo(1));
        assertThat(received).hasSize(RETAINED);
        assertThat(store.wholeReads).hasValue(0);
        assertThat(store.pageReads.get()).isGreaterThanOrEqualTo(RETAINED / 100);
        assertThat(store.largestPage.get()).isLessThanOrEqualTo(100);
    }
}
