package io.mqttbridge.broker.limits.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.codahale.metrics.MetricRegistry;
import io.mqttbridge.broker.metrics.LimitMetrics;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PendingBytesTest {

    private final MetricRegistry registry = new MetricRegistry();
    private final PendingBytes budget = new PendingBytes(1_000, "maxPendingConnectBytes", "bytes sent before CONNECT",
            new LimitMetrics(registry)::pendingConnectBytesRefused);
    private final List<String> evicted = new ArrayList<>();

    /** A connection that holds what it reserved; an eviction closes it, handled by {@link #closeHandled}. */
    private final class Connection implements PendingBytes.Holder {
        final String name;
        final long place;
        long held;
        long closing;
        boolean finished;

        Connection(String name) {
            this.name = name;
            this.place = budget.enter(this);
        }

        boolean read(long bytes) {
            boolean taken = budget.tryReserve(place, held, bytes);
            if (taken) {
                held += bytes;
            }
            return taken;
        }

        @Override
        public boolean evict() {
            if (finished) {
                return false;
            }
            evicted.add(name);
            closing = held;
            budget.closing(closing);
            return true;
        }

        /** Its event loop handled the close: what it held is given back. */
        void closeHandled() {
            budget.leave(place);
            budget.release(held);
            budget.closed(closing);
            held = 0;
        }
    }

    private long refused() {
        return registry.meter(LimitMetrics.PENDING_CONNECT_BYTES).getCount();
    }

    @Test
    void readsFitUntilTheBoundThenTheOldestOtherConnectionsAreClosedForTheNewRead() {
        Connection oldest = new Connection("oldest");
        Connection middle = new Connection("middle");
        Connection reader = new Connection("reader");
        assertThat(oldest.read(400)).isTrue();
        assertThat(middle.read(400)).isTrue();
        assertThat(reader.read(100)).isTrue();

        assertThat(reader.read(300)).isTrue();

        assertThat(evicted).containsExactly("oldest");
        assertThat(refused()).isEqualTo(1);
        assertThat(budget.reserved()).as("the oldest's bytes count until its close is handled").isEqualTo(1_200);
        oldest.closeHandled();
        assertThat(budget.reserved()).isEqualTo(800);
        assertThat(middle.read(200)).isTrue();
        assertThat(evicted).containsExactly("oldest");
    }

    @Test
    void asManyOfTheOldestAreClosedAsTheReadNeedsAndNeverTheReaderItself() {
        Connection first = new Connection("first");
        Connection reader = new Connection("reader");
        Connection second = new Connection("second");
        Connection third = new Connection("third");
        first.read(200);
        reader.read(100);
        second.read(300);
        third.read(300);

        assertThat(reader.read(550)).isTrue();

        assertThat(evicted).containsExactly("first", "second");
    }

    @Test
    void connectionsBeingClosedMayHoldAtMostAsMuchAgainAsTheBound() {
        Connection a = new Connection("a");
        Connection b = new Connection("b");
        Connection reader = new Connection("reader");
        Connection late = new Connection("late");
        a.read(1_000);
        assertThat(b.read(600)).isTrue();
        assertThat(evicted).containsExactly("a");
        assertThat(reader.read(400)).isTrue();

        // 2,000 counted (1,000 of them closing): nothing more fits until a close is handled, and no one
        // else is closed for it, since that would not make room.
        assertThat(late.read(1)).isFalse();
        assertThat(evicted).containsExactly("a");
        a.closeHandled();
        assertThat(late.read(1)).isTrue();
        assertThat(evicted).as("the bound is full again: the oldest left makes room").containsExactly("a", "b");
    }

    @Test
    void aReadThatCouldNotFitWithNoOtherConnectionClosesNoOther() {
        Connection other = new Connection("other");
        Connection reader = new Connection("reader");
        other.read(500);
        reader.read(400);

        assertThat(reader.read(700)).isFalse();

        assertThat(evicted).isEmpty();
        assertThat(budget.reserved()).isEqualTo(900);
        assertThat(refused()).isEqualTo(1);
    }

    @Test
    void aConnectionWhoseConnectArrivedIsNotClosedAndOneThatLeftIsNotConsidered() {
        Connection finishing = new Connection("finishing");
        Connection left = new Connection("left");
        Connection reader = new Connection("reader");
        finishing.read(600);
        left.read(100);
        left.closeHandled();
        finishing.finished = true; // its CONNECT arrived while the reader looked for room

        assertThat(reader.read(500)).isFalse();

        assertThat(evicted).isEmpty();
        assertThat(refused()).isEqualTo(1);
    }

    @Test
    void bytesGivenBackMakeRoomWithoutClosingAnyone() {
        Connection done = new Connection("done");
        Connection reader = new Connection("reader");
        done.read(900);
        budget.leave(done.place);
        budget.release(900);

        assertThat(reader.read(1_000)).isTrue();

        assertThat(evicted).isEmpty();
        assertThat(refused()).isZero();
    }

    @Test
    void withoutABoundEverythingFits() {
        PendingBytes unbounded = new PendingBytes(0, "maxPendingConnectBytes", "bytes sent before CONNECT", () -> { });

        assertThat(unbounded.tryReserve(1, 0, Long.MAX_VALUE / 2)).isTrue();
        assertThat(unbounded.isBounded()).isFalse();
    }
}
