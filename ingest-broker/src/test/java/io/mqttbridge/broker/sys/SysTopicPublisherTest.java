package io.mqttbridge.broker.sys;

import com.codahale.metrics.MetricRegistry;
import io.mqttbridge.broker.metrics.BrokerMetrics;
import io.mqttbridge.broker.spi.PublishedMessage;
import io.mqttbridge.broker.spi.TopicPermissions;
import io.mqttbridge.testing.time.ManualClock;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

class SysTopicPublisherTest {

    private final MetricRegistry registry = new MetricRegistry();
    private final BrokerMetrics metrics = new BrokerMetrics(registry, () -> 4, () -> 7);
    private final ManualClock clock = new ManualClock(Instant.parse("2026-12-06T12:00:00Z"));
    private final List<PublishedMessage> routed = new ArrayList<>();
    private final SysTopicPublisher publisher = new SysTopicPublisher(new BrokerStatistics(registry, clock),
            routed::add, "mqtt-kafka-bridge version 1.2");

    @Test
    void theFirstSamplePublishesEveryValueRetainedAtQos0() {
        metrics.connectionOpened();
        metrics.connectionOpened();
        metrics.messageIn(1);
        metrics.messageIn(0);
        metrics.messageOut(2);
        metrics.bytesIn(300);
        metrics.dropped(BrokerMetrics.DropReason.QUEUE_FULL);
        metrics.subscriptions(3);

        publisher.publishChanges();

        Map<String, String> values = values();
        assertThat(values).containsEntry("$SYS/broker/clients/connected", "2")
                .containsEntry("$SYS/broker/clients/total", "7")
                .containsEntry("$SYS/broker/clients/disconnected", "5")
                .containsEntry("$SYS/broker/clients/maximum", "2")
                .containsEntry("$SYS/broker/messages/received", "2")
                .containsEntry("$SYS/broker/publish/messages/sent", "1")
                .containsEntry("$SYS/broker/publish/messages/dropped", "1")
                .containsEntry("$SYS/broker/bytes/received", "300")
                .containsEntry("$SYS/broker/subscriptions/count", "3")
                .containsEntry("$SYS/broker/retained messages/count", "4")
                .containsEntry("$SYS/broker/uptime", "0 seconds")
                .containsKey("$SYS/broker/load/messages/received/15min");
        assertThat(routed).allSatisfy(message -> {
            assertThat(message.retain()).isTrue();
            assertThat(message.qos()).isZero();
            assertThat(message.clientId()).isNull();
        });
    }

    @Test
    void laterSamplesPublishOnlyTheValuesThatChanged() {
        publisher.publishChanges();
        routed.clear();

        clock.advance(Duration.ofSeconds(10));
        metrics.connectionOpened();
        publisher.publishChanges();

        // The heap moves on its own; everything else that changed is the uptime and the connection.
        assertThat(values().keySet()).filteredOn(topic -> !topic.startsWith("$SYS/broker/heap/"))
                .containsExactlyInAnyOrder("$SYS/broker/uptime", "$SYS/broker/clients/connected",
                        "$SYS/broker/clients/maximum", "$SYS/broker/clients/disconnected");
        assertThat(values()).containsEntry("$SYS/broker/uptime", "10 seconds");
        routed.clear();

        metrics.connectionClosed();
        publisher.publishChanges();
        // The maximum stays at the highest value seen.
        assertThat(values()).containsEntry("$SYS/broker/clients/connected", "0")
                .doesNotContainKey("$SYS/broker/clients/maximum");
    }

    @Test
    void startPublishesTheVersionAndASampleAtOnce() throws Exception {
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
        try {
            List<PublishedMessage> seen = java.util.Collections.synchronizedList(new ArrayList<>());
            SysTopicPublisher started = new SysTopicPublisher(new BrokerStatistics(registry, clock), seen::add, "v9");
            started.start(scheduler, 3600);
            org.awaitility.Awaitility.await().until(() -> seen.stream()
                    .anyMatch(m -> m.topic().equals("$SYS/broker/uptime")));
            assertThat(seen.get(0).topic()).isEqualTo("$SYS/broker/version");
            assertThat(new String(seen.get(0).payload(), StandardCharsets.UTF_8)).isEqualTo("v9");
            started.stop();
        } finally {
            scheduler.shutdownNow();
        }
    }

    @Test
    void permissionsWithoutPublishingRefuseOnlyTheSysTree() {
        TopicPermissions guarded = SysTopics.withoutPublishing(TopicPermissions.ALLOW_ALL);
        assertThat(guarded.mayPublish("$SYS/broker/uptime")).isFalse();
        assertThat(guarded.mayPublish("$SYS")).isFalse();
        assertThat(guarded.mayPublish("$SYSTEM/x")).isTrue();
        assertThat(guarded.mayPublish("a/b")).isTrue();
        assertThat(guarded.maySubscribe("$SYS/#")).isTrue();
        assertThat(SysTopics.withoutPublishing(TopicPermissions.DENY_ALL).mayPublish("a/b")).isFalse();
        assertThat(SysTopics.withoutPublishing(guarded)).isSameAs(guarded);
    }

    private Map<String, String> values() {
        return routed.stream().collect(Collectors.toMap(PublishedMessage::topic,
                m -> new String(m.payload(), StandardCharsets.UTF_8), (a, b) -> b));
    }
}
