/**
 * DISCONNECT from the client and the end of a connection: will, session detach, the session
 * listener.
 */
package io.mqttbridge.broker.handler.disconnect;
