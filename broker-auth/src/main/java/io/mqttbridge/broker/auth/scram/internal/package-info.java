/** The SCRAM messages and the server side of one exchange. */
package io.mqttbridge.broker.auth.scram.internal;
