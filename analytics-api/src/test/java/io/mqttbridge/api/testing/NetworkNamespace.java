package io.mqttbridge.api.testing;

import io.mqttbridge.testing.os.SystemCommand;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A Linux network namespace joined to this host by two veth pairs (iproute2; needs root): a data
 * link ({@code 10.231.N.1} here, {@code 10.231.N.2} there) and a client link ({@code 10.232.N.1} /
 * {@code 10.232.N.2}). A process started with {@code ip netns exec} is then a separate host: it
 * reaches services here that listen on {@link #hostDataAddress()}, and this host reaches it at
 * {@link #clientAddress()}. {@link #cutData()} takes the data link down inside the namespace, the
 * client link stays. {@link #close()} deletes the namespace, and with it both pairs.
 */
public final class NetworkNamespace implements AutoCloseable {

    private final String name;
    private final int subnet;
    private final String dataHost;
    private final String dataInside;
    private final String clientHost;
    private final String clientInside;
    private boolean created;

    private NetworkNamespace(String name, int subnet, String suffix) {
        this.name = name;
        this.subnet = subnet;
        this.dataHost = "mbd" + suffix + "h";
        this.dataInside = "mbd" + suffix + "n";
        this.clientHost = "mbc" + suffix + "h";
        this.clientInside = "mbc" + suffix + "n";
    }

    /**
     * Creates the namespace and its links.
     *
     * @throws IllegalStateException with {@code ip}'s output when a step is not permitted or fails
     */
    public static NetworkNamespace create() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        String suffix = Integer.toString(10_000 + random.nextInt(90_000));
        NetworkNamespace namespace = new NetworkNamespace("mqttbridge-" + suffix, 1 + random.nextInt(250), suffix);
        try {
            namespace.setUp();
            return namespace;
        } catch (RuntimeException e) {
            namespace.close();
            throw e;
        }
    }

    private void setUp() {
        ip("netns", "add", name);
        created = true;
        ip("link", "add", dataHost, "type", "veth", "peer", "name", dataInside);
        ip("link", "add", clientHost, "type", "veth", "peer", "name", clientInside);
        ip("link", "set", dataInside, "netns", name);
        ip("link", "set", clientInside, "netns", name);
        ip("addr", "add", hostDataAddress() + "/30", "dev", dataHost);
        ip("addr", "add", "10.232." + subnet + ".1/30", "dev", clientHost);
        ip("link", "set", dataHost, "up");
        ip("link", "set", clientHost, "up");
        inside("addr", "add", "10.231." + subnet + ".2/30", "dev", dataInside);
        inside("addr", "add", clientAddress() + "/30", "dev", clientInside);
        inside("link", "set", "lo", "up");
        inside("link", "set", dataInside, "up");
        inside("link", "set", clientInside, "up");
    }

    public String name() {
        return name;
    }

    /** This host's end of the data link: services the namespace must reach listen here. */
    public String hostDataAddress() {
        return "10.231." + subnet + ".1";
    }

    /** The namespace's end of the client link: where this host reaches a process inside. */
    public String clientAddress() {
        return "10.232." + subnet + ".2";
    }

    /** Takes the data link down inside the namespace: what runs there no longer reaches this host's services. */
    public void cutData() {
        inside("link", "set", dataInside, "down");
    }

    private void inside(String... args) {
        ip(concat(new String[] {"netns", "exec", name, "ip"}, args));
    }

    private static String[] concat(String[] first, String[] second) {
        String[] all = new String[first.length + second.length];
        System.arraycopy(first, 0, all, 0, first.length);
        System.arraycopy(second, 0, all, first.length, second.length);
        return all;
    }

    private static void ip(String... args) {
        SystemCommand.run(List.of(concat(new String[] {"ip"}, args)));
    }

    /** Deletes the namespace (its veth ends go with it, and so do their peers here). */
    @Override
    public void close() {
        if (created) {
            created = false;
            ip("netns", "delete", name);
        }
        // A pair that never moved into the namespace would stay behind.
        for (String leftover : List.of(dataHost, clientHost)) {
            try {
                ip("link", "delete", leftover);
            } catch (IllegalStateException e) {
                // gone with the namespace
            }
        }
    }
}
