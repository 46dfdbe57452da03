package io.mqttbridge.api.health;

import com.codahale.metrics.health.HealthCheck;
import io.mqttbridge.broker.MqttBroker;

/** The MQTT listener is bound and accepting connections. */
public class BrokerHealthCheck extends HealthCheck {

    private final MqttBroker broker;

    public BrokerHealthCheck(MqttBroker broker) {
        this.broker = broker;
    }

    @Override
    protected Result check() {
        return broker.isRunning()
                ? Result.healthy("listening on port %d, %d client(s)", broker.port(), broker.connectedClients().size())
                : Result.unhealthy("the MQTT listener is not running");
    }
}
