/**
 * Broker-internal parts of {@code MqttBroker}: the session listener guard that
 * keeps a failing listener from disturbing connections, the bound listeners with their ports and TLS
 * reload ({@link io.mqttbridge.broker.internal.BrokerListeners}), the restore of stored sessions at
 * start ({@link io.mqttbridge.broker.internal.StoredSessionRestore}) and the live state and
 * administration of this node's sessions ({@link io.mqttbridge.broker.internal.SessionAdministration}).
 */
package io.mqttbridge.broker.internal;
