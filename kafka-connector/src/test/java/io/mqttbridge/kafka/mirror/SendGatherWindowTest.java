package io.mqttbridge.kafka.mirror;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class SendGatherWindowTest {

    private static long windowFor(int lingerMs) {
        return KafkaPublishSink.gatherNanos(new ProducerSettings().setLingerMs(lingerMs));
    }

    @Test
    void theSendThreadGathersForAFifthOfTheLingerAtMostOneMillisecond() {
        assertThat(windowFor(0)).isZero();
        assertThat(windowFor(2)).isEqualTo(TimeUnit.MICROSECONDS.toNanos(400));
        assertThat(windowFor(ProducerSettings.DEFAULT_LINGER_MS)).isEqualTo(TimeUnit.MILLISECONDS.toNanos(1));
        assertThat(windowFor(50)).isEqualTo(KafkaPublishSink.MAX_GATHER_NANOS);
    }
}
