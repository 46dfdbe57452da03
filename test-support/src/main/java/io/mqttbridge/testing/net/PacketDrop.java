package io.mqttbridge.testing.net;

import io.mqttbridge.testing.os.SystemCommand;
import org.junit.jupiter.api.Assumptions;

import java.util.ArrayList;
import java.util.List;

/**
 * Every TCP packet to and from one port on loopback silently dropped (iptables, needs root), as a
 * host that vanished or a network that lost everything looks to the other side: no reset, no close,
 * no answer. {@link #close()} lets them through again. Where iptables is not permitted, the test that
 * asked for it is skipped.
 */
public final class PacketDrop implements AutoCloseable {

    private final List<List<String>> rules;

    private PacketDrop(List<List<String>> rules) {
        this.rules = rules;
    }

    public static PacketDrop on(int port) {
        List<List<String>> rules = List.of(
                List.of("INPUT", "-i", "lo", "-p", "tcp", "--dport", String.valueOf(port), "-j", "DROP"),
                List.of("INPUT", "-i", "lo", "-p", "tcp", "--sport", String.valueOf(port), "-j", "DROP"));
        List<List<String>> added = new ArrayList<>();
        for (List<String> rule : rules) {
            String problem = iptables("-I", rule);
            if (problem != null) {
                new PacketDrop(added).close();
                Assumptions.abort("iptables is not permitted here: " + problem);
            }
            added.add(rule);
        }
        return new PacketDrop(added);
    }

    @Override
    public void close() {
        for (List<String> rule : rules) {
            String problem = iptables("-D", rule);
            if (problem != null) {
                System.err.println("packet drop: could not remove " + rule + ": " + problem);
            }
        }
    }

    /** @return {@code null} on success, else what iptables said */
    private static String iptables(String action, List<String> rule) {
        List<String> command = new ArrayList<>(List.of("iptables", "-w", "5", action));
        command.addAll(rule);
        return SystemCommand.problemOf(command);
    }
}
