/**
 * A lean MQTT client on Netty for load generation.
 */
package io.mqttbridge.loadtool.client;
