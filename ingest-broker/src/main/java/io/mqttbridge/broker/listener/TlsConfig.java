package io.mqttbridge.broker.listener;

import java.util.List;

/**
 * TLS settings of a listener: the server's key and certificate (PEM files or a PKCS#12 key store),
 * protocols and cipher suites, client certificate verification and periodic reload.
 */
public class TlsConfig {

    public static final List<String> DEFAULT_PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");
    /** TLS 1.3 suites and TLS 1.2 suites with forward secrecy and AEAD only. */
    public static final List<String> DEFAULT_CIPHER_SUITES = List.of(
            "TLS_AES_256_GCM_SHA384",
            "TLS_AES_128_GCM_SHA256",
            "TLS_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");
    public static final int DEFAULT_RELOAD_INTERVAL_SECONDS = 60;

    /** Which TLS implementation to use. */
    public enum Provider {
        /** OpenSSL through netty-tcnative when it is on the class path, the JDK otherwise. */
        AUTO,
        JDK,
        /** OpenSSL; fails at start when netty-tcnative is missing. */
        OPENSSL
    }

    private String certificateFile;
    private String privateKeyFile;
    private String privateKeyPassword;
    private String keyStoreFile;
    private String keyStorePassword;
    private List<String> protocols = DEFAULT_PROTOCOLS;
    private List<String> cipherSuites = DEFAULT_CIPHER_SUITES;
    private ClientAuth clientAuth = ClientAuth.NONE;
    private String trustedCaFile;
    private int reloadIntervalSeconds = DEFAULT_RELOAD_INTERVAL_SECONDS;
    private Provider provider = Provider.AUTO;

    /** @throws IllegalArgumentException naming the first offending key */
    public TlsConfig validate(String prefix) {
        boolean pem = certificateFile != null || privateKeyFile != null;
        boolean pkcs12 = keyStoreFile != null;
        ListenerConfig.require(pem != pkcs12, prefix,
                "needs either certificateFile and privateKeyFile (PEM) or keyStoreFile (PKCS#12), not both");
        if (pem) {
            ListenerConfig.require(certificateFile != null && !certificateFile.isBlank(), prefix + ".certificateFile",
                    "is required with privateKeyFile");
            ListenerConfig.require(privateKeyFile != null && !privateKeyFile.isBlank(), prefix + ".privateKeyFile",
                    "is required with certificateFile");
        }
        ListenerConfig.require(protocols != null && !protocols.isEmpty(), prefix + ".protocols", "must not be empty");
        for (String protocol : protocols) {
            ListenerConfig.require("TLSv1.3".equals(protocol) || "TLSv1.2".equals(protocol), prefix + ".protocols",
                    "may only hold TLSv1.3 and TLSv1.2, was '" + protocol + "'");
        }
        ListenerConfig.require(cipherSuites != null && !cipherSuites.isEmpty(), prefix + ".cipherSuites",
                "must not be empty");
        ListenerConfig.require(clientAuth != null, prefix + ".clientAuth", "must be one of NONE, OPTIONAL, REQUIRED");
        ListenerConfig.require(clientAuth == ClientAuth.NONE || (trustedCaFile != null && !trustedCaFile.isBlank()),
                prefix + ".trustedCaFile", "is required when clientAuth is " + clientAuth);
        ListenerConfig.require(reloadIntervalSeconds >= 0, prefix + ".reloadIntervalSeconds",
                "must not be negative (0 = no reload), was " + reloadIntervalSeconds);
        ListenerConfig.require(provider != null, prefix + ".provider", "must be one of AUTO, JDK, OPENSSL");
        return this;
    }

    public String getCertificateFile() { return certificateFile; }
    public void setCertificateFile(String certificateFile) { this.certificateFile = certificateFile; }
    public String getPrivateKeyFile() { return privateKeyFile; }
    public void setPrivateKeyFile(String privateKeyFile) { this.privateKeyFile = privateKeyFile; }
    public String getPrivateKeyPassword() { return privateKeyPassword; }
    public void setPrivateKeyPassword(String privateKeyPassword) { this.privateKeyPassword = privateKeyPassword; }
    public String getKeyStoreFile() { return keyStoreFile; }
    public void setKeyStoreFile(String keyStoreFile) { this.keyStoreFile = keyStoreFile; }
    public String getKeyStorePassword() { return keyStorePassword; }
    public void setKeyStorePassword(String keyStorePassword) { this.keyStorePassword = keyStorePassword; }
    public List<String> getProtocols() { return protocols; }
    public void setProtocols(List<String> protocols) { this.protocols = protocols; }
    public List<String> getCipherSuites() { return cipherSuites; }
    public void setCipherSuites(List<String> cipherSuites) { this.cipherSuites = cipherSuites; }
    public ClientAuth getClientAuth() { return clientAuth; }
    public void setClientAuth(ClientAuth clientAuth) { this.clientAuth = clientAuth; }
    public String getTrustedCaFile() { return trustedCaFile; }
    public void setTrustedCaFile(String trustedCaFile) { this.trustedCaFile = trustedCaFile; }
    public int getReloadIntervalSeconds() { return reloadIntervalSeconds; }
    public void setReloadIntervalSeconds(int reloadIntervalSeconds) { this.reloadIntervalSeconds = reloadIntervalSeconds; }
    public Provider getProvider() { return provider; }
    public void setProvider(Provider provider) { this.provider = provider; }

    @Override
    public String toString() {
        return "TlsConfig[certificateFile=" + certificateFile + ", keyStoreFile=" + keyStoreFile
                + ", clientAuth=" + clientAuth + ", passwords=***]";
    }
}
