/**
 * Netty: the server bootstrap (epoll or NIO), the names of the pipeline's handlers ({@link
 * io.mqttbridge.broker.netty.HandlerNames}), and the outbound wire form of a message ({@link
 * io.mqttbridge.broker.netty.RoutedMessage}, encoded once per message; {@link
 * io.mqttbridge.broker.netty.PacketEncoder}). Below connections and sessions: the pipeline itself is
 * built in {@code pipeline}.
 */
package io.mqttbridge.broker.netty;
