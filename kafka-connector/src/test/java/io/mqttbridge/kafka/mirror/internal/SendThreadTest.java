package io.mqttbridge.kafka.mirror.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

class SendThreadTest {

    private final MockProducer<byte[], byte[]> producer =
            new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
    /* The moment each record reached the producer, in send order. */
    private final List<Long> sentAt = new CopyOnWriteArrayList<>();

    private SendThread thread(long gatherNanos) {
        return new SendThread("send-thread-test", producer, send -> sentAt.add(System.nanoTime()),
                (send, failure) -> { }, gatherNanos);
    }

    private static PendingSend pending(int i) {
        return new PendingSend(new ProducerRecord<>("t", ("v" + i).getBytes()), 10, new CompletableFuture<>(),
                System.nanoTime());
    }

    @Test
    void aRecordSubmittedWithinTheGatherWindowWaitsForItsEnd() {
        long window = TimeUnit.MILLISECONDS.toNanos(300);
        try (SendThread thread = thread(window)) {
            thread.submit(pending(0));
            await().atMost(Duration.ofSeconds(10)).until(() -> sentAt.size() == 1);
            thread.submit(pending(1));
            await().atMost(Duration.ofSeconds(10)).until(() -> sentAt.size() == 2);
        }
        // The thread parked for the window right after sending the first; the second waited for that.
        assertThat(sentAt.get(1) - sentAt.get(0)).isGreaterThanOrEqualTo(window - TimeUnit.MILLISECONDS.toNanos(20));
    }

    @Test
    void whatGathersIsSentInOrderInOneRoundAfterTheWindow() {
        try (SendThread thread = thread(TimeUnit.MILLISECONDS.toNanos(300))) {
            thread.submit(pending(0));
            await().atMost(Duration.ofSeconds(10)).until(() -> sentAt.size() == 1);
            IntStream.rangeClosed(1, 50).forEach(i -> thread.submit(pending(i)));
            await().atMost(Duration.ofSeconds(10)).until(() -> sentAt.size() == 51);
        }
        assertThat(producer.history()).extracting(r -> new String(r.value()))
                .containsExactlyElementsOf(IntStream.rangeClosed(0, 50).mapToObj(i -> "v" + i).toList());
        // All fifty were queued before the window ended, so one drain took them: no pause between them.
        assertThat(sentAt.get(50) - sentAt.get(1)).isLessThan(TimeUnit.MILLISECONDS.toNanos(250));
    }

    @Test
    void closeSendsWhatIsQueuedAlthoughTheThreadIsGathering() {
        SendThread thread = thread(TimeUnit.MILLISECONDS.toNanos(200));
        thread.submit(pending(0));
        await().atMost(Duration.ofSeconds(10)).until(() -> sentAt.size() == 1);
        thread.submit(pending(1));
        thread.close();
        assertThat(producer.history()).hasSize(2);
    }

    @Test
    void aNegativeWindowIsRefused() {
        assertThatThrownBy(() -> thread(-1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("gatherNanos");
    }
}
