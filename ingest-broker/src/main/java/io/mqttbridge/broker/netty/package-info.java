/**
 * Netty: the server bootstrap (epoll or NIO), the one {@link
 * io.mqttbridge.broker.netty.MqttChannelInitializer} that builds the whole pipeline, and the
 * outbound wire form of a message ({@link io.mqttbridge.broker.netty.RoutedMessage}, encoded once
 * per message; {@link io.mqttbridge.broker.netty.PublishEncoder}).
 */
package io.mqttbridge.broker.netty;
