package io.mqttbridge.broker.handler.connect;

import io.mqttbridge.broker.connection.WillMessage;

/**
 * What a CONNECT asked for, after validation and the server's caps.
 *
 * @param assignedId whether the broker chose the client id (the client sent none)
 * @param keepAliveCapped whether the keep alive is the server's (MQTT 5: told in CONNACK)
 * @param expiryCapped whether the session expiry was lowered to the server's maximum (MQTT 5: told in CONNACK)
 * @param will the will message, or {@code null}
 * @param authMethod the MQTT 5 Authentication Method (enhanced authentication), or {@code null}
 * @param authData its Authentication Data, or {@code null}
 */
record ConnectRequest(String clientId, boolean assignedId, boolean cleanStart, int keepAlive,
                      boolean keepAliveCapped, long sessionExpiry, boolean expiryCapped,
                      String username, byte[] password, boolean responseInformationRequested,
                      WillMessage will, String authMethod, byte[] authData) implements ConnectRequestReader.Result {
}
