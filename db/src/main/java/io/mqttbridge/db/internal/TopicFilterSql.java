package io.mqttbridge.db.internal;

import io.mqttbridge.broker.spi.TopicFilters;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Translates an MQTT topic filter into a SQL predicate on a {@code COLLATE "C"} topic column, with
 * every value bound as a parameter.
 *
 * <p>The predicate has up to four parts: a byte-order range on the literal prefix before the
 * first wildcard (which the btree index on the topic answers without scanning), a regular
 * expression for the exact MQTT semantics of the wildcards, the rule that a filter starting
 * with a wildcard does not match topics starting with {@code $}, and, where the table has a
 * column of positional level tokens (see {@link #levelTokens}), containment of the literal levels
 * after the first wildcard, which a GIN index answers. The tokens only narrow: every topic
 * matching the filter has them, and the regular expression still decides.
 */
public final class TopicFilterSql {

    /** SQL (joined with AND) and the parameters it names. */
    public record Predicate(List<String> clauses, Map<String, Object> binds) {
    }

    private TopicFilterSql() {
    }

    /**
     * @param column the topic column
     * @param prefix a prefix for the parameter names, unique within the statement
     * @throws IllegalArgumentException for an invalid filter
     */
    public static Predicate of(String column, String filter, String prefix) {
        return of(column, null, filter, prefix);
    }

    /**
     * @param column the topic column
     * @param tokensColumn the column holding {@code topic_level_tokens(column)}, or null if there is none
     * @param prefix a prefix for the parameter names, unique within the statement
     * @throws IllegalArgumentException for an invalid filter
     */
    public static Predicate of(String column, String tokensColumn, String filter, String prefix) {
        String problem = TopicFilters.validateFilter(filter);
        if (problem != null) {
            throw new IllegalArgumentException("invalid topic filter '" + filter + "': " + problem);
        }
        List<String> clauses = new ArrayList<>();
        Map<String, Object> binds = new LinkedHashMap<>();
        if (!TopicFilters.isWildcardFilter(filter)) {
            clauses.add(column + " = :" + prefix + "Topic");
            binds.put(prefix + "Topic", filter);
            return new Predicate(clauses, binds);
        }
        String literal = literalPrefix(filter);
        if (!literal.isEmpty()) {
            clauses.add(column + " >= :" + prefix + "Low");
            binds.put(prefix + "Low", literal);
            // Above everything that starts with the literal text up to the wildcard, separator included:
            // "a/b/#" ends below "a/b0", so "a/bc/..." is not in the range at all.
            String upper = upperBound(filter.substring(0, firstWildcard(filter)));
            if (upper != null) {
                clauses.add(column + " < :" + prefix + "High");
                binds.put(prefix + "High", upper);
            }
        } else {
            clauses.add("left(" + column + ", 1) <> '$'");
        }
        List<String> tokens = tokensColumn == null ? List.of() : levelTokens(filter);
        if (!tokens.isEmpty()) {
            List<String> names = new ArrayList<>();
            for (int i = 0; i < tokens.size(); i++) {
                String name = prefix + "Token" + i;
                names.add("CAST(:" + name + " AS text)");
                binds.put(name, tokens.get(i));
            }
            clauses.add(tokensColumn + " @> ARRAY[" + String.join(", ", names) + "]");
        }
        if (!filter.equals(TopicFilters.MULTI_LEVEL_WILDCARD)) {
            clauses.add(column + " ~ :" + prefix + "Regex");
            binds.put(prefix + "Regex", regex(filter));
        }
        return new Predicate(clauses, binds);
    }

    /**
     * The tokens ({@code "<level index>:<level>"}, as the SQL function {@code topic_level_tokens}
     * makes them) of the filter's literal levels after its first wildcard: every matching topic has
     * them. Levels before the first wildcard are left to the prefix range. A trailing {@code #} adds
     * nothing, since it also matches the parent level.
     */
    static List<String> levelTokens(String filter) {
        String[] levels = filter.split("/", -1);
        List<String> tokens = new ArrayList<>();
        boolean afterWildcard = false;
        for (int i = 0; i < levels.length; i++) {
            String level = levels[i];
            if (level.equals(TopicFilters.SINGLE_LEVEL_WILDCARD) || level.equals(TopicFilters.MULTI_LEVEL_WILDCARD)) {
                afterWildcard = true;
            } else if (afterWildcard) {
                tokens.add(i + ":" + level);
            }
        }
        return tokens;
    }

    /** The text every matching topic starts with. "a/b/#" matches "a/b" itself, hence no trailing '/'. */
    static String literalPrefix(String filter) {
        int first = firstWildcard(filter);
        String prefix = filter.substring(0, first);
        if (first == filter.indexOf('#') && prefix.endsWith("/")) {
            prefix = prefix.substring(0, prefix.length() - 1);
        }
        return prefix;
    }

    private static int firstWildcard(String filter) {
        int plus = filter.indexOf('+');
        int hash = filter.indexOf('#');
        return plus < 0 ? hash : hash < 0 ? plus : Math.min(plus, hash);
    }

    /** The smallest string above every string starting with {@code prefix}, or null if there is none. */
    static String upperBound(String prefix) {
        int[] codePoints = prefix.codePoints().toArray();
        for (int i = codePoints.length - 1; i >= 0; i--) {
            int next = codePoints[i] + 1;
            if (next >= 0xD800 && next <= 0xDFFF) {
                next = 0xE000;
            }
            if (next <= Character.MAX_CODE_POINT) {
                return new String(codePoints, 0, i) + new String(Character.toChars(next));
            }
        }
        return null;
    }

    /** A PostgreSQL regular expression (ARE) with the filter's exact MQTT meaning. */
    static String regex(String filter) {
        String[] levels = filter.split("/", -1);
        StringBuilder regex = new StringBuilder("^");
        for (int i = 0; i < levels.length; i++) {
            String level = levels[i];
            if (level.equals(TopicFilters.MULTI_LEVEL_WILDCARD)) {
                regex.append(i == 0 ? ".*" : "(/.*)?");
                break;
            }
            if (i > 0) {
                regex.append('/');
            }
            if (level.equals(TopicFilters.SINGLE_LEVEL_WILDCARD)) {
                regex.append("[^/]*");
            } else {
                appendLiteral(regex, level);
            }
        }
        return regex.append('$').toString();
    }

    private static void appendLiteral(StringBuilder regex, String literal) {
        for (int i = 0; i < literal.length(); i++) {
            char c = literal.charAt(i);
            // In an ARE a backslash before a letter or digit is an escape sequence, before anything
            // else it makes the character literal: quote every ASCII character that is not one.
            if (c < 128 && !Character.isLetterOrDigit(c)) {
                regex.append('\\');
            }
            regex.append(c);
        }
    }
}
