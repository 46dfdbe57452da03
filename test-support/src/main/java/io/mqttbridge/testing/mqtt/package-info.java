/**
 * {@link io.mqttbridge.testing.mqtt.RawMqttClient}: MQTT over a plain socket, by hand-made bytes
 * or Netty's codec, for what real client libraries do not let a test do.
 */
package io.mqttbridge.testing.mqtt;
