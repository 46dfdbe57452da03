/**
 * CONNECT: packet order and decoder failures ({@link
 * io.mqttbridge.broker.handler.connect.ConnectionGuardHandler}); the CONNECT itself ({@link
 * io.mqttbridge.broker.handler.connect.ConnectHandler}), in steps of one concern each: validation
 * and the server's caps ({@code ConnectRequestReader}), authentication and authorization
 * ({@code ConnectAuthentication}, the one call into the authentication SPI), session attach, and
 * the CONNACK packets ({@code ConnAcks}).
 */
package io.mqttbridge.broker.handler.connect;
