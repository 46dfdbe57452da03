package io.mqttbridge.db.history.internal;

import java.util.ArrayList;
import java.util.List;

/**
 * The positional level tokens of a topic, exactly as the SQL function {@code topic_level_tokens}
 * (migration V21) makes them: {@code "site/7/temp"} -> {@code ["0:site", "1:7", "2:temp"]}, empty
 * levels kept ({@code "a//b"} -> {@code ["0:a", "1:", "2:b"]}). The writer supplies them so that
 * PostgreSQL does not run the SQL function once per row; its {@code COPY} writes them straight from the
 * topic's bytes ({@link MessageCopyEncoder#writeTopicTokens}), which must equal this String form.
 */
final class TopicTokens {

    private TopicTokens() {
    }

    static List<String> of(String topic) {
        List<String> tokens = new ArrayList<>(8);
        int level = 0;
        int start = 0;
        while (true) {
            int slash = topic.indexOf('/', start);
            int end = slash < 0 ? topic.length() : slash;
            tokens.add(level + ":" + topic.substring(start, end));
            if (slash < 0) {
                return tokens;
            }
            level++;
            start = slash + 1;
        }
    }
}
