package io.mqttbridge.broker.netty;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.util.ResourceLeakDetector;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class LeakDetectionTest {

    @Test
    void offWhenNoLevelIsConfigured() {
        Properties properties = new Properties();

        LeakDetection.offUnlessConfigured(properties);

        String level = properties.getProperty(LeakDetection.LEVEL_PROPERTY);
        assertThat(ResourceLeakDetector.Level.valueOf(level.toUpperCase(java.util.Locale.ROOT))).isEqualTo(ResourceLeakDetector.Level.DISABLED);
    }

    @Test
    void aConfiguredLevelIsLeftAsGiven() {
        Properties configured = new Properties();
        configured.setProperty(LeakDetection.LEVEL_PROPERTY, "paranoid");

        LeakDetection.offUnlessConfigured(configured);

        assertThat(configured.getProperty(LeakDetection.LEVEL_PROPERTY)).isEqualTo("paranoid");
    }

    @Test
    void theOlderPropertyNameCountsAsConfiguredToo() {
        Properties configured = new Properties();
        configured.setProperty(LeakDetection.LEGACY_LEVEL_PROPERTY, "advanced");

        LeakDetection.offUnlessConfigured(configured);

        assertThat(configured.getProperty(LeakDetection.LEVEL_PROPERTY)).isNull();
        assertThat(configured.getProperty(LeakDetection.LEGACY_LEVEL_PROPERTY)).isEqualTo("advanced");
    }
}
