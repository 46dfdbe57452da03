/**
 * The in-memory retained message store.
 */
package io.mqttbridge.broker.retained;
