/**
 * Limits: admission per listener and source address, publish rate and byte limits per connection,
 * failed-authentication backoff, and their metrics.
 */
package io.mqttbridge.broker.limits;
