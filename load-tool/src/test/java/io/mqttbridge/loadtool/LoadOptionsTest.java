package io.mqttbridge.loadtool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class LoadOptionsTest {

    private static LoadOptions fanIn() {
        return new LoadOptions().set("scenario", "fan-in");
    }

    @Test
    void defaultsAreValid() {
        LoadOptions options = fanIn();

        assertThatCode(() -> options.validate(20_000)).doesNotThrowAnyException();
        assertThat(options.duration()).isEqualTo(Duration.ofSeconds(10));
        assertThat(options.payloadSize()).isEqualTo(100);
        assertThat(options.sourceAddresses()).hasSize(LoadOptions.DEFAULT_SOURCE_ADDRESSES);
    }

    @Test
    void nonLoopbackTargetsAreRefused() {
        assertThatThrownBy(() -> fanIn().set("host", "10.0.0.1").validate(20_000))
                .hasMessageStartingWith("--host: only loopback");
        assertThatThrownBy(() -> fanIn().set("host", "192.168.1.1").validate(20_000))
                .hasMessageStartingWith("--host: only loopback");
        assertThatCode(() -> fanIn().set("host", "127.0.0.2").validate(20_000)).doesNotThrowAnyException();
    }

    @Test
    void unknownScenarioNamesTheChoices() {
        assertThatThrownBy(() -> new LoadOptions().set("scenario", "fanin").validate(20_000))
                .hasMessageStartingWith("--scenario: unknown scenario 'fanin'").hasMessageContaining("fan-in");
        assertThatThrownBy(() -> new LoadOptions().validate(20_000)).hasMessage("--scenario: required");
    }

    @Test
    void badValuesNameTheirOption() {
        assertThatThrownBy(() -> fanIn().set("qos", 3).validate(20_000)).hasMessageStartingWith("--qos:");
        assertThatThrownBy(() -> fanIn().set("duration", "ten").validate(20_000)).hasMessageStartingWith("--duration:");
        assertThatThrownBy(() -> fanIn().set("warmup", "10s").validate(20_000)).hasMessageStartingWith("--warmup:");
        assertThatThrownBy(() -> fanIn().set("payload-size", 10).validate(20_000)).hasMessageStartingWith("--payload-size:");
        assertThatThrownBy(() -> fanIn().set("rate", -1).validate(20_000)).hasMessageStartingWith("--rate:");
        assertThatThrownBy(() -> fanIn().set("inflight", 0).validate(20_000)).hasMessageStartingWith("--inflight:");
    }

    @Test
    void aFailoverKillsOnlyWithAnotherNodeToComeBackTo() {
        LoadOptions storm = new LoadOptions().set("scenario", "reconnect-storm").set("qos", 1).set("port", 1885);
        assertThatThrownBy(() -> storm.set("kill-pid", 4242).validate(20_000)).hasMessageStartingWith("--kill-pid:");
        assertThatCode(() -> storm.set("failover-port", 1884).validate(20_000)).doesNotThrowAnyException();
        assertThat(storm.failoverAddress().getPort()).isEqualTo(1884);
        assertThat(storm.brokerAddress().getPort()).isEqualTo(1885);
        assertThatThrownBy(() -> storm.set("failover-port", 70_000).validate(20_000))
                .hasMessageStartingWith("--failover-port:");
    }

    @Test
    void connectionsBeyondTheOpenFilesLimitAreRefused() {
        LoadOptions options = new LoadOptions().set("scenario", "idle-connections").set("connections", 19_900);

        assertThatThrownBy(() -> options.validate(20_000))
                .hasMessageStartingWith("--connections: 19900 sockets exceed this process's open-files limit of 20000");
        assertThatCode(() -> options.set("connections", 19_000).validate(20_000)).doesNotThrowAnyException();
    }

    @Test
    void durationsAcceptShortForms() {
        assertThat(DurationParser.parse("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(DurationParser.parse("2m")).isEqualTo(Duration.ofMinutes(2));
        assertThat(DurationParser.parse("PT3S")).isEqualTo(Duration.ofSeconds(3));
    }

    @Test
    void reconnectStormNeedsQos1Or2AndASocketForItsPublisher() {
        LoadOptions storm = new LoadOptions().set("scenario", "reconnect-storm").set("connections", 100);
        assertThatThrownBy(() -> storm.validate(20_000)).hasMessageStartingWith("--qos:")
                .hasMessageContaining("QoS 1 or 2");
        storm.set("qos", 1).validate(20_000);
        assertThatThrownBy(() -> storm.set("messages-per-client", -1).validate(20_000))
                .hasMessageStartingWith("--messages-per-client:");
        storm.set("messages-per-client", 1);
        // 100 clients + 1 publisher + the reserve do not fit in 300 descriptors.
        assertThatThrownBy(() -> storm.validate(300)).hasMessageStartingWith("--connections:");
        storm.validate(301);
    }

    @Test
    void kafkaProducerOptionsAreCheckedAndTheTargetStaysOnLoopback() {
        LoadOptions producer = new LoadOptions().set("scenario", "kafka-producer").set("port", 9092);
        assertThatCode(() -> producer.validate(20_000)).doesNotThrowAnyException();
        assertThat(producer.kafkaTopic()).isEqualTo(LoadOptions.DEFAULT_KAFKA_TOPIC);
        assertThat(producer.kafkaHeaders()).as("records carry the mirror's headers unless told").isTrue();
        assertThat(new LoadOptions().set("kafka-headers", "false").kafkaHeaders()).isFalse();
        assertThatThrownBy(() -> new LoadOptions().set("scenario", "kafka-producer").set("kafka-partitions", 0)
                .validate(20_000)).hasMessageStartingWith("--kafka-partitions:");
        assertThatThrownBy(() -> new LoadOptions().set("scenario", "kafka-producer").set("kafka-topic", "a b")
                .validate(20_000)).hasMessageStartingWith("--kafka-topic:");
        assertThatThrownBy(() -> new LoadOptions().set("scenario", "kafka-producer").set("host", "10.0.0.1")
                .validate(20_000)).hasMessageStartingWith("--host: only loopback");
    }
}
