/**
 * The transport handlers in front of the MQTT codec: TLS, HTTP/WebSocket and the binary frame
 * adapter, and the reloading SSL context.
 */
package io.mqttbridge.broker.listener.internal;
