package io.mqttbridge.kafka.mirror.internal;

import java.util.ArrayList;
import java.util.List;

/**
 * A Kafka topic name, fixed or with {@code {n}} placeholders for MQTT topic levels (1-based).
 * Parsed once at startup; {@link #render} is cheap and allocation-light.
 */
public final class TopicTemplate {

    private final String text;
    /** Literal parts are Strings, placeholders Integers (0-based level index). */
    private final List<Object> parts;
    private final int highestLevel;

    private TopicTemplate(String text, List<Object> parts, int highestLevel) {
        this.text = text;
        this.parts = parts;
        this.highestLevel = highestLevel;
    }

    /** @throws IllegalArgumentException saying what is wrong with the template */
    public static TopicTemplate parse(String text) {
        if (text == null || text.isEmpty()) {
            throw new IllegalArgumentException("the Kafka topic must not be empty");
        }
        List<Object> parts = new ArrayList<>();
        StringBuilder literal = new StringBuilder();
        int highest = 0;
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (c == '{') {
                int close = text.indexOf('}', i);
                if (close < 0) {
                    throw new IllegalArgumentException("unclosed '{' in Kafka topic template '" + text + "'");
                }
                String number = text.substring(i + 1, close);
                int level;
                try {
                    level = Integer.parseInt(number);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("'{" + number + "}' in Kafka topic template '" + text
                            + "' is not a topic level; use {1}, {2}, ...");
                }
                if (level < 1) {
                    throw new IllegalArgumentException("topic levels in Kafka topic template '" + text
                            + "' count from 1, found {" + number + "}");
                }
                if (!literal.isEmpty()) {
                    parts.add(literal.toString());
                    literal.setLength(0);
                }
                parts.add(level - 1);
                highest = Math.max(highest, level);
                i = close + 1;
            } else {
                if (!KafkaTopicNames.isLegalChar(c)) {
                    throw new IllegalArgumentException("Kafka topic template '" + text + "' contains '" + c
                            + "' (Kafka allows only a-z A-Z 0-9 . _ -)");
                }
                literal.append(c);
                i++;
            }
        }
        if (!literal.isEmpty()) {
            parts.add(literal.toString());
        }
        if (highest == 0) {
            String problem = KafkaTopicNames.validate(text);
            if (problem != null) {
                throw new IllegalArgumentException("Kafka topic '" + text + "' " + problem);
            }
        }
        return new TopicTemplate(text, List.copyOf(parts), highest);
    }

    /** @return the highest level the template refers to, 0 for a fixed topic */
    public int highestLevel() {
        return highestLevel;
    }

    /**
     * @param levels the MQTT topic split at '/'
     * @return the Kafka topic, or {@code null} when the levels cannot produce a legal one
     */
    public String render(String[] levels) {
        if (highestLevel == 0) {
            return text;
        }
        if (levels.length < highestLevel) {
            return null;
        }
        StringBuilder out = new StringBuilder(text.length() + 16);
        for (Object part : parts) {
            if (part instanceof Integer index) {
                out.append(KafkaTopicNames.sanitize(levels[index]));
            } else {
                out.append((String) part);
            }
        }
        String topic = out.toString();
        return KafkaTopicNames.validate(topic) == null ? topic : null;
    }

    @Override
    public String toString() {
        return text;
    }
}
