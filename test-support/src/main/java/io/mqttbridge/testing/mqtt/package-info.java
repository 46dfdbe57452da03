/**
 * MQTT clients for tests: {@link io.mqttbridge.testing.mqtt.RawMqttClient}, MQTT over a plain
 * socket, by hand-made bytes or Netty's codec, for what real client libraries do not let a test do;
 * {@link io.mqttbridge.testing.mqtt.PahoV5Collector} and {@link
 * io.mqttbridge.testing.mqtt.PahoV3Collector}, the callbacks that record what a Paho client receives.
 */
package io.mqttbridge.testing.mqtt;
