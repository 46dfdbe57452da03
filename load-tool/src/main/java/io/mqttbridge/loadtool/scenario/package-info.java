/**
 * The scenarios: connection storms and messaging runs (fan-in, fan-out) with their publishers and
 * subscribers.
 */
package io.mqttbridge.loadtool.scenario;
