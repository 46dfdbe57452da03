/**
 * Password hashing (password4j), the cache of verified passwords and the executor that verifies
 * them off the event loop.
 */
package io.mqttbridge.broker.auth.internal;
