/**
 * The packet handlers, one concern each, in sub-packages by packet type, and what they share
 * ({@link io.mqttbridge.broker.handler.Mqtt5Properties}). The pipeline package puts them in order and
 * dispatches packets to them; the pipeline's handler names are in {@code netty.HandlerNames}.
 */
package io.mqttbridge.broker.handler;
