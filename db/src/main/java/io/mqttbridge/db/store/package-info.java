/**
 * The broker's durable stores in PostgreSQL: {@link io.mqttbridge.db.store.JdbiSessionStore}
 * (persistent sessions per node) and {@link io.mqttbridge.db.store.JdbiRetainedStore} (retained
 * messages).
 */
package io.mqttbridge.db.store;
