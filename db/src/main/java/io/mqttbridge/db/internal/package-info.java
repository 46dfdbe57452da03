/**
 * The Jdbi implementations of the repositories, the SQL they share, and the password hashing of
 * device credentials.
 */
package io.mqttbridge.db.internal;
