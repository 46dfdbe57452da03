/**
 * Will publication: {@link io.mqttbridge.broker.will.WillPublisher} sends a will to the sink and the
 * router. The will itself ({@code connection.WillMessage}) travels with the connection that carries it.
 */
package io.mqttbridge.broker.will;
