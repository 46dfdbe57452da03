/**
 * Inbound PUBLISH validation and hand-over to the sink and the router ({@link
 * io.mqttbridge.broker.handler.publish.PublishHandler}), the client's acknowledgements of outbound
 * messages ({@link io.mqttbridge.broker.handler.publish.OutboundAckHandler}), and sink back-
 * pressure ({@link io.mqttbridge.broker.handler.publish.BackPressure}).
 */
package io.mqttbridge.broker.handler.publish;
