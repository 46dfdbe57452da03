package io.mqttbridge.broker.listener;

/** How MQTT packets travel on a listener. */
public enum Transport {
    /** Plain TCP. */
    TCP(false, false),
    /** TCP with TLS. */
    TLS(true, false),
    /** WebSocket (binary frames) over plain HTTP. */
    WS(false, true),
    /** WebSocket over HTTPS. */
    WSS(true, true);

    private final boolean secure;
    private final boolean webSocket;

    Transport(boolean secure, boolean webSocket) {
        this.secure = secure;
        this.webSocket = webSocket;
    }

    public boolean isSecure() {
        return secure;
    }

    public boolean isWebSocket() {
        return webSocket;
    }
}
