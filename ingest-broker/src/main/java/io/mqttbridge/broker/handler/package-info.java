/**
 * The shared handlers of the pipeline, one concern each, in sub-packages by packet type; {@link
 * io.mqttbridge.broker.handler.PacketDispatcher} routes packets to them, {@link
 * io.mqttbridge.broker.handler.HandlerNames} names the pipeline's handlers.
 */
package io.mqttbridge.broker.handler;
