/** The client side of SCRAM (RFC 5802), for tests of the broker's enhanced authentication. */
package io.mqttbridge.testing.scram;
