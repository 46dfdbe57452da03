/**
 * The per-connection state on a channel: {@link io.mqttbridge.broker.connection.ClientConnection};
 * the inbound QoS 1/2 flows ({@link io.mqttbridge.broker.connection.InboundQosFlows}: ordered
 * PUBACK/PUBREC after the sink in {@link io.mqttbridge.broker.connection.InboundAckQueue}, the QoS 2
 * flows by packet id in {@link io.mqttbridge.broker.connection.InboundQos2Flows}: duplicates,
 * PUBREL/PUBCOMP); and {@link
 * io.mqttbridge.broker.connection.ReadSuspension}, the one owner of the channel's autoRead; the
 * connection's will as given in CONNECT ({@link io.mqttbridge.broker.connection.WillMessage}).
 */
package io.mqttbridge.broker.connection;
