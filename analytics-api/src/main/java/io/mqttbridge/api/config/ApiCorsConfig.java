package io.mqttbridge.api.config;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import jakarta.validation.constraints.AssertTrue;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;

import java.util.List;

/**
 * Cross-origin access to the REST API from browsers: which web pages on other origins (a dashboard
 * at {@code https://dash.example.com} reading the message history) may call it. Off by default (no
 * origins): a browser then lets only pages of the API's own origin, such as the console, read its
 * answers. Credentials still come in the {@code Authorization} header; this only lets the browser
 * send it and show the page the answer.
 */
public class ApiCorsConfig {

    public static final int DEFAULT_PREFLIGHT_MAX_AGE_SECONDS = 600;

    @NotNull
    private List<@NotNull @Pattern(regexp = "\\*|https?://[^/?#\\s*]+",
            message = "must be an origin such as https://dash.example.com (scheme, host and port, no path), or *")
            String> allowedOrigins = List.of();
    private boolean allowCredentials;
    @Min(0)
    @Max(86_400)
    private int preflightMaxAgeSeconds = DEFAULT_PREFLIGHT_MAX_AGE_SECONDS;

    /**
     * Origins whose pages may call the API, each {@code scheme://host[:port]} exactly as browsers send
     * it in {@code Origin}, or {@code *} for every origin. Empty (the default): none.
     */
    @JsonProperty
    public List<String> getAllowedOrigins() {
        return allowedOrigins;
    }

    @JsonProperty
    public void setAllowedOrigins(List<String> allowedOrigins) {
        this.allowedOrigins = allowedOrigins;
    }

    /**
     * Whether the browser may send cookies and the credentials it keeps for the API's origin (HTTP
     * basic) with a cross-origin call. Pages that send their own {@code Authorization} header need
     * no credentials mode. Not allowed together with {@code *}.
     */
    @JsonProperty
    public boolean isAllowCredentials() {
        return allowCredentials;
    }

    @JsonProperty
    public void setAllowCredentials(boolean allowCredentials) {
        this.allowCredentials = allowCredentials;
    }

    /** How long a browser may reuse the answer to a preflight request. */
    @JsonProperty
    public int getPreflightMaxAgeSeconds() {
        return preflightMaxAgeSeconds;
    }

    @JsonProperty
    public void setPreflightMaxAgeSeconds(int preflightMaxAgeSeconds) {
        this.preflightMaxAgeSeconds = preflightMaxAgeSeconds;
    }

    @JsonIgnore
    public boolean isEnabled() {
        return !allowedOrigins.isEmpty();
    }

    /** Browsers refuse credentials with {@code Access-Control-Allow-Origin: *}, and any origin with them would be unsafe. */
    @JsonIgnore
    @AssertTrue(message = "allowCredentials must be false when allowedOrigins contains *")
    public boolean isAllowCredentialsOnlyForListedOrigins() {
        return !allowCredentials || allowedOrigins == null || !allowedOrigins.contains("*");
    }
}
