package io.mqttbridge.db;

import java.time.Instant;

/** One partition of the messages table: it holds rows received in [{@code from}, {@code to}). */
public record MessagePartition(String name, Instant from, Instant to) {
}
