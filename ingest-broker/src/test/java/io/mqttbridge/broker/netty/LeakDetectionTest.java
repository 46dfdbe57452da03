package io.mqttbridge.broker.netty;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.util.ResourceLeakDetector;
import java.util.Properties;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class LeakDetectionTest {

    private ResourceLeakDetector.Level before;

    @BeforeEach
    void rememberLevel() {
        before = ResourceLeakDetector.getLevel();
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.SIMPLE);
    }

    @AfterEach
    void restoreLevel() {
        ResourceLeakDetector.setLevel(before);
    }

    @Test
    void offWhenNoLevelIsConfigured() {
        LeakDetection.offUnlessConfigured(new Properties());

        assertThat(ResourceLeakDetector.getLevel()).isEqualTo(ResourceLeakDetector.Level.DISABLED);
        assertThat(ResourceLeakDetector.isEnabled()).isFalse();
    }

    @Test
    void aConfiguredLevelIsLeftAsNettyReadIt() {
        Properties configured = new Properties();
        configured.setProperty(LeakDetection.LEVEL_PROPERTY, "paranoid");

        LeakDetection.offUnlessConfigured(configured);

        assertThat(ResourceLeakDetector.getLevel()).isEqualTo(ResourceLeakDetector.Level.SIMPLE);
    }

    @Test
    void theOlderPropertyNameCountsAsConfiguredToo() {
        Properties configured = new Properties();
        configured.setProperty(LeakDetection.LEGACY_LEVEL_PROPERTY, "advanced");

        LeakDetection.offUnlessConfigured(configured);

        assertThat(ResourceLeakDetector.getLevel()).isEqualTo(ResourceLeakDetector.Level.SIMPLE);
    }
}
