/**
 * The channel pipeline of one client connection: {@link
 * io.mqttbridge.broker.pipeline.MqttChannelInitializer} puts the transport, codec, metrics, guard,
 * connect and packet handlers in order; {@link io.mqttbridge.broker.pipeline.PacketDispatcher} hands
 * each packet to its handler after CONNECT; {@link io.mqttbridge.broker.pipeline.TrafficMetricsHandler}
 * counts bytes and packets per connection. The layer just below {@code MqttBroker}: it knows every
 * handler, no handler knows it.
 */
package io.mqttbridge.broker.pipeline;
