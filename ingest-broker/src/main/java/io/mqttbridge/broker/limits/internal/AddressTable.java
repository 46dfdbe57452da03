package io.mqttbridge.broker.limits.internal;

import java.net.InetAddress;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * Per-source-address state, bounded: beyond {@code capacity} addresses the least recently used
 * is forgotten, so a scan from many addresses cannot exhaust memory. Thread-safe (synchronized: it
 * is only used on connect, never on the publish path).
 */
public final class AddressTable<V> {

    private final Map<InetAddress, V> entries;

    public AddressTable(int capacity) {
        this.entries = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<InetAddress, V> eldest) {
                return size() > capacity;
            }
        };
    }

    /** Runs {@code action} on the entry of {@code address} (made by {@code create} if needed) under the table's lock. */
    public synchronized <R> R with(InetAddress address, Function<InetAddress, V> create, Function<V, R> action) {
        return action.apply(entries.computeIfAbsent(address, create));
    }

    public synchronized void remove(InetAddress address) {
        entries.remove(address);
    }
}
