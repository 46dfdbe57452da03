/**
 * PINGREQ.
 */
package io.mqttbridge.broker.handler.ping;
