package io.mqttbridge.loadtool.scenario;

import io.mqttbridge.loadtool.Scenario;
import java.util.stream.IntStream;

/**
 * Who publishes on which topic and who subscribes to what, for the messaging scenarios. Topics live
 * under a per-run prefix so that concurrent or earlier runs never mix.
 */
public record Topology(Scenario scenario, int publishers, int subscribers, String prefix) {

    public static Topology of(Scenario scenario, int publishers, int subscribers, String prefix) {
        return switch (scenario) {
            case FAN_IN -> new Topology(scenario, publishers, 1, prefix);
            case ONE_TO_ONE -> new Topology(scenario, publishers, publishers, prefix);
            case FAN_OUT -> new Topology(scenario, 1, subscribers, prefix);
            default -> throw new IllegalArgumentException(scenario.cliName() + " is not a messaging scenario");
        };
    }

    public String publishTopic(int publisher) {
        return switch (scenario) {
            case FAN_IN -> prefix + "/fan-in/" + publisher;
            case ONE_TO_ONE -> prefix + "/pair/" + publisher;
            default -> prefix + "/fan-out";
        };
    }

    public String subscribeFilter(int subscriber) {
        return switch (scenario) {
            case FAN_IN -> prefix + "/fan-in/+";
            case ONE_TO_ONE -> prefix + "/pair/" + subscriber;
            default -> prefix + "/fan-out";
        };
    }

    /** The subscribers that receive what {@code publisher} publishes. */
    public int[] subscribersOf(int publisher) {
        return scenario == Scenario.ONE_TO_ONE ? new int[] {publisher} : IntStream.range(0, subscribers).toArray();
    }

    /** The publishers whose messages {@code subscriber} receives. */
    public int[] publishersOf(int subscriber) {
        return scenario == Scenario.ONE_TO_ONE ? new int[] {subscriber} : IntStream.range(0, publishers).toArray();
    }
}
