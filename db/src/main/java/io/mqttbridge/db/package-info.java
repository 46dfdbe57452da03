/**
 * PostgreSQL: {@link io.mqttbridge.db.Database} (connection pool, Flyway migrations, embedded
 * server unless a JDBC URL is set), the repositories of devices, credentials, ACL rules, sessions
 * and messages, and the message partitions. The schema: docs/SCHEMA.md.
 */
package io.mqttbridge.db;
