package io.mqttbridge.broker.limits;

import static org.assertj.core.api.Assertions.assertThat;

import com.codahale.metrics.MetricRegistry;
import io.mqttbridge.broker.metrics.LimitMetrics;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The budget's arithmetic over descriptor counts the test sets. */
class FileDescriptorBudgetTest {

    private final AtomicLong open = new AtomicLong();
    private final MetricRegistry registry = new MetricRegistry();
    private final FileDescriptorBudget budget = new FileDescriptorBudget(new FileDescriptorBudget.DescriptorCounts() {
        @Override
        public long open() {
            return open.get();
        }

        @Override
        public long max() {
            return 1_000;
        }
    }, 100, "MQTT", new LimitMetrics(registry)::fileDescriptorsRefused);

    private long refused() {
        return registry.meter(LimitMetrics.FILE_DESCRIPTORS).getCount();
    }

    @Test
    void connectionsAcceptedSinceTheLastCountAreAddedToItUpToTheLimitLessTheReserve() {
        open.set(850);
        budget.resample();
        List<EmbeddedChannel> admitted = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            EmbeddedChannel channel = new EmbeddedChannel();
            assertThat(budget.tryAdmit(channel)).as("connection %d", i).isTrue();
            admitted.add(channel);
        }
        assertThat(budget.estimatedOpen()).isEqualTo(900);
        assertThat(budget.tryAdmit(new EmbeddedChannel())).as("the 51st would take the reserve").isFalse();
        assertThat(refused()).isEqualTo(1);

        admitted.get(0).close();
        assertThat(budget.estimatedOpen()).isEqualTo(899);
        assertThat(budget.tryAdmit(new EmbeddedChannel())).as("one closed: room for one").isTrue();
        assertThat(budget.tryAdmit(new EmbeddedChannel())).isFalse();
    }

    @Test
    void descriptorsOpenedByOthersBetweenCountsShowAtTheNextCount() {
        open.set(500);
        budget.resample();
        assertThat(budget.tryAdmit(new EmbeddedChannel())).isTrue();
        open.set(901); // Kafka opened segments, the connection above included
        budget.resample();
        assertThat(budget.tryAdmit(new EmbeddedChannel())).isFalse();
        open.set(880);
        budget.resample();
        assertThat(budget.tryAdmit(new EmbeddedChannel())).isTrue();
        assertThat(refused()).isEqualTo(1);
    }

    @Test
    void aReserveOfZeroIsNoBudget() {
        assertThat(FileDescriptorBudget.of(0, "MQTT", new LimitMetrics(registry)::fileDescriptorsRefused)).isNull();
    }
}
