package io.mqttbridge.broker.session;

import com.codahale.metrics.MetricRegistry;
import io.mqttbridge.broker.config.BrokerConfig;
import io.mqttbridge.broker.metrics.BrokerMetrics;
import io.mqttbridge.broker.topic.TopicTree;
import io.netty.channel.DefaultEventLoop;
import io.netty.channel.EventLoop;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** The session's tasks on real event loops: one at a time, in submission order, on the current loop. */
class SessionMailboxTest {

    private final EventLoop loop = new DefaultEventLoop();
    private final EventLoop otherLoop = new DefaultEventLoop();
    private final SessionManager manager = new SessionManager(new TopicTree<>(), new InMemorySessionStore(),
            new BrokerMetrics(new MetricRegistry(), () -> 0, () -> 0), new BrokerConfig());
    private final Session session = new Session("client-1", manager, loop);
    private final SessionMailbox mailbox = session.mailbox();

    @AfterEach
    void stopLoops() {
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        otherLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }

    @Test
    void aTaskSubmittedOnTheLoopWithNothingPendingRunsAtOnceWithoutAQueue() throws Exception {
        boolean ranInside = onLoop(() -> {
            boolean[] ran = new boolean[1];
            mailbox.execute(() -> ran[0] = true);
            return ran[0];
        });
        assertThat(ranInside).isTrue();
        assertThat(queueOf(mailbox)).as("no task ever waited").isNull();
    }

    @Test
    void aTaskSubmittedByARunningTaskRunsAfterIt() throws Exception {
        List<String> order = onLoop(() -> {
            List<String> seen = new ArrayList<>();
            mailbox.execute(() -> {
                seen.add("first starts");
                mailbox.execute(() -> seen.add("second"));
                seen.add("first ends");
            });
            return seen;
        });
        assertThat(order).containsExactly("first starts", "first ends", "second");
    }

    @Test
    void tasksFromManyThreadsRunOneAtATimeOnTheLoopInEachThreadsOrder() throws Exception {
        int threads = 4;
        int perThread = 5_000;
        List<List<Integer>> seen = new ArrayList<>();
        for (int t = 0; t <= threads; t++) {
            seen.add(new ArrayList<>());
        }
        AtomicInteger running = new AtomicInteger();
        AtomicInteger overlaps = new AtomicInteger();
        AtomicInteger offLoop = new AtomicInteger();
        CountDownLatch done = new CountDownLatch((threads + 1) * perThread);
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> submitters = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int thread = t;
            submitters.add(new Thread(() -> {
                awaitQuietly(start);
                for (int i = 0; i < perThread; i++) {
                    int value = i;
                    mailbox.execute(() -> record(seen.get(thread), value, running, overlaps, offLoop, done));
                }
            }));
        }
        // The loop itself submits too, taking the direct path whenever nothing is pending.
        loop.execute(() -> awaitQuietly(start));
        for (int i = 0; i < perThread; i++) {
            int value = i;
            loop.execute(() -> mailbox.execute(() -> record(seen.get(threads), value, running, overlaps, offLoop, done)));
        }
        submitters.forEach(Thread::start);
        start.countDown();

        assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
        assertThat(overlaps).hasValue(0);
        assertThat(offLoop).hasValue(0);
        for (List<Integer> values : seen) {
            assertThat(values).hasSize(perThread).isSorted();
        }
    }

    @Test
    void afterAMoveTheTasksRunOnTheNewLoop() throws Exception {
        CompletableFuture<Boolean> onNewLoop = new CompletableFuture<>();
        onLoop(() -> {
            mailbox.execute(() -> mailbox.moveTo(otherLoop));
            return null;
        });
        mailbox.execute(() -> onNewLoop.complete(otherLoop.inEventLoop()));
        assertThat(onNewLoop.get(5, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void aFailingTaskDoesNotStopTheOnesAfterIt() throws Exception {
        CompletableFuture<String> after = new CompletableFuture<>();
        mailbox.execute(() -> {
            throw new IllegalStateException("a task's own failure");
        });
        mailbox.execute(() -> after.complete("ran"));
        assertThat(after.get(5, TimeUnit.SECONDS)).isEqualTo("ran");
    }

    private void record(List<Integer> values, int value, AtomicInteger running, AtomicInteger overlaps,
                        AtomicInteger offLoop, CountDownLatch done) {
        if (running.incrementAndGet() != 1) {
            overlaps.incrementAndGet();
        }
        if (!loop.inEventLoop()) {
            offLoop.incrementAndGet();
        }
        values.add(value);
        running.decrementAndGet();
        done.countDown();
    }

    private <T> T onLoop(Callable<T> action) throws Exception {
        return loop.submit(action).get(5, TimeUnit.SECONDS);
    }

    private static Object queueOf(SessionMailbox mailbox) throws ReflectiveOperationException {
        var field = SessionMailbox.class.getDeclaredField("tasks");
        field.setAccessible(true);
        return field.get(mailbox);
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
