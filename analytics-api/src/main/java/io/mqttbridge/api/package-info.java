/**
 * The Dropwizard application: {@link io.mqttbridge.api.BridgeApplication} (installs the API
 * conventions and hands the configuration to the runtime) and {@link
 * io.mqttbridge.api.BridgeConfiguration}, the typed configuration of every role.
 */
package io.mqttbridge.api;
