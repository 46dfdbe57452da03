package io.mqttbridge.api.console;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A self-signed server certificate for the console's WSS listener when none is configured: a
 * PKCS#12 key store under the data directory, made once with the JDK's own {@code keytool} (the JDK
 * has no public API to create certificates, and a library for it would be a dependency for one
 * start-up step). Browsers do not trust it until the operator accepts it once; production
 * configures a certificate signed by a trusted CA instead (README, "Console").
 */
public final class GeneratedCertificate {

    private static final Logger LOG = LoggerFactory.getLogger(GeneratedCertificate.class);
    static final String KEY_STORE_FILE = "wss.p12";
    static final String PASSWORD_FILE = "wss.p12.password";
    private static final String PASSWORD_VARIABLE = "MQTT_BRIDGE_CONSOLE_KEY_STORE_PASSWORD";
    private static final int VALIDITY_DAYS = 825;

    /** @param keyStore the PKCS#12 file; @param password its password */
    public record KeyStore(Path keyStore, String password) {
    }

    private GeneratedCertificate() {
    }

    /** The key store in {@code directory}, created on the first call. */
    public static KeyStore inDirectory(Path directory) {
        return inDirectory(directory, GeneratedCertificate::randomPassword);
    }

    /** As {@link #inDirectory(Path)}, with the password of a new key store from {@code passwords}. */
    static KeyStore inDirectory(Path directory, Supplier<String> passwords) {
        Path keyStore = directory.resolve(KEY_STORE_FILE);
        Path passwordFile = directory.resolve(PASSWORD_FILE);
        try {
            if (Files.exists(keyStore) && Files.exists(passwordFile)) {
                return new KeyStore(keyStore, Files.readString(passwordFile, StandardCharsets.UTF_8).trim());
            }
            Files.createDirectories(directory);
            Files.deleteIfExists(keyStore);
            String password = passwords.get();
            runKeytool(keyStore, password);
            Files.writeString(passwordFile, password + "\n", StandardCharsets.UTF_8);
            ownerOnly(passwordFile);
            ownerOnly(keyStore);
            LOG.warn("No certificate configured for the console's WSS listener: generated a self-signed one into {}; "
                    + "browsers must accept it once (or configure a trusted certificate)", keyStore.toAbsolutePath());
            return new KeyStore(keyStore, password);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the console's WSS certificate in " + directory, e);
        }
    }

    private static void runKeytool(Path keyStore, String password) throws IOException {
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        List<String> command = List.of(keytool.toString(), "-genkeypair", "-noprompt",
                "-alias", "console-wss", "-keyalg", "EC", "-groupname", "secp256r1", "-sigalg", "SHA256withECDSA",
                "-dname", "CN=localhost", "-ext", "SAN=dns:localhost,ip:127.0.0.1,ip:::1",
                "-ext", "EKU=serverAuth", "-validity", String.valueOf(VALIDITY_DAYS),
                "-storetype", "PKCS12", "-keystore", keyStore.toString(),
                "-storepass:env", PASSWORD_VARIABLE, "-keypass:env", PASSWORD_VARIABLE);
        // Through the environment, not the command line: no other local user sees it in the process
        // list, and the java launcher behind keytool takes any argument starting with "-J" as an
        // option of its own, which a random password does once in 4,096 (the start then failed).
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put(PASSWORD_VARIABLE, password);
        Process process = builder.start();
        try {
            boolean finished = process.waitFor(60, TimeUnit.SECONDS);
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!finished || process.exitValue() != 0) {
                process.destroyForcibly();
                throw new IOException(keytool + " failed: " + output.trim());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while generating the certificate", e);
        }
    }

    private static String randomPassword() {
        byte[] random = new byte[18];
        new SecureRandom().nextBytes(random);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(random);
    }

    private static void ownerOnly(Path file) throws IOException {
        try {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException notPosix) {
            LOG.debug("Cannot restrict permissions of {} on this file system", file);
        }
    }
}
