package io.mqttbridge.kafka.cluster.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RouteDirectoryTest {

    private final RouteDirectory directory = new RouteDirectory();

    @Test
    void onlyOtherNodesWithAMatchingFilterAreTargets() {
        directory.add("self", "a/#");
        directory.add("n2", "a/+");
        directory.add("n3", "b/#");

        RouteDirectory.Decision decision = directory.decide("a/x", "self", node -> true);

        assertThat(decision.targetNodes()).containsExactly("n2");
        assertThat(decision.sharedElsewhere()).isEmpty();
        assertThat(directory.decide("c/x", "self", node -> true).targetNodes()).isEmpty();
    }

    @Test
    void aRemovedFilterIsNoLongerATarget() {
        directory.add("n2", "a/#");
        directory.remove("n2", "a/#");

        assertThat(directory.decide("a/x", "self", node -> true).targetNodes()).isEmpty();
        assertThat(directory.contains("n2", "a/#")).isFalse();
    }

    /** Each record of the routes topic brings its own String: the tombstone's is not the record's. */
    @Test
    void aFilterIsRemovedByAnotherStringOfTheSameNodeId() {
        directory.add(new String("n2"), "a/#");
        directory.add(new String("n2"), "$share/g/jobs/#");
        directory.add(new String("n2"), "a/#");
        directory.remove(new String("n2"), "a/#");
        directory.remove(new String("n2"), "$share/g/jobs/#");

        assertThat(directory.decide("a/x", "self", node -> true).targetNodes()).isEmpty();
        assertThat(directory.decide("jobs/1", "self", node -> true).targetNodes()).isEmpty();
    }

    @Test
    void aSharedGroupIsServedByOneNodeAtATimeInTurn() {
        directory.add("self", "$share/g/jobs/#");
        directory.add("n2", "$share/g/jobs/#");
        directory.add("n3", "$share/g/jobs/#");

        List<String> servers = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            RouteDirectory.Decision decision = directory.decide("jobs/1", "self", node -> true);
            assertThat(decision.nonSharedNodes()).isEmpty();
            if (decision.sharedByNode().isEmpty()) {
                servers.add("self");
                assertThat(decision.sharedElsewhere()).isEmpty();
            } else {
                assertThat(decision.sharedByNode()).hasSize(1);
                String node = decision.sharedByNode().keySet().iterator().next();
                assertThat(decision.sharedByNode().get(node)).containsExactly("$share/g/jobs/#");
                assertThat(decision.sharedElsewhere()).containsExactly("$share/g/jobs/#");
                servers.add(node);
            }
        }
        assertThat(servers).containsOnly("self", "n2", "n3");
        assertThat(Set.copyOf(servers.subList(0, 3))).hasSize(3);
    }

    @Test
    void deadNodesServeASharedGroupOnlyWhenNoLiveMemberIsLeft() {
        directory.add("n2", "$share/g/jobs/#");
        directory.add("n3", "$share/g/jobs/#");

        for (int i = 0; i < 4; i++) {
            assertThat(directory.decide("jobs/1", "self", node -> !node.equals("n3")).sharedByNode()).containsOnlyKeys("n2");
        }
        assertThat(directory.decide("jobs/1", "self", node -> false).sharedByNode()).hasSize(1);
    }
}
