package io.mqttbridge.testing.scram;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The client side of one SCRAM exchange (RFC 5802), written independently of the broker's server
 * side so that each checks the other: {@link #clientFirst}, then {@link #clientFinal} for the
 * server-first message, then {@link #verifyServerFinal}. One instance per exchange; not thread-safe.
 */
public final class ScramClient {

    private final String digest;
    private final String hmac;
    private final String pbkdf2;
    private final int keyBits;
    private final String username;
    private final String password;
    private final String clientNonce;

    private String clientFirstBare;
    private byte[] saltedPassword;
    private String authMessage;

    /** @param method {@code SCRAM-SHA-256} or {@code SCRAM-SHA-512} */
    public ScramClient(String method, String username, String password) {
        this(method, username, password, randomNonce());
    }

    /** With a given client nonce, to reproduce the RFC's example. */
    public ScramClient(String method, String username, String password, String clientNonce) {
        switch (method) {
            case "SCRAM-SHA-256" -> {
                digest = "SHA-256";
                hmac = "HmacSHA256";
                pbkdf2 = "PBKDF2WithHmacSHA256";
                keyBits = 256;
            }
            case "SCRAM-SHA-512" -> {
                digest = "SHA-512";
                hmac = "HmacSHA512";
                pbkdf2 = "PBKDF2WithHmacSHA512";
                keyBits = 512;
            }
            default -> throw new IllegalArgumentException(method);
        }
        this.username = username;
        this.password = password;
        this.clientNonce = clientNonce;
    }

    public String clientFirst() {
        clientFirstBare = "n=" + username.replace("=", "=3D").replace(",", "=2C") + ",r=" + clientNonce;
        return "n,," + clientFirstBare;
    }

    /** The client-final-message with a correct proof. */
    public String clientFinal(String serverFirst) {
        return clientFinal(serverFirst, password);
    }

    /** The client-final-message proved with {@code thisPassword} (a wrong one, to test refusals). */
    public String clientFinal(String serverFirst, String thisPassword) {
        String nonce = attribute(serverFirst, "r");
        if (!nonce.startsWith(clientNonce)) {
            throw new IllegalStateException("server nonce does not extend the client's");
        }
        byte[] salt = Base64.getDecoder().decode(attribute(serverFirst, "s"));
        int iterations = Integer.parseInt(attribute(serverFirst, "i"));
        saltedPassword = hi(thisPassword, salt, iterations);
        String withoutProof = "c=" + Base64.getEncoder().encodeToString("n,,".getBytes(StandardCharsets.US_ASCII))
                + ",r=" + nonce;
        authMessage = clientFirstBare + "," + serverFirst + "," + withoutProof;
        byte[] clientKey = mac(saltedPassword, "Client Key");
        byte[] storedKey = hash(clientKey);
        byte[] signature = mac(storedKey, authMessage);
        byte[] proof = new byte[clientKey.length];
        for (int i = 0; i < proof.length; i++) {
            proof[i] = (byte) (clientKey[i] ^ signature[i]);
        }
        return withoutProof + ",p=" + Base64.getEncoder().encodeToString(proof);
    }

    /** Whether the server-final-message proves the server knows the ServerKey. */
    public boolean verifyServerFinal(String serverFinal) {
        if (!serverFinal.startsWith("v=")) {
            return false;
        }
        byte[] expected = mac(mac(saltedPassword, "Server Key"), authMessage);
        return MessageDigest.isEqual(expected, Base64.getDecoder().decode(serverFinal.substring(2)));
    }

    private static String attribute(String message, String key) {
        for (String part : message.split(",")) {
            if (part.startsWith(key + "=")) {
                return part.substring(key.length() + 1);
            }
        }
        throw new IllegalArgumentException("no " + key + "= in " + message);
    }

    private byte[] hi(String secret, byte[] salt, int iterations) {
        try {
            return SecretKeyFactory.getInstance(pbkdf2)
                    .generateSecret(new PBEKeySpec(secret.toCharArray(), salt, iterations, keyBits)).getEncoded();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private byte[] mac(byte[] key, String data) {
        try {
            Mac mac = Mac.getInstance(hmac);
            mac.init(new SecretKeySpec(key, hmac));
            return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private byte[] hash(byte[] data) {
        try {
            return MessageDigest.getInstance(digest).digest(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String randomNonce() {
        byte[] bytes = new byte[18];
        new SecureRandom().nextBytes(bytes);
        return Base64.getEncoder().encodeToString(bytes);
    }
}
