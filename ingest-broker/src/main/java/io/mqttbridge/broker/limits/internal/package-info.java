/**
 * The handlers and token buckets behind the limits.
 */
package io.mqttbridge.broker.limits.internal;
