package io.mqttbridge.broker.listener;

import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.net.Socket;
import java.security.KeyStore;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Test certificates made with the openssl command line at test time: a CA, a server certificate for
 * 127.0.0.1/localhost, client certificates signed by the CA, and a client certificate from another
 * (untrusted) CA. EC P-256 keys, so generation is fast.
 */
public final class TestCertificates {

    public static final String PASSWORD = "changeit";

    private final Path dir;

    private TestCertificates(Path dir) {
        this.dir = dir;
    }

    /** Creates the CA, the server certificate and key, and its PKCS#12 store in {@code dir}. */
    public static TestCertificates create(Path dir) throws IOException {
        TestCertificates certs = new TestCertificates(dir);
        certs.ca("ca", "Test CA");
        certs.signed("server", "ca", "localhost", "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth");
        certs.pkcs12("server");
        return certs;
    }

    /** A CA certificate and key named {@code name}. */
    public void ca(String name, String commonName) throws IOException {
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", file(name + ".key").toString(), "-out", file(name + ".crt").toString(), "-days", "2",
                "-subj", "/CN=" + commonName, "-addext", "basicConstraints=critical,CA:TRUE",
                "-addext", "keyUsage=critical,keyCertSign,cRLSign");
    }

    /** A certificate {@code name} signed by CA {@code caName}, with openssl extension lines. */
    public void signed(String name, String caName, String commonName, String extensions) throws IOException {
        Path ext = file(name + ".ext");
        Files.writeString(ext, extensions + "\n", StandardCharsets.US_ASCII);
        openssl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", file(name + ".key").toString(), "-out", file(name + ".csr").toString(),
                "-subj", "/CN=" + commonName);
        openssl("x509", "-req", "-in", file(name + ".csr").toString(), "-CA", file(caName + ".crt").toString(),
                "-CAkey", file(caName + ".key").toString(), "-CAcreateserial", "-out", file(name + ".crt").toString(),
                "-days", "2", "-extfile", ext.toString());
    }

    /** A client certificate {@code name} with CN {@code commonName} and optional SAN, signed by {@code caName}. */
    public void client(String name, String caName, String commonName, String subjectAltName) throws IOException {
        String extensions = "extendedKeyUsage=clientAuth";
        if (subjectAltName != null) {
            extensions += "\nsubjectAltName=" + subjectAltName;
        }
        signed(name, caName, commonName, extensions);
        pkcs12(name);
    }

    /** {@code name.p12} from {@code name.crt} and {@code name.key}, password {@link #PASSWORD}. */
    public void pkcs12(String name) throws IOException {
        openssl("pkcs12", "-export", "-in", file(name + ".crt").toString(), "-inkey", file(name + ".key").toString(),
                "-out", file(name + ".p12").toString(), "-passout", "pass:" + PASSWORD, "-name", name);
    }

    public Path file(String name) {
        return dir.resolve(name);
    }

    public X509Certificate certificate(String name) throws Exception {
        try (InputStream in = Files.newInputStream(file(name + ".crt"))) {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
    }

    /** Trusts the certificates of {@code caName}. */
    public TrustManagerFactory trustManagers(String caName) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry(caName, certificate(caName));
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(trust);
        return factory;
    }

    /** The key and certificate of client {@code name} (from its PKCS#12 file). */
    public KeyManagerFactory keyManagers(String name) throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(file(name + ".p12"))) {
            store.load(in, PASSWORD.toCharArray());
        }
        KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        factory.init(store, PASSWORD.toCharArray());
        return factory;
    }

    /** A client SSL context trusting {@code caName}, presenting {@code clientName}'s certificate unless null. */
    public SSLContext clientContext(String caName, String clientName, String protocol) throws Exception {
        SSLContext context = SSLContext.getInstance(protocol);
        context.init(clientName == null ? null : keyManagers(clientName).getKeyManagers(),
                trustManagers(caName).getTrustManagers(), null);
        return context;
    }

    /**
     * A client SSL context that presents {@code clientName}'s certificate even when the server's list
     * of acceptable issuers does not name its CA (as a hostile client would).
     */
    public SSLContext forcedClientContext(String caName, String clientName) throws Exception {
        X509KeyManager keys = (X509KeyManager) keyManagers(clientName).getKeyManagers()[0];
        X509ExtendedKeyManager forced = new X509ExtendedKeyManager() {
            @Override
            public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
                return clientName;
            }

            @Override
            public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
                return clientName;
            }

            @Override
            public String[] getClientAliases(String keyType, Principal[] issuers) {
                return new String[] {clientName};
            }

            @Override
            public String[] getServerAliases(String keyType, Principal[] issuers) {
                return null;
            }

            @Override
            public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
                return null;
            }

            @Override
            public X509Certificate[] getCertificateChain(String alias) {
                return keys.getCertificateChain(alias);
            }

            @Override
            public PrivateKey getPrivateKey(String alias) {
                return keys.getPrivateKey(alias);
            }
        };
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(new KeyManager[] {forced}, trustManagers(caName).getTrustManagers(), null);
        return context;
    }

    private void openssl(String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add("openssl");
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new IOException("openssl " + String.join(" ", args) + " failed: " + output);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }
}
