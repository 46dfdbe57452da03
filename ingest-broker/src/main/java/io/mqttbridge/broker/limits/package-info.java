/**
 * Limits: admission per listener and source address, publish rate and byte limits per connection,
 * failed-authentication backoff, and the bounds over all connections on what the broker holds for them
 * (file descriptors, bytes before CONNECT, bytes of incomplete packets). Their configuration is
 * {@code config.LimitsConfig}, their counters {@code metrics.LimitMetrics}.
 */
package io.mqttbridge.broker.limits;
