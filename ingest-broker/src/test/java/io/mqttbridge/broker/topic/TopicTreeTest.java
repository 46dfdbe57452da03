package io.mqttbridge.broker.topic;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class TopicTreeTest {

    private final TopicTree<String> tree = new TopicTree<>();

    private List<String> match(String topic) {
        List<String> result = new ArrayList<>();
        tree.match(topic, new TopicTree.Visitor<>() {
            @Override
            public void subscription(String subscription) {
                result.add(subscription);
            }

            @Override
            public void sharedGroup(TopicTree.SharedGroup<String> group) {
                result.add("shared:" + group.pick(s -> true));
            }
        });
        return result;
    }

    @Test
    void wildcardsMatchPerSpecificationIncludingParentOfMultiLevel() {
        tree.add("a/b", null, "o1", "exact");
        tree.add("a/+", null, "o2", "plus");
        tree.add("a/#", null, "o3", "hash");
        tree.add("#", null, "o4", "all");
        tree.add("+/+/c", null, "o5", "deep");
        assertThat(match("a/b")).containsExactlyInAnyOrder("exact", "plus", "hash", "all");
        assertThat(match("a")).containsExactlyInAnyOrder("hash", "all");
        assertThat(match("x/y/c")).containsExactlyInAnyOrder("all", "deep");
        assertThat(match("a/b/c")).containsExactlyInAnyOrder("hash", "all", "deep");
    }

    @Test
    void dollarTopicsAreNotMatchedByLeadingWildcards() {
        tree.add("#", null, "o1", "all");
        tree.add("+/monitor", null, "o2", "plus");
        tree.add("$SYS/#", null, "o3", "sys");
        assertThat(match("$SYS/monitor")).containsExactly("sys");
    }

    @Test
    void removeDeletesOnlyTheOwnersSubscriptionAndReplaceKeepsOne() {
        tree.add("t", null, "o1", "first");
        assertThat(tree.add("t", null, "o1", "replaced")).isTrue();
        tree.add("t", null, "o2", "other");
        assertThat(tree.size()).isEqualTo(2);
        assertThat(tree.remove("t", null, "o1")).isEqualTo("replaced");
        assertThat(tree.remove("t", null, "o1")).isNull();
        assertThat(match("t")).containsExactly("other");
    }

    @Test
    void sharedGroupRoundRobinsAcrossMembers() {
        tree.add("jobs/#", "g", "o1", "m1");
        tree.add("jobs/#", "g", "o2", "m2");
        List<String> picks = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            picks.addAll(match("jobs/x"));
        }
        assertThat(picks).containsOnly("shared:m1", "shared:m2").contains("shared:m1", "shared:m2");
    }

    @Test
    void matchingStaysCorrectWhileOtherThreadsSubscribeAndUnsubscribe() throws Exception {
        tree.add("stable/topic", null, "stable", "stable");
        ExecutorService writers = Executors.newFixedThreadPool(2);
        List<java.util.concurrent.Future<?>> done = new ArrayList<>();
        for (int w = 0; w < 2; w++) {
            int writer = w;
            done.add(writers.submit(() -> {
                for (int i = 0; i < 20_000; i++) {
                    String filter = "stable/" + (i % 2 == 0 ? "+" : "topic");
                    Object owner = writer * 100_000 + i;
                    tree.add(filter, null, owner, "churn");
                    tree.remove(filter, null, owner);
                }
            }));
        }
        for (int i = 0; i < 20_000; i++) {
            assertThat(match("stable/topic")).contains("stable");
        }
        for (java.util.concurrent.Future<?> future : done) {
            future.get();
        }
        writers.shutdown();
        assertThat(writers.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
        assertThat(tree.size()).isEqualTo(1);
    }

    @Test
    void levelsArePrunedWhenTheirLastSubscriptionGoesAndConcurrentChurnLosesNothing() throws Exception {
        ExecutorService writers = Executors.newFixedThreadPool(2);
        List<java.util.concurrent.Future<?>> done = new ArrayList<>();
        for (int w = 0; w < 2; w++) {
            int writer = w;
            done.add(writers.submit(() -> {
                for (int i = 0; i < 20_000; i++) {
                    String filter = "churn/" + (i % 7) + "/" + (i % 3 == 0 ? "#" : "leaf");
                    String group = i % 5 == 0 ? "g" : null;
                    Object owner = writer * 100_000 + i;
                    tree.add(filter, group, owner, "x");
                    assertThat(tree.remove(filter, group, owner)).isEqualTo("x");
                }
            }));
        }
        for (java.util.concurrent.Future<?> future : done) {
            future.get();
        }
        writers.shutdown();
        assertThat(writers.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
        assertThat(tree.size()).isZero();
        assertThat(tree.hasNoLevels()).isTrue();
        tree.add("churn/1/leaf", null, "late", "late");
        assertThat(match("churn/1/leaf")).containsExactly("late");
    }

    @Test
    void matchWith100kUnrelatedSubscriptionsFindsOnlyTheRelevantOnes() {
        for (int i = 0; i < 100_000; i++) {
            tree.add("devices/" + i + "/+/state", null, "o" + i, "d" + i);
        }
        tree.add("devices/42/#", null, "watcher", "watcher");
        assertThat(match("devices/42/x/state")).containsExactlyInAnyOrder("d42", "watcher");
    }
}
