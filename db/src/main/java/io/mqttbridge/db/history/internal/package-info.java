/**
 * How the history writer maps Kafka records to rows, parses session events, writes batches and
 * closes the sessions of nodes that died.
 */
package io.mqttbridge.db.history.internal;
