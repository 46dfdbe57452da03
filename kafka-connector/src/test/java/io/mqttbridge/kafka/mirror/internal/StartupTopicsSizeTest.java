package io.mqttbridge.kafka.mirror.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.mqttbridge.kafka.mirror.MessageSizeLimits;
import io.mqttbridge.testing.kafka.TestKafka;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Mirror topics admit what the broker's packet size lets in: created so, or reported at start-up. */
class StartupTopicsSizeTest {

    private static final int MIB = 1024 * 1024;
    private static final long TIMEOUT_MS = 15_000;

    private final Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, TestKafka.bootstrapServers()));

    @AfterEach
    void closeAdmin() {
        admin.close();
    }

    private static String name(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private String maxMessageBytes(String topic) throws Exception {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        return admin.describeConfigs(Set.of(resource)).all().get(TIMEOUT_MS, TimeUnit.MILLISECONDS)
                .get(resource).get("max.message.bytes").value();
    }

    @Test
    void aMirrorTopicIsCreatedAdmittingTheLargestRecordAndOtherTopicsWithKafkasDefault() throws Exception {
        String mirrorTopic = name("size-mirror");
        String eventsTopic = name("size-events");
        MessageSizeLimits sizes = MessageSizeLimits.forPacketsUpTo(4 * MIB);

        StartupTopics.ensure(TestKafka.bootstrapServers(), List.of(mirrorTopic), List.of(eventsTopic), sizes);

        assertThat(maxMessageBytes(mirrorTopic)).isEqualTo(String.valueOf(sizes.largestRecordBytes()));
        assertThat(Integer.parseInt(maxMessageBytes(eventsTopic))).isLessThan(sizes.largestRecordBytes());
    }

    @Test
    void anExistingTopicThatAdmitsLessIsReportedNamingTheTopicAndBothKeys() throws Exception {
        String small = name("size-small");
        admin.createTopics(List.of(new NewTopic(small, Optional.of(1), Optional.empty())
                .configs(Map.of("max.message.bytes", "600000")))).all().get(TIMEOUT_MS, TimeUnit.MILLISECONDS);

        Optional<String> defaultPackets = TopicSizeCheck.problem(admin, small, MessageSizeLimits.forPacketsUpTo(256 * 1024), TIMEOUT_MS);
        Optional<String> largePackets = TopicSizeCheck.problem(admin, small, MessageSizeLimits.forPacketsUpTo(MIB), TIMEOUT_MS);

        assertThat(defaultPackets).isEmpty();
        assertThat(largePackets).hasValueSatisfying(problem -> assertThat(problem)
                .contains("Kafka topic " + small + " admits records of up to 600000 bytes (max.message.bytes)")
                .contains("broker.maxPacketSize")
                .contains(String.valueOf(MIB + 256 * 1024)));
    }
}
