package io.mqttbridge.broker.listener;

import java.util.regex.Pattern;

/**
 * One network listener of the broker: transport, bind address, port, WebSocket path and TLS settings.
 * A plain bean for embedding in YAML; {@link #validate(String)} names the offending key.
 */
public class ListenerConfig {

    public static final String DEFAULT_HOST = "0.0.0.0";
    public static final String DEFAULT_WEB_SOCKET_PATH = "/mqtt";
    /** 0 = no limit. */
    public static final int DEFAULT_MAX_CONNECTIONS = 0;

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]{1,64}");

    private String name;
    private Transport transport = Transport.TCP;
    private String host = DEFAULT_HOST;
    private int port = -1;
    private String webSocketPath = DEFAULT_WEB_SOCKET_PATH;
    private TlsConfig tls;
    private int maxConnections = DEFAULT_MAX_CONNECTIONS;

    public ListenerConfig() {
    }

    public ListenerConfig(String name, Transport transport, String host, int port) {
        this.name = name;
        this.transport = transport;
        this.host = host;
        this.port = port;
    }

    /**
     * @param prefix the key of this listener in the configuration, e.g. {@code listeners[1]}
     * @throws IllegalArgumentException naming the first offending key
     */
    public ListenerConfig validate(String prefix) {
        require(name != null && NAME.matcher(name).matches(), prefix + ".name",
                "must be 1..64 letters, digits, '.', '_' or '-', was " + quote(name));
        require(transport != null, prefix + ".transport", "must be one of TCP, TLS, WS, WSS");
        require(host != null && !host.isBlank(), prefix + ".host", "must not be empty");
        require(port >= 0 && port <= 65_535, prefix + ".port", "must be 0..65535 (0 picks a free port), was " + port);
        require(maxConnections >= 0, prefix + ".maxConnections", "must not be negative (0 = no limit), was " + maxConnections);
        if (transport.isWebSocket()) {
            require(webSocketPath != null && webSocketPath.startsWith("/") && !webSocketPath.contains(" "),
                    prefix + ".webSocketPath", "must start with '/' and contain no spaces, was " + quote(webSocketPath));
        }
        if (transport.isSecure()) {
            require(tls != null, prefix + ".tls", "is required for transport " + transport);
            tls.validate(prefix + ".tls");
        } else {
            require(tls == null, prefix + ".tls", "is only allowed for transports TLS and WSS, not " + transport);
        }
        return this;
    }

    static void require(boolean condition, String key, String message) {
        if (!condition) {
            throw new IllegalArgumentException("broker configuration '" + key + "' " + message);
        }
    }

    private static String quote(String value) {
        return value == null ? "nothing" : "'" + value + "'";
    }

    public String getName() { return name; }
    public void setName(String name) { this.name = name; }
    public Transport getTransport() { return transport; }
    public void setTransport(Transport transport) { this.transport = transport; }
    public String getHost() { return host; }
    public void setHost(String host) { this.host = host; }
    public int getPort() { return port; }
    public void setPort(int port) { this.port = port; }
    public String getWebSocketPath() { return webSocketPath; }
    public void setWebSocketPath(String webSocketPath) { this.webSocketPath = webSocketPath; }
    public TlsConfig getTls() { return tls; }
    public void setTls(TlsConfig tls) { this.tls = tls; }
    public int getMaxConnections() { return maxConnections; }
    public void setMaxConnections(int maxConnections) { this.maxConnections = maxConnections; }
}
