/**
 * Limits: admission per listener and source address, publish rate and byte limits per connection,
 * failed-authentication backoff. Their configuration is {@code config.LimitsConfig}, their counters
 * {@code metrics.LimitMetrics}.
 */
package io.mqttbridge.broker.limits;
