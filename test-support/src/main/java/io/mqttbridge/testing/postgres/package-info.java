/**
 * The test JVM's one PostgreSQL server ({@link io.mqttbridge.testing.postgres.TestPostgres}:
 * embedded, external or a container), on which each test class gets a database of its own.
 */
package io.mqttbridge.testing.postgres;
