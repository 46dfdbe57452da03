package io.mqttbridge.api.console;

import com.fasterxml.jackson.annotation.JsonProperty;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.Size;

/**
 * The operator console: served at {@code /} on the API port, and its live view, which connects to
 * the broker listener named {@link #getLiveListener()} (a WSS listener) with short-lived tokens the
 * API issues.
 */
public class ConsoleConfig {

    public static final boolean DEFAULT_ENABLED = true;
    public static final String DEFAULT_LIVE_LISTENER = "wss";
    public static final int DEFAULT_LIVE_TOKEN_SECONDS = 300;
    public static final String DEFAULT_SECRET_FILE = "console-live-token-secret";
    public static final String DEFAULT_CERTIFICATE_DIRECTORY = "console-tls";

    private boolean enabled = DEFAULT_ENABLED;
    @NotEmpty
    private String liveListener = DEFAULT_LIVE_LISTENER;
    @Min(30)
    @Max(86_400)
    private int liveTokenSeconds = DEFAULT_LIVE_TOKEN_SECONDS;
    @Size(min = 32, message = "must be at least 32 characters (HS256 needs 256 bits)")
    private String liveTokenSecret;
    private String publicHost;

    /** false: neither the pages nor the live-token endpoint are served. */
    @JsonProperty
    public boolean isEnabled() {
        return enabled;
    }

    @JsonProperty
    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    /** The name of the broker listener (transport WSS) the live view connects to. */
    @JsonProperty
    public String getLiveListener() {
        return liveListener;
    }

    @JsonProperty
    public void setLiveListener(String liveListener) {
        this.liveListener = liveListener;
    }

    /** How long a live-view token is valid; the broker closes the connection when it expires. */
    @JsonProperty
    public int getLiveTokenSeconds() {
        return liveTokenSeconds;
    }

    @JsonProperty
    public void setLiveTokenSeconds(int liveTokenSeconds) {
        this.liveTokenSeconds = liveTokenSeconds;
    }

    /**
     * The HS256 key live-view tokens are signed with. Absent: generated on first start into the
     * data directory. Several nodes behind one address must share it.
     */
    @JsonProperty
    public String getLiveTokenSecret() {
        return liveTokenSecret;
    }

    @JsonProperty
    public void setLiveTokenSecret(String liveTokenSecret) {
        this.liveTokenSecret = liveTokenSecret;
    }

    /** The host name browsers connect to for the live view; absent: the host the console was loaded from. */
    @JsonProperty
    public String getPublicHost() {
        return publicHost;
    }

    @JsonProperty
    public void setPublicHost(String publicHost) {
        this.publicHost = publicHost;
    }
}
