package io.mqttbridge.broker.listener.internal;

import io.mqttbridge.broker.listener.ClientAuth;
import io.mqttbridge.broker.listener.TlsConfig;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;

import javax.net.ssl.KeyManagerFactory;
import java.io.File;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;

/** Builds a server {@link SslContext} from a {@link TlsConfig}. Reads files: never call it on an event loop. */
public final class SslContexts {

    private SslContexts() {
    }

    /**
     * @param key the configuration key of the TLS settings, for error messages
     * @throws IllegalArgumentException naming the key and the file when a file is missing or unreadable
     */
    public static SslContext build(TlsConfig tls, String key) {
        SslContextBuilder builder;
        try {
            if (tls.getKeyStoreFile() != null) {
                char[] password = tls.getKeyStorePassword() == null ? new char[0] : tls.getKeyStorePassword().toCharArray();
                KeyStore store = KeyStore.getInstance("PKCS12");
                try (InputStream in = Files.newInputStream(Path.of(tls.getKeyStoreFile()))) {
                    store.load(in, password);
                }
                KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                factory.init(store, password);
                builder = SslContextBuilder.forServer(factory);
            } else {
                builder = SslContextBuilder.forServer(new File(tls.getCertificateFile()), new File(tls.getPrivateKeyFile()),
                        tls.getPrivateKeyPassword());
            }
        } catch (Exception e) {
            throw new IllegalArgumentException("broker configuration '" + key + "': cannot load the server key and certificate from "
                    + (tls.getKeyStoreFile() != null ? tls.getKeyStoreFile() : tls.getCertificateFile() + " and " + tls.getPrivateKeyFile())
                    + ": " + rootMessage(e), e);
        }
        builder.sslProvider(provider(tls.getProvider(), key))
                .protocols(tls.getProtocols())
                .ciphers(tls.getCipherSuites(), SupportedCipherSuiteFilter.INSTANCE)
                .clientAuth(switch (tls.getClientAuth()) {
                    case NONE -> io.netty.handler.ssl.ClientAuth.NONE;
                    case OPTIONAL -> io.netty.handler.ssl.ClientAuth.OPTIONAL;
                    case REQUIRED -> io.netty.handler.ssl.ClientAuth.REQUIRE;
                });
        if (tls.getClientAuth() != ClientAuth.NONE) {
            try {
                builder.trustManager(new File(tls.getTrustedCaFile()));
            } catch (Exception e) {
                throw new IllegalArgumentException("broker configuration '" + key + ".trustedCaFile': cannot load CA bundle "
                        + tls.getTrustedCaFile() + ": " + rootMessage(e), e);
            }
        }
        try {
            return builder.build();
        } catch (Exception e) {
            throw new IllegalArgumentException("broker configuration '" + key + "': cannot build the TLS context: "
                    + rootMessage(e), e);
        }
    }

    private static SslProvider provider(TlsConfig.Provider provider, String key) {
        return switch (provider) {
            case JDK -> SslProvider.JDK;
            case OPENSSL -> {
                if (!OpenSsl.isAvailable()) {
                    throw new IllegalArgumentException("broker configuration '" + key
                            + ".provider' is OPENSSL but netty-tcnative is not available: " + OpenSsl.unavailabilityCause());
                }
                yield SslProvider.OPENSSL;
            }
            case AUTO -> OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;
        };
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root == e ? String.valueOf(e.getMessage()) : e.getMessage() + " (" + root + ")";
    }
}
