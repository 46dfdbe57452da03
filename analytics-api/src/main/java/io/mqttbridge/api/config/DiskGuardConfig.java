package io.mqttbridge.api.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;

/**
 * How much free space the embedded Kafka's and PostgreSQL's file systems must keep. Below
 * {@code minFreeBytes} the bridge refuses new messages (MQTT 5: 0x97; 3.1.1: the connection is closed
 * and the client resends later) instead of letting the disk fill: a full disk makes the embedded Kafka
 * halt the whole process. Accepting resumes by itself once a tenth more than the limit is free again.
 */
public class DiskGuardConfig {

    public static final long DEFAULT_MIN_FREE_BYTES = 512L * 1024 * 1024;
    public static final int DEFAULT_CHECK_INTERVAL_MILLIS = 1000;

    @Min(0)
    private long minFreeBytes = DEFAULT_MIN_FREE_BYTES;

    @Min(50)
    @Max(60_000)
    private int checkIntervalMillis = DEFAULT_CHECK_INTERVAL_MILLIS;

    /** Free bytes below which new messages are refused; 0 turns the guard off. */
    @JsonProperty
    public long getMinFreeBytes() {
        return minFreeBytes;
    }

    @JsonProperty
    public void setMinFreeBytes(long minFreeBytes) {
        this.minFreeBytes = minFreeBytes;
    }

    /** How often the free space is read (one {@code statvfs} per watched directory). */
    @JsonProperty
    public int getCheckIntervalMillis() {
        return checkIntervalMillis;
    }

    @JsonProperty
    public void setCheckIntervalMillis(int checkIntervalMillis) {
        this.checkIntervalMillis = checkIntervalMillis;
    }

    public boolean isEnabled() {
        return minFreeBytes > 0;
    }
}
