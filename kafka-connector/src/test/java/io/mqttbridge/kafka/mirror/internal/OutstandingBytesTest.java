package io.mqttbridge.kafka.mirror.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class OutstandingBytesTest {

    @Test
    void stopsAcceptingAboveHighWaterAndResumesOnlyBelowLowWater() {
        OutstandingBytes bytes = new OutstandingBytes(100, 50, 200);
        List<Boolean> signals = new ArrayList<>();
        bytes.addListener(() -> signals.add(bytes.isAccepting()));

        bytes.tryAcquire(101);
        assertThat(bytes.isAccepting()).isFalse();
        bytes.release(40);
        assertThat(bytes.isAccepting()).as("61 bytes: between the marks").isFalse();
        bytes.release(20);
        assertThat(bytes.isAccepting()).isTrue();
        assertThat(signals).containsExactly(false, true);
    }

    @Test
    void refusesBeyondTheLimitButLetsASingleOversizedMessageThroughWhenIdle() {
        OutstandingBytes bytes = new OutstandingBytes(100, 50, 200);

        assertThat(bytes.tryAcquire(150)).isTrue();
        assertThat(bytes.tryAcquire(51)).isFalse();
        assertThat(bytes.current()).isEqualTo(150);
        bytes.release(150);
        assertThat(bytes.tryAcquire(1_000)).isTrue();
    }

    @Test
    void concurrentAcquireAndReleaseEndAcceptingWithNothingOutstanding() throws Exception {
        OutstandingBytes bytes = new OutstandingBytes(1_000, 500, Long.MAX_VALUE);
        ExecutorService threads = Executors.newFixedThreadPool(4);
        CountDownLatch done = new CountDownLatch(4);
        for (int t = 0; t < 4; t++) {
            threads.execute(() -> {
                for (int i = 0; i < 50_000; i++) {
                    bytes.tryAcquire(300);
                    bytes.release(300);
                }
                done.countDown();
            });
        }
        assertThat(done.await(60, TimeUnit.SECONDS)).isTrue();
        threads.shutdown();

        assertThat(bytes.current()).isZero();
        assertThat(bytes.isAccepting()).isTrue();
    }
}
