package io.mqttbridge.broker.auth.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import org.junit.jupiter.api.Test;

class VerificationExecutorTest {

    @Test
    void rejectsWorkBeyondItsThreadsAndQueue() throws InterruptedException {
        ThreadPoolExecutor executor = VerificationExecutor.create(1, 1);
        CountDownLatch release = new CountDownLatch(1);
        try {
            executor.execute(() -> awaitQuietly(release));
            await().until(() -> executor.getActiveCount() == 1);
            executor.execute(() -> { });

            assertThatThrownBy(() -> executor.execute(() -> { })).isInstanceOf(RejectedExecutionException.class);
        } finally {
            release.countDown();
            executor.shutdown();
        }
        assertThat(executor.awaitTermination(5, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void threadsAreNamedDaemons() {
        ThreadPoolExecutor executor = VerificationExecutor.create(1, 1);
        try {
            java.util.concurrent.CompletableFuture<Thread> thread =
                    java.util.concurrent.CompletableFuture.supplyAsync(Thread::currentThread, executor);
            assertThat(thread.join().getName()).startsWith("password-verify-");
            assertThat(thread.join().isDaemon()).isTrue();
        } finally {
            executor.shutdown();
        }
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
