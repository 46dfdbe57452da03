/**
 * The metrics in Prometheus' text format, served on the admin port.
 */
package io.mqttbridge.api.resources.prometheus;
