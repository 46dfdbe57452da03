package io.mqttbridge.api.errors;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.List;

/**
 * An RFC 9457 problem details body: every error the API returns has this shape.
 *
 * @param type a stable identifier of the kind of problem (a URN, not a link)
 * @param title a short, human-readable summary of the kind of problem
 * @param status the HTTP status code
 * @param detail what exactly was wrong with this request
 * @param errors individual field errors, when validation failed
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Problem(String type, String title, int status, String detail, List<String> errors) {

    public static final String MEDIA_TYPE = "application/problem+json";
    private static final String TYPE_PREFIX = "urn:mqtt-kafka-bridge:problem:";

    public static Problem of(int status, String kind, String title, String detail) {
        return new Problem(TYPE_PREFIX + kind, title, status, detail, null);
    }
}
