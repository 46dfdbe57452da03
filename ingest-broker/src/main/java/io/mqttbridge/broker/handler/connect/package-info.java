/**
 * CONNECT: packet order and decoder failures ({@link
 * io.mqttbridge.broker.handler.connect.ConnectionGuardHandler}), validation, authentication and
 * authorization, session attach and CONNACK ({@link
 * io.mqttbridge.broker.handler.connect.ConnectHandler}).
 */
package io.mqttbridge.broker.handler.connect;
