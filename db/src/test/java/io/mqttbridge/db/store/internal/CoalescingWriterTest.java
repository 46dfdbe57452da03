package io.mqttbridge.db.store.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class CoalescingWriterTest {

    /** A span wait no test reaches: a span is broken only by what the test does. */
    private static final long NEVER_BROKEN = TimeUnit.MINUTES.toMillis(10);

    private final List<Map<String, String>> applied = new CopyOnWriteArrayList<>();
    private final CountDownLatch firstBatchEntered = new CountDownLatch(1);
    private final CountDownLatch releaseFirstBatch = new CountDownLatch(1);
    private final List<CoalescingWriter<String, String>> writers = new ArrayList<>();

    @AfterEach
    void close() {
        releaseFirstBatch.countDown();
        writers.forEach(CoalescingWriter::close);
    }

    /** A writer whose first batch waits until released, so that later writes pile up behind it. */
    private CoalescingWriter<String, String> writer(String failingValue) {
        return writer(failingValue, CoalescingWriter.SPAN_WAIT_MILLIS);
    }

    private CoalescingWriter<String, String> writer(String failingValue, long spanWaitMillis) {
        CoalescingWriter<String, String> writer = new CoalescingWriter<>("test-writer", latest -> {
            if (applied.isEmpty()) {
                firstBatchEntered.countDown();
                releaseFirstBatch.await(10, TimeUnit.SECONDS);
            }
            if (failingValue != null && latest.containsValue(failingValue)) {
                throw new IllegalArgumentException("cannot store " + failingValue);
            }
            applied.add(new LinkedHashMap<>(latest));
        }, spanWaitMillis);
        writers.add(writer);
        return writer;
    }

    @Test
    void writesQueuedTogetherReachTheApplierOnceWithTheLastValueOfEachKey() throws Exception {
        CoalescingWriter<String, String> writer = writer(null);
        writer.submit("first", "x");
        assertThat(firstBatchEntered.await(10, TimeUnit.SECONDS)).isTrue();
        CompletableFuture<Void> a1 = writer.submit("a", "1");
        writer.submit("b", "1");
        writer.submit("a", "2");
        CompletableFuture<Void> aRemoved = writer.submit("a", null);
        CompletableFuture<Void> c = writer.submit("c", "1");
        releaseFirstBatch.countDown();
        CompletableFuture.allOf(a1, aRemoved, c).get(10, TimeUnit.SECONDS);

        Map<String, String> expected = new LinkedHashMap<>();
        expected.put("b", "1");
        expected.put("a", null);
        expected.put("c", "1");
        assertThat(applied).containsExactly(Map.of("first", "x"), expected);
    }

    @Test
    void aFailingValueFailsOnlyTheWritesOfItsKey() throws Exception {
        CoalescingWriter<String, String> writer = writer("bad");
        writer.submit("first", "x");
        assertThat(firstBatchEntered.await(10, TimeUnit.SECONDS)).isTrue();
        CompletableFuture<Void> good = writer.submit("good", "1");
        CompletableFuture<Void> bad = writer.submit("broken", "bad");
        releaseFirstBatch.countDown();

        good.get(10, TimeUnit.SECONDS);
        assertThatThrownBy(() -> bad.get(10, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .hasRootCauseMessage("cannot store bad");
        assertThat(applied).contains(Map.of("good", "1"));
    }

    @Test
    void taskRunsAfterEarlierWritesAndBarrierWaitsForThem() throws Exception {
        CoalescingWriter<String, String> writer = writer(null);
        writer.submit("first", "x");
        assertThat(firstBatchEntered.await(10, TimeUnit.SECONDS)).isTrue();
        writer.submit("second", "y");
        CompletableFuture<Integer> seen = writer.run(applied::size);
        CompletableFuture<Void> barrier = writer.barrier();
        releaseFirstBatch.countDown();

        assertThat(seen.get(10, TimeUnit.SECONDS)).isEqualTo(2);
        barrier.get(10, TimeUnit.SECONDS);
    }

    @Test
    void closeAppliesQueuedWritesAndRefusesNewOnes() {
        CoalescingWriter<String, String> writer = writer(null);
        releaseFirstBatch.countDown();
        CompletableFuture<Void> queued = writer.submit("k", "v");
        writer.close();

        assertThat(queued).isCompleted();
        assertThat(writer.submit("k", "w")).isCompletedExceptionally();
    }

    @Test
    void aFailureCausedNeitherByTheDataNorByAnUnreachableDatabaseFailsTheWholeBatchWithoutRetries() throws Exception {
        List<Map<String, String>> attempts = new CopyOnWriteArrayList<>();
        CoalescingWriter<String, String> writer = new CoalescingWriter<>("test-writer", latest -> {
            attempts.add(new LinkedHashMap<>(latest));
            if (attempts.size() == 1) {
                firstBatchEntered.countDown();
                releaseFirstBatch.await(10, TimeUnit.SECONDS);
                return;
            }
            throw new java.sql.SQLException("relation does not exist", "42P01");
        });
        writers.add(writer);
        writer.submit("first", "x");
        assertThat(firstBatchEntered.await(10, TimeUnit.SECONDS)).isTrue();
        CompletableFuture<Void> a = writer.submit("a", "1");
        CompletableFuture<Void> b = writer.submit("b", "1");
        releaseFirstBatch.countDown();

        assertThatThrownBy(() -> a.get(10, TimeUnit.SECONDS)).hasRootCauseMessage("relation does not exist");
        assertThatThrownBy(() -> b.get(10, TimeUnit.SECONDS)).hasRootCauseMessage("relation does not exist");
        assertThat(attempts).hasSize(2);
    }

    @Test
    void aBatchFailingBecauseTheDatabaseIsUnreachableIsRetriedUntilItIsBackAndThenCompletes() throws Exception {
        List<Map<String, String>> attempts = new CopyOnWriteArrayList<>();
        CoalescingWriter<String, String> writer = new CoalescingWriter<>("test-writer", latest -> {
            attempts.add(new LinkedHashMap<>(latest));
            if (attempts.size() <= 3) {
                // How a refused connection reaches the writer: wrapped, SQLSTATE 08001 inside.
                throw new RuntimeException(new java.sql.SQLException("Connection refused", "08001"));
            }
            if (attempts.size() == 4) {
                throw new java.sql.SQLTransientConnectionException("pool timed out");
            }
        });
        writers.add(writer);
        CompletableFuture<Void> a = writer.submit("a", "1");

        a.get(10, TimeUnit.SECONDS);
        assertThat(attempts).hasSize(5).allSatisfy(batch -> assertThat(batch).containsEntry("a", "1"));
    }

    @Test
    void aBatchRolledBackByADeadlockOrASerializationFailureIsAppliedAgain() throws Exception {
        List<Map<String, String>> attempts = new CopyOnWriteArrayList<>();
        CoalescingWriter<String, String> writer = new CoalescingWriter<>("test-writer", latest -> {
            attempts.add(new LinkedHashMap<>(latest));
            if (attempts.size() == 1) {
                throw new RuntimeException(new java.sql.SQLException("deadlock detected", "40P01"));
            }
            if (attempts.size() == 2) {
                throw new java.sql.SQLException("could not serialize access", "40001");
            }
        });
        writers.add(writer);
        CompletableFuture<Void> a = writer.submit("a", "1");

        a.get(10, TimeUnit.SECONDS);
        assertThat(attempts).hasSize(3).allSatisfy(batch -> assertThat(batch).containsEntry("a", "1"));
    }

    @Test
    void aBatchThatKeepsMeetingConflictsFailsInTheEnd() {
        List<Map<String, String>> attempts = new CopyOnWriteArrayList<>();
        CoalescingWriter<String, String> writer = new CoalescingWriter<>("test-writer", latest -> {
            attempts.add(new LinkedHashMap<>(latest));
            throw new java.sql.SQLException("deadlock detected", "40P01");
        });
        writers.add(writer);

        assertThatThrownBy(() -> writer.submit("a", "1").get(30, TimeUnit.SECONDS))
                .hasRootCauseMessage("deadlock detected");
        assertThat(attempts).hasSize(BatchRetries.MAX_CONFLICT_RETRIES + 1);
    }

    @Test
    void writesRetriedForAnUnreachableDatabaseFailWhenTheWriterCloses() {
        CoalescingWriter<String, String> writer = new CoalescingWriter<>("test-writer", latest -> {
            throw new java.sql.SQLException("the database system is shutting down", "57P03");
        });
        CompletableFuture<Void> a = writer.submit("a", "1");
        writer.close(10_000);

        assertThat(a).isCompletedExceptionally();
    }

    @Test
    void writesWithinASpanWaitForItsEndAndShareOneBatchEvenWhenTheWriterIsIdle() throws Exception {
        CoalescingWriter<String, String> writer = writer(null, NEVER_BROKEN);
        releaseFirstBatch.countDown();
        CoalescingWriter.Span span = writer.openSpan();
        CompletableFuture<Void> a = writer.submit("a", "1");
        await().during(Duration.ofMillis(100)).atMost(Duration.ofSeconds(5)).until(() -> !a.isDone());
        CompletableFuture<Void> b = writer.submit("b", "1");
        span.close();
        CompletableFuture<Void> c = writer.submit("c", "1");
        CompletableFuture.allOf(a, b, c).get(10, TimeUnit.SECONDS);

        assertThat(applied.get(0)).containsKeys("a", "b");
        assertThat(writer.brokenSpans()).isZero();
    }

    @Test
    void writesBeforeASpanAreCommittedWithoutWaitingForIt() throws Exception {
        CoalescingWriter<String, String> writer = writer(null, NEVER_BROKEN);
        writer.submit("first", "x");
        assertThat(firstBatchEntered.await(10, TimeUnit.SECONDS)).isTrue();
        CompletableFuture<Void> before = writer.submit("before", "1");
        CoalescingWriter.Span span = writer.openSpan();
        CompletableFuture<Void> within = writer.submit("within", "1");
        releaseFirstBatch.countDown();

        before.get(10, TimeUnit.SECONDS);
        assertThat(within).isNotDone();
        span.close();
        within.get(10, TimeUnit.SECONDS);
        assertThat(applied).containsExactly(Map.of("first", "x"), Map.of("before", "1"), Map.of("within", "1"));
    }

    @Test
    void overlappingSpansAreCommittedTogetherOnceTheLastEnds() throws Exception {
        CoalescingWriter<String, String> writer = writer(null, NEVER_BROKEN);
        releaseFirstBatch.countDown();
        CoalescingWriter.Span first = writer.openSpan();
        CompletableFuture<Void> a = writer.submit("a", "1");
        CoalescingWriter.Span second = writer.openSpan();
        writer.submit("b", "1");
        first.close();
        CompletableFuture<Void> c = writer.submit("c", "1");
        await().during(Duration.ofMillis(100)).atMost(Duration.ofSeconds(5)).until(() -> !a.isDone());
        second.close();
        CompletableFuture.allOf(a, c).get(10, TimeUnit.SECONDS);

        assertThat(applied).containsExactly(Map.of("a", "1", "b", "1", "c", "1"));
    }

    @Test
    void aSpanLeftOpenIsBrokenAfterTheWaitSoNothingWaitsForItForever() throws Exception {
        CoalescingWriter<String, String> writer = new CoalescingWriter<>("test-writer",
                latest -> applied.add(new LinkedHashMap<>(latest)), 50);
        writers.add(writer);
        writer.openSpan();
        CompletableFuture<Void> a = writer.submit("a", "1");

        a.get(10, TimeUnit.SECONDS);
        assertThat(writer.brokenSpans()).isEqualTo(1);
    }

    @Test
    void aBarrierBreaksASpanStillOpenInsteadOfWaitingForIt() throws Exception {
        // Whoever would end the span may be waiting for the barrier: it must not wait for the span.
        CoalescingWriter<String, String> writer = new CoalescingWriter<>("test-writer",
                latest -> applied.add(new LinkedHashMap<>(latest)), TimeUnit.MINUTES.toMillis(10));
        writers.add(writer);
        CoalescingWriter.Span span = writer.openSpan();
        CompletableFuture<Void> a = writer.submit("a", "1");

        writer.barrier().get(10, TimeUnit.SECONDS);
        assertThat(a).isCompleted();
        assertThat(writer.brokenSpans()).isEqualTo(1);
        span.close();
        writer.submit("b", "1").get(10, TimeUnit.SECONDS);
    }
}
