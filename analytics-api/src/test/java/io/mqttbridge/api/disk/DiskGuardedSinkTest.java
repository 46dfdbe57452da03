package io.mqttbridge.api.disk;

import static org.assertj.core.api.Assertions.assertThat;

import com.codahale.metrics.MetricRegistry;
import io.mqttbridge.broker.spi.MqttReasonCode;
import io.mqttbridge.broker.spi.MqttVersion;
import io.mqttbridge.broker.spi.PublishRejectedException;
import io.mqttbridge.broker.spi.PublishSink;
import io.mqttbridge.broker.spi.PublishedMessage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class DiskGuardedSinkTest {

    private final AtomicLong usable = new AtomicLong(1_000);
    private final DiskSpaceGuard guard = new DiskSpaceGuard(List.of(Path.of("/secret/data/kafka")), 100,
            directory -> usable.get());
    private final List<PublishedMessage> taken = new CopyOnWriteArrayList<>();
    private final PublishSink kafka = message -> {
        taken.add(message);
        return CompletableFuture.completedFuture(null);
    };
    private final MetricRegistry metrics = new MetricRegistry();
    private final DiskGuardedSink sink = new DiskGuardedSink(kafka, guard, metrics);

    private static PublishedMessage message(String payload) {
        return new PublishedMessage("t", payload.getBytes(StandardCharsets.UTF_8), 1, false, "c", null, MqttVersion.MQTT_5,
                Instant.now(), null);
    }

    @Test
    void whileTheGuardRefusesNothingReachesKafkaAndThePublisherIsToldQuotaExceeded() {
        guard.check();
        assertThat(sink.accept(message("before"))).isCompleted();

        usable.set(10);
        guard.check();
        CompletableFuture<Void> refused = sink.accept(message("while short"));
        assertThat(refused).isCompletedExceptionally();
        PublishRejectedException rejection = (PublishRejectedException) refused.handle((ok, error) ->
                error instanceof CompletionException ? error.getCause() : error).join();
        assertThat(rejection.reasonCode()).isEqualTo(MqttReasonCode.QUOTA_EXCEEDED);
        assertThat(rejection.isPermanent()).as("the client sends it again later").isFalse();
        assertThat(rejection.getMessage()).as("no path for devices to read").doesNotContain("secret")
                .contains("storage is nearly full");
        assertThat(metrics.meter("disk-guard.messages.refused").getCount()).isEqualTo(1);

        usable.set(200);
        guard.check();
        assertThat(sink.accept(message("after"))).isCompleted();
        assertThat(taken).extracting(m -> new String(m.payload(), StandardCharsets.UTF_8))
                .containsExactly("before", "after");
    }
}
