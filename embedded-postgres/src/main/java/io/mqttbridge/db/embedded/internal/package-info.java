/**
 * Keeping the embedded PostgreSQL from outliving the bridge: ownership by a lock file, a watchdog
 * process, and stopping an orphan left on the same data directory.
 */
package io.mqttbridge.db.embedded.internal;
