/**
 * Parsing of the ACL claim of an access token.
 */
package io.mqttbridge.broker.auth.jwt.internal;
