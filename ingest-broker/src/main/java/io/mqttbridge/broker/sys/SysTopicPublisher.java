package io.mqttbridge.broker.sys;

import io.mqttbridge.broker.spi.PublishedMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Publishes {@link BrokerStatistics} every interval as retained QoS 0 messages, each value only when
 * it changed since it was last published (as Mosquitto does), so that an idle broker sends its
 * subscribers nothing but the uptime. The messages go to this node's subscribers only: they are
 * neither mirrored to Kafka nor forwarded to other nodes, whose figures are their own.
 *
 * <p>Threading: {@link #start} and {@link #stop} from the broker's lifecycle; the samples run on
 * the given scheduler, one at a time.
 */
public final class SysTopicPublisher {

    private static final Logger LOG = LoggerFactory.getLogger(SysTopicPublisher.class);

    private final BrokerStatistics statistics;
    private final Consumer<PublishedMessage> route;
    private final String version;
    private final Map<String, String> published = new HashMap<>();
    private ScheduledFuture<?> schedule;

    /** @param route hands a message to this node's matching sessions and its retained store */
    public SysTopicPublisher(BrokerStatistics statistics, Consumer<PublishedMessage> route) {
        this(statistics, route, "mqtt-kafka-bridge version " + packagedVersion());
    }

    /** @param version the text of {@code $SYS/broker/version} */
    SysTopicPublisher(BrokerStatistics statistics, Consumer<PublishedMessage> route, String version) {
        this.statistics = statistics;
        this.route = route;
        this.version = version;
    }

    /** The jar manifest's version: the broker's classes are packaged in the bridge's one jar. */
    private static String packagedVersion() {
        String version = SysTopicPublisher.class.getPackage().getImplementationVersion();
        return version == null ? "unknown (not run from the packaged jar)" : version;
    }

    /** Publishes the version and a first sample now, then a sample every {@code intervalSeconds}. */
    public synchronized void start(ScheduledExecutorService scheduler, int intervalSeconds) {
        publish(SysTopics.BROKER + "version", version);
        schedule = scheduler.scheduleAtFixedRate(this::publishChanges, 0, intervalSeconds, TimeUnit.SECONDS);
    }

    public synchronized void stop() {
        if (schedule != null) {
            schedule.cancel(false);
            schedule = null;
        }
    }

    /** One sample: every value that differs from the one last published. */
    synchronized void publishChanges() {
        try {
            statistics.sample().forEach((topic, value) -> {
                if (!value.equals(published.get(topic))) {
                    publish(topic, value);
                }
            });
        } catch (RuntimeException e) {
            // A failed sample must not end the schedule: the next one tries again.
            LOG.warn("could not publish the $SYS statistics", e);
        }
    }

    private void publish(String topic, String value) {
        route.accept(new PublishedMessage(topic, value.getBytes(StandardCharsets.UTF_8), 0, true,
                null, null, null, Instant.now(), null));
        published.put(topic, value);
    }
}
