/**
 * The MQTT broker: {@link io.mqttbridge.broker.MqttBroker} (entry point: start, stop, publish,
 * live state) and {@link io.mqttbridge.broker.config.BrokerConfig}. The broker core depends on Netty,
 * Dropwizard Metrics and SLF4J only; everything else comes in through {@link
 * io.mqttbridge.broker.spi}.
 */
package io.mqttbridge.broker;
