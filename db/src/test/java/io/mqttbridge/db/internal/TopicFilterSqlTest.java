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
}
