/**
 * The broker's metrics (names under {@code mqtt.}), the limits' counters ({@code mqtt.limits.*}), and
 * the byte and message counting per connection, added to the meters per flush. The handler that
 * counts on the channel is {@code pipeline.WireFormatCheck}, through {@code pipeline.TrafficMeter}.
 */
package io.mqttbridge.broker.metrics;
