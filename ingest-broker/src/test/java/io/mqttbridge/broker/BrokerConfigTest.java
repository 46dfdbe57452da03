package io.mqttbridge.broker;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BrokerConfigTest {

    @Test
    void defaultsAreValid() {
        BrokerConfig config = new BrokerConfig().validate();
        assertThat(config.getPort()).isEqualTo(BrokerConfig.DEFAULT_PORT);
        assertThat(config.getHost()).isEqualTo("0.0.0.0");
    }

    @Test
    void invalidValuesAreRejectedNamingTheKey() {
        BrokerConfig badQos = new BrokerConfig();
        badQos.setMaxQos(3);
        assertThatThrownBy(badQos::validate).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'maxQos'");
        BrokerConfig badPort = new BrokerConfig();
        badPort.setPort(70_000);
        assertThatThrownBy(badPort::validate).hasMessageContaining("'port'");
        BrokerConfig badReceive = new BrokerConfig();
        badReceive.setReceiveMaximum(0);
        assertThatThrownBy(badReceive::validate).hasMessageContaining("'receiveMaximum'");
    }

    @Test
    void portInUseFailsStartNamingThePort() {
        BrokerConfig first = new BrokerConfig();
        first.setHost("127.0.0.1");
        first.setPort(0);
        MqttBroker running = new MqttBroker(first);
        running.start();
        try {
            BrokerConfig second = new BrokerConfig();
            second.setHost("127.0.0.1");
            second.setPort(running.port());
            MqttBroker clash = new MqttBroker(second);
            assertThatThrownBy(clash::start).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("127.0.0.1:" + running.port());
        } finally {
            running.stop();
        }
    }
}
