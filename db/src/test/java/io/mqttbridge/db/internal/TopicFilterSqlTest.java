package io.mqttbridge.db.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.mqttbridge.db.testing.TestDatabase;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TopicFilterSqlTest {

    @RegisterExtension
    static final TestDatabase db = new TestDatabase();

    @ParameterizedTest
    @CsvSource({
        "a/b/#, a/b",
        "a/+/c, a/",
        "+/x, ''",
        "#, ''",
        "$SYS/#, $SYS",
        "a/b/+/#, a/b/"
    })
    void literalPrefixStopsAtTheFirstWildcardLevel(String filter, String prefix) {
        assertThat(TopicFilterSql.literalPrefix(filter)).isEqualTo(prefix);
    }

    @Test
    void upperBoundIsTheNextStringAfterEveryExtensionOfThePrefix() {
        assertThat(TopicFilterSql.upperBound("a/b")).isEqualTo("a/c");
        assertThat(TopicFilterSql.upperBound("a/")).isEqualTo("a0");
        assertThat(TopicFilterSql.upperBound("x\uD7FF")).isEqualTo("x\uE000");
        assertThat(TopicFilterSql.upperBound(new String(Character.toChars(Character.MAX_CODE_POINT)))).isNull();
    }

    @Test
    void prefixRangeIsPartOfTheWildcardPredicateSoTheTopicIndexCanAnswerIt() {
        TopicFilterSql.Predicate predicate = TopicFilterSql.of("mqtt_topic", "a/b/#", "t");
        assertThat(predicate.clauses()).contains("mqtt_topic >= :tLow", "mqtt_topic < :tHigh");
        assertThat(predicate.binds()).containsEntry("tLow", "a/b").containsEntry("tHigh", "a/b0");
    }

    @Test
    void rangeAloneAdmitsEveryMatchingTopicUnderByteOrder() {
        // The range is only a narrowing for the index: it must never exclude a topic that matches.
        List<String> matching = List.of("a/b", "a/b/c", "a/b/\uFFFF", "a/b/" + new String(Character.toChars(0x1F600)),
                "a/b/" + new String(Character.toChars(Character.MAX_CODE_POINT)));
        TopicFilterSql.Predicate predicate = TopicFilterSql.of("topic", "a/b/#", "t");
        String range = "topic >= :tLow AND topic < :tHigh";
        for (String topic : matching) {
            boolean inRange = db.jdbi().withHandle(h -> h.createQuery(
                            "SELECT " + range + " FROM (SELECT CAST(:topic AS text) COLLATE \"C\" AS topic) t")
                    .bindMap(Map.of("tLow", predicate.binds().get("tLow"), "tHigh", predicate.binds().get("tHigh")))
                    .bind("topic", topic)
                    .mapTo(Boolean.class).one());
            assertThat(inRange).as(topic).isTrue();
        }
        boolean siblingInRange = db.jdbi().withHandle(h -> h.createQuery(
                        "SELECT " + range + " FROM (SELECT CAST('a/bc/x' AS text) COLLATE \"C\" AS topic) t")
                .bindMap(Map.of("tLow", predicate.binds().get("tLow"), "tHigh", predicate.binds().get("tHigh")))
                .mapTo(Boolean.class).one());
        assertThat(siblingInRange).as("a sibling sharing the prefix text is outside the range").isFalse();
    }

    @Test
    void regexEncodesTheMqttMeaningOfEachWildcard() {
        assertThat(TopicFilterSql.regex("a/+/c")).isEqualTo("^a/[^/]*/c$");
        assertThat(TopicFilterSql.regex("a/#")).isEqualTo("^a(/.*)?$");
        assertThat(TopicFilterSql.regex("a.b/+")).isEqualTo("^a\\.b/[^/]*$");
    }

    @Test
    void levelTokensAreTheLiteralLevelsAfterTheFirstWildcardWithTheirPosition() {
        assertThat(TopicFilterSql.levelTokens("site/+/device/507/temp")).containsExactly("2:device", "3:507", "4:temp");
        assertThat(TopicFilterSql.levelTokens("+/a//b:c/#")).containsExactly("1:a", "2:", "3:b:c");
        assertThat(TopicFilterSql.levelTokens("a/b/#")).isEmpty();
        assertThat(TopicFilterSql.levelTokens("a/+/+")).isEmpty();
        assertThat(TopicFilterSql.levelTokens("a/b")).isEmpty();
    }

    @Test
    void sqlFunctionMakesTheSameTokensForATopicAsTheFilterAsksFor() {
        List<String> tokens = db.jdbi().withHandle(h -> h.createQuery(
                        "SELECT unnest(topic_level_tokens(CAST(:topic AS text)))")
                .bind("topic", "a//b:c/\u00e4/")
                .mapTo(String.class).list());
        assertThat(tokens).containsExactly("0:a", "1:", "2:b:c", "3:\u00e4", "4:");
        assertThat(TopicFilterSql.levelTokens("+//b:c/\u00e4/")).containsExactly("1:", "2:b:c", "3:\u00e4", "4:");
    }

    @Test
    void tokenClauseIsBoundAndOnlyAddedWhereATokensColumnIsGiven() {
        TopicFilterSql.Predicate predicate = TopicFilterSql.of("mqtt_topic", "topic_tokens", "a/+/x'y/#", "t");
        assertThat(predicate.clauses()).contains("topic_tokens @> ARRAY[CAST(:tToken0 AS text)]");
        assertThat(predicate.binds()).containsEntry("tToken0", "2:x'y");
        assertThat(TopicFilterSql.of("topic", "a/+/x", "t").clauses()).noneMatch(c -> c.contains("@>"));
    }

    @ParameterizedTest(name = "{0} vs {1}")
    @CsvSource({
        "site/+/device/507/temp, site/7/device/507/temp, true",
        "site/+/device/507/temp, site/7/device/508/temp, false",
        "site/+/device/507/temp, site/7/device/507/temp/x, false",
        "site/+/device/507/temp, site/7/x/device/507/temp, false",
        "site/+/device/507/temp, site/temp/device/507/507, false",
        "site/+/device/+/temp, site/1/device/2/temp, true",
        "site/+/device/+/temp, site/1/device/2/hum, false",
        "a/+/b/#, a/x/b, true",
        "a/+/b/#, a/x/b/c/d, true",
        "a/+/b/#, a/x/c/b, false",
        "a/+/b/#, a/x/bb, false",
        "+/x, $SYS/x, false",
        "+/x, s/x, true",
        "+/+/c, a/b/c, true",
        "+/+/c, a/c/b, false",
        "a/+//c, a/x//c, true",
        "a/+//c, a/x/y/c, false",
        "a/+/x.y, a/1/xzy, false",
        "a/+/x.y, a/1/x.y, true",
        "#, $SYS/x, false",
        "$SYS/+/load, $SYS/broker/load, true",
    })
    void predicateWithTokensMatchesExactlyWhatTheFilterMatches(String filter, String topic, boolean matches) {
        TopicFilterSql.Predicate predicate = TopicFilterSql.of("mqtt_topic", "topic_tokens", filter, "t");
        assertThat(evaluate(String.join(" AND ", predicate.clauses()), predicate.binds(), topic)).isEqualTo(matches);
        // The token clause alone must hold for every matching topic, or the index would lose rows.
        for (String clause : predicate.clauses()) {
            if (clause.contains("@>") && matches) {
                assertThat(evaluate(clause, predicate.binds(), topic)).as(clause).isTrue();
            }
        }
    }

    @ParameterizedTest(name = "{0} vs {1}")
    @CsvSource({
        "site/+/device/507/temp, site/7/device/508/temp",
        "site/+/device/507/temp, site/7/x/device/507/temp",
        "site/+/device/507/temp, site/temp/device/507/507",
        "a/+/b/#, a/x/c/b",
        "+/+/c, a/c/b",
    })
    void tokenClauseAloneExcludesTopicsWithADifferentLiteralLevel(String filter, String topic) {
        TopicFilterSql.Predicate predicate = TopicFilterSql.of("mqtt_topic", "topic_tokens", filter, "t");
        String tokens = predicate.clauses().stream().filter(c -> c.contains("@>")).findFirst().orElseThrow();
        assertThat(evaluate(tokens, predicate.binds(), topic)).isFalse();
    }

    private static boolean evaluate(String condition, Map<String, Object> binds, String topic) {
        return db.jdbi().withHandle(h -> h.createQuery("SELECT " + condition + " FROM (SELECT CAST(:topic AS text) "
                        + "COLLATE \"C\" AS mqtt_topic, topic_level_tokens(CAST(:topic AS text)) AS topic_tokens) t")
                .bindMap(binds)
                .bind("topic", topic)
                .mapTo(Boolean.class).one());
    }
}
