/**
 * The operator console on the API port: its static files ({@link io.mqttbridge.api.console.ConsoleAssets}),
 * its configuration, and the live view over MQTT over WSS ({@link io.mqttbridge.api.console.ConsoleLiveAccess}:
 * the listener's generated certificate and the short-lived tokens of {@link io.mqttbridge.api.console.LiveTokens},
 * issued by {@link io.mqttbridge.api.console.ConsoleResource}).
 */
package io.mqttbridge.api.console;
