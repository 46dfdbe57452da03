package io.mqttbridge.db.history;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mqttbridge.db.registry.DeviceRegistryConfig;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class HistoryWriterConfigTest {

    @Test
    void defaultsAreValid() {
        assertThat(new HistoryWriterConfig().validate().getGroupId()).isEqualTo(HistoryWriterConfig.DEFAULT_GROUP_ID);
        new DeviceRegistryConfig().validate();
    }

    @Test
    void eachInvalidSettingIsNamed() {
        assertThatThrownBy(() -> new HistoryWriterConfig().setBootstrapServers(" ").validate()).hasMessageContaining("bootstrapServers");
        assertThatThrownBy(() -> new HistoryWriterConfig().setTopicPattern("(").validate()).hasMessageContaining("topicPattern");
        assertThatThrownBy(() -> new HistoryWriterConfig().setTopics(List.of("")).validate()).hasMessageContaining("topics");
        assertThatThrownBy(() -> new HistoryWriterConfig().setSessionEventsTopic("").validate()).hasMessageContaining("sessionEventsTopic");
        assertThatThrownBy(() -> new HistoryWriterConfig().setGroupId("").validate()).hasMessageContaining("groupId");
        assertThatThrownBy(() -> new HistoryWriterConfig().setBatchSize(0).validate()).hasMessageContaining("batchSize");
        assertThatThrownBy(() -> new HistoryWriterConfig().setWriterThreads(0).validate()).hasMessageContaining("writerThreads");
        assertThatThrownBy(() -> new HistoryWriterConfig().setCopyStreams(0).validate()).hasMessageContaining("copyStreams");
        assertThatThrownBy(() -> new HistoryWriterConfig().setCopyStreams(17).validate()).hasMessageContaining("copyStreams");
        assertThatThrownBy(() -> new HistoryWriterConfig().setMaxHealthyLag(-1).validate()).hasMessageContaining("maxHealthyLag");
        assertThatThrownBy(() -> new HistoryWriterConfig().setPollTimeoutMillis(0).validate()).hasMessageContaining("pollTimeoutMillis");
        assertThatThrownBy(() -> new HistoryWriterConfig().setMaxBackoffMillis(1).validate()).hasMessageContaining("maxBackoffMillis");
        assertThatThrownBy(() -> new HistoryWriterConfig().setNodeTimeoutSeconds(0).validate()).hasMessageContaining("nodeTimeoutSeconds");
        assertThatThrownBy(() -> new DeviceRegistryConfig().setThreads(0).validate()).hasMessageContaining("threads");
        assertThatThrownBy(() -> new DeviceRegistryConfig().setCacheTtlSeconds(-1).validate()).hasMessageContaining("cacheTtlSeconds");
    }

    @Test
    void subscriptionCoversListedTopicsLiterallyThePatternAndTheSessionEvents() {
        Pattern pattern = new HistoryWriterConfig().setTopics(List.of("plant.a")).setTopicPattern("telemetry-.*")
                .setSessionEventsTopic("events").subscriptionPattern();

        assertThat(pattern.matcher("plant.a").matches()).isTrue();
        assertThat(pattern.matcher("plantXa").matches()).isFalse();
        assertThat(pattern.matcher("telemetry-7").matches()).isTrue();
        assertThat(pattern.matcher("events").matches()).isTrue();
        assertThat(pattern.matcher("other").matches()).isFalse();
    }
}
