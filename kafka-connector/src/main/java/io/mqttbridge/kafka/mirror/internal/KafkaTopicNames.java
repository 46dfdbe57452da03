package io.mqttbridge.kafka.mirror.internal;

/** Kafka's rules for topic names: {@code [a-zA-Z0-9._-]}, at most 249 characters, not "." or "..". */
public final class KafkaTopicNames {

    public static final int MAX_LENGTH = 249;

    private KafkaTopicNames() {
    }

    public static boolean isLegalChar(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-';
    }

    /** @return {@code null} if {@code name} is a legal Kafka topic name, else what is wrong with it */
    public static String validate(String name) {
        if (name.isEmpty()) {
            return "is empty";
        }
        if (name.equals(".") || name.equals("..")) {
            return "cannot be '.' or '..'";
        }
        if (name.length() > MAX_LENGTH) {
            return "is longer than " + MAX_LENGTH + " characters";
        }
        for (int i = 0; i < name.length(); i++) {
            if (!isLegalChar(name.charAt(i))) {
                return "contains '" + name.charAt(i) + "' (Kafka allows only a-z A-Z 0-9 . _ -)";
            }
        }
        return null;
    }

    /** Replaces every character Kafka does not allow in topic names by {@code _}. */
    public static String sanitize(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            out.append(isLegalChar(c) ? c : '_');
        }
        return out.toString();
    }
}
