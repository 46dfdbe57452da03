/**
 * The MQTT load generator: command line, scenarios and their results. Depends on nothing of ours,
 * so it measures any broker.
 */
package io.mqttbridge.loadtool;
