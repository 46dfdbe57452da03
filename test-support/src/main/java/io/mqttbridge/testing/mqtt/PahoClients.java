package io.mqttbridge.testing.mqtt;

import java.util.List;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttException;

/** Clean-up of Paho 3.1.1 clients whose broker may already be gone. */
public final class PahoClients {

    private PahoClients() {
    }

    /** Disconnects (forcibly, 1 s) and closes every client; a client whose node died is just closed. */
    public static void closeAll(List<MqttClient> clients) {
        for (MqttClient client : clients) {
            try {
                if (client.isConnected()) {
                    client.disconnectForcibly(1000);
                }
                client.close();
            } catch (MqttException ignored) {
                // its broker is gone: nothing left to release
            }
        }
    }
}
