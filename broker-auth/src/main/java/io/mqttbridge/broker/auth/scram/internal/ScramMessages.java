package io.mqttbridge.broker.auth.scram.internal;

import java.util.Base64;

/**
 * Parses the two client messages of SCRAM (RFC 5802 section 7) as this server needs them. Only
 * what the RFC allows is accepted; anything else is a {@link MalformedScramMessage}, which ends the
 * exchange like a wrong proof. Channel binding is not offered (the GS2 header must be {@code n} or
 * {@code y}, never {@code p=}); an authorization identity other than the user name is refused.
 */
public final class ScramMessages {

    /** The longest client message accepted, in characters: names and nonces are short. */
    static final int MAX_MESSAGE_LENGTH = 4096;

    private ScramMessages() {
    }

    /** A client message that does not follow the grammar. */
    public static final class MalformedScramMessage extends Exception {
        public MalformedScramMessage(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * The client-first-message.
     *
     * @param gs2Header the GS2 header as sent ({@code "n,,"} typically), echoed in the final message
     * @param username the user name, unescaped
     * @param clientNonce the client's nonce
     * @param bare the client-first-message-bare, part of the AuthMessage
     */
    public record ClientFirst(String gs2Header, String username, String clientNonce, String bare) {
    }

    /**
     * The client-final-message.
     *
     * @param channelBinding the decoded {@code c=} attribute
     * @param nonce the combined nonce
     * @param proof the decoded ClientProof
     * @param withoutProof the client-final-message-without-proof, part of the AuthMessage
     */
    public record ClientFinal(byte[] channelBinding, String nonce, byte[] proof, String withoutProof) {
    }

    public static ClientFirst parseClientFirst(String message) throws MalformedScramMessage {
        checkLength(message);
        // gs2-header = gs2-cbind-flag "," [ authzid ] ","
        int firstComma = message.indexOf(',');
        if (firstComma < 0) {
            throw new MalformedScramMessage("no GS2 header");
        }
        String flag = message.substring(0, firstComma);
        if (!flag.equals("n") && !flag.equals("y")) {
            throw new MalformedScramMessage(flag.startsWith("p=") ? "channel binding is not supported" : "bad GS2 flag");
        }
        int secondComma = message.indexOf(',', firstComma + 1);
        if (secondComma < 0) {
            throw new MalformedScramMessage("no GS2 header");
        }
        String authzid = message.substring(firstComma + 1, secondComma);
        if (!authzid.isEmpty() && !authzid.startsWith("a=")) {
            throw new MalformedScramMessage("bad authorization identity");
        }
        String gs2Header = message.substring(0, secondComma + 1);
        String bare = message.substring(secondComma + 1);
        String[] attributes = bare.split(",", -1);
        if (attributes.length < 2) {
            throw new MalformedScramMessage("client-first-message needs n= and r=");
        }
        if (attributes[0].startsWith("m=")) {
            throw new MalformedScramMessage("mandatory extensions are not supported");
        }
        String username = unescapeName(value(attributes[0], 'n'));
        String nonce = value(attributes[1], 'r');
        checkNonce(nonce);
        if (!authzid.isEmpty() && !unescapeName(authzid.substring(2)).equals(username)) {
            throw new MalformedScramMessage("an authorization identity other than the user name is not supported");
        }
        return new ClientFirst(gs2Header, username, nonce, bare);
    }

    public static ClientFinal parseClientFinal(String message) throws MalformedScramMessage {
        checkLength(message);
        int proofAt = message.lastIndexOf(",p=");
        if (proofAt < 0) {
            throw new MalformedScramMessage("client-final-message needs p=");
        }
        String withoutProof = message.substring(0, proofAt);
        String[] attributes = withoutProof.split(",", -1);
        if (attributes.length < 2) {
            throw new MalformedScramMessage("client-final-message needs c=, r= and p=");
        }
        byte[] channelBinding = base64(value(attributes[0], 'c'));
        String nonce = value(attributes[1], 'r');
        checkNonce(nonce);
        byte[] proof = base64(message.substring(proofAt + 3));
        return new ClientFinal(channelBinding, nonce, proof, withoutProof);
    }

    /** saslname: "=2C" is ',' and "=3D" is '='; any other '=' is malformed, a bare ',' cannot occur. */
    static String unescapeName(String name) throws MalformedScramMessage {
        if (name.isEmpty()) {
            throw new MalformedScramMessage("empty user name");
        }
        StringBuilder out = new StringBuilder(name.length());
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c != '=') {
                out.append(c);
            } else if (name.startsWith("=2C", i)) {
                out.append(',');
                i += 2;
            } else if (name.startsWith("=3D", i)) {
                out.append('=');
                i += 2;
            } else {
                throw new MalformedScramMessage("bad escape in user name");
            }
        }
        return out.toString();
    }

    /** The value of {@code <key>=<value>}. */
    private static String value(String attribute, char key) throws MalformedScramMessage {
        if (attribute.length() < 2 || attribute.charAt(0) != key || attribute.charAt(1) != '=') {
            throw new MalformedScramMessage("expected attribute " + key + "=");
        }
        return attribute.substring(2);
    }

    /** printable = %x21-2B / %x2D-7E (no ','), non-empty. */
    private static void checkNonce(String nonce) throws MalformedScramMessage {
        if (nonce.isEmpty()) {
            throw new MalformedScramMessage("empty nonce");
        }
        for (int i = 0; i < nonce.length(); i++) {
            char c = nonce.charAt(i);
            if (c < 0x21 || c > 0x7E || c == ',') {
                throw new MalformedScramMessage("nonce has characters outside printable ASCII");
            }
        }
    }

    private static byte[] base64(String value) throws MalformedScramMessage {
        try {
            return Base64.getDecoder().decode(value);
        } catch (IllegalArgumentException e) {
            throw new MalformedScramMessage("bad base64");
        }
    }

    private static void checkLength(String message) throws MalformedScramMessage {
        if (message.length() > MAX_MESSAGE_LENGTH) {
            throw new MalformedScramMessage("message too long");
        }
    }
}
