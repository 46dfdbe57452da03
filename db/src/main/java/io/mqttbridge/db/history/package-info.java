/**
 * The history writer: consumes the mirrored Kafka topics and the session events into PostgreSQL,
 * exactly once (rows keyed by topic, partition and offset; offsets committed with the rows).
 */
package io.mqttbridge.db.history;
