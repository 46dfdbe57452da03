/**
 * Measurement: payloads with sequence numbers, rate schedules, loss and order tracking, process
 * statistics.
 */
package io.mqttbridge.loadtool.measure;
