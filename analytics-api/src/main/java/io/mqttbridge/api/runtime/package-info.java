/**
 * Wiring in one place: {@link io.mqttbridge.api.runtime.BridgeRuntime} starts the roles of this
 * process with plain constructors, in dependency order, and stops them in exactly the reverse
 * order; the configuration beans are never changed.
 */
package io.mqttbridge.api.runtime;
