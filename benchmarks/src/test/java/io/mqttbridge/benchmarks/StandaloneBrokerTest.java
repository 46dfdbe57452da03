package io.mqttbridge.benchmarks;

import io.mqttbridge.broker.config.BrokerConfig;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class StandaloneBrokerTest {

    @Test
    void withoutOptionsListensOnLoopbackWithMosquittosQueueLimits() {
        BrokerConfig config = StandaloneBroker.parse(new String[0]);
        assertThat(config.getHost()).isEqualTo("127.0.0.1");
        assertThat(config.getPort()).isEqualTo(1883);
        assertThat(config.getMaxInflightOutbound()).isEqualTo(1000);
        assertThat(config.getMaxQueuedMessagesPerSession()).isEqualTo(1_000_000);
    }

    @Test
    void optionsOverrideTheDefaults() {
        BrokerConfig config = StandaloneBroker.parse(new String[] {
                "--port", "0", "--host", "127.0.0.2", "--worker-threads", "1", "--max-inflight", "32",
                "--max-queued", "10"});
        assertThat(config.getPort()).isZero();
        assertThat(config.getHost()).isEqualTo("127.0.0.2");
        assertThat(config.getWorkerThreads()).isEqualTo(1);
        assertThat(config.getMaxInflightOutbound()).isEqualTo(32);
        assertThat(config.getMaxQueuedMessagesPerSession()).isEqualTo(10);
    }

    @Test
    void nonLoopbackHostIsRefusedNamingTheOption() {
        assertThatThrownBy(() -> StandaloneBroker.parse(new String[] {"--host", "0.0.0.0"}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--host").hasMessageContaining("0.0.0.0");
    }

    @Test
    void unknownOptionMissingValueAndNonNumberAreNamed() {
        assertThatThrownBy(() -> StandaloneBroker.parse(new String[] {"--prot", "1"}))
                .hasMessageContaining("unknown option --prot");
        assertThatThrownBy(() -> StandaloneBroker.parse(new String[] {"--port"}))
                .hasMessageContaining("--port needs a value");
        assertThatThrownBy(() -> StandaloneBroker.parse(new String[] {"--max-inflight", "lots"}))
                .hasMessageContaining("--max-inflight").hasMessageContaining("lots");
    }

    @Test
    void outOfRangeValueIsRefusedByTheBrokerConfigNamingItsKey() {
        assertThatThrownBy(() -> StandaloneBroker.parse(new String[] {"--max-inflight", "0"}))
                .hasMessageContaining("maxInflightOutbound");
    }
}
