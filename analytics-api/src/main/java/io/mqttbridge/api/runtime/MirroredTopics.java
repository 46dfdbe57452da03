package io.mqttbridge.api.runtime;

import io.mqttbridge.kafka.mirror.MirrorRule;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The Kafka topics the mirror can write to, as one regular expression for the history writer's
 * subscription: fixed names literally, and each {@code {n}} of a template as "one or more
 * characters" (the mirror fills it with a sanitised topic level).
 */
final class MirroredTopics {

    private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\d+}");

    private MirroredTopics() {
    }

    /** @return the pattern, or an empty string when there are no rules */
    static String patternOf(List<MirrorRule> rules) {
        return rules.stream()
                .map(MirrorRule::getKafkaTopic)
                .distinct()
                .map(MirroredTopics::templateToRegex)
                .collect(Collectors.joining("|"));
    }

    static String templateToRegex(String template) {
        StringBuilder regex = new StringBuilder();
        Matcher matcher = PLACEHOLDER.matcher(template);
        int last = 0;
        while (matcher.find()) {
            regex.append(Pattern.quote(template.substring(last, matcher.start()))).append(".+");
            last = matcher.end();
        }
        if (last < template.length()) {
            regex.append(Pattern.quote(template.substring(last)));
        }
        return regex.toString();
    }
}
