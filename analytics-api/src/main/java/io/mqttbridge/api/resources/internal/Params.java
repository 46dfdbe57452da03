package io.mqttbridge.api.resources.internal;

import io.mqttbridge.api.errors.ApiException;
import io.mqttbridge.broker.spi.TopicFilters;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * Parses query parameters that JAX-RS would otherwise turn into a bare 404, so that a bad value
 * gets a 400 naming the parameter and what was expected.
 */
public final class Params {

    private Params() {
    }

    /*
     * Times the API takes: four-digit years. PostgreSQL's timestamps end in the year 294276, and a
     * time past that reached the database and failed there (a 500) instead of here.
     */
    static final Instant EARLIEST = Instant.parse("0001-01-01T00:00:00Z");
    static final Instant LATEST = Instant.parse("9999-12-31T23:59:59.999999Z");

    /**
     * An ISO-8601 instant ({@code 2026-01-31T12:00:00Z} or with an offset) from the years 1 to 9999;
     * {@code null} if absent.
     */
    public static Instant instant(String name, String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        Instant instant;
        try {
            instant = OffsetDateTime.parse(value.trim()).toInstant();
        } catch (DateTimeParseException e) {
            throw ApiException.badRequest(name + " must be an ISO-8601 time such as 2026-01-31T12:00:00Z, was '"
                    + value + "'");
        }
        if (instant.isBefore(EARLIEST) || instant.isAfter(LATEST)) {
            throw ApiException.badRequest(name + " must be between " + EARLIEST + " and " + LATEST + ", was '"
                    + value + "'");
        }
        return instant;
    }

    /** @throws ApiException 400 unless {@code from} is before {@code to} (when both are given) */
    public static void range(Instant from, Instant to) {
        if (from != null && to != null && !from.isBefore(to)) {
            throw ApiException.badRequest("from (" + from + ") must be before to (" + to + ")");
        }
    }

    public static int limit(String value, int defaultLimit, int maxLimit) {
        if (value == null || value.isBlank()) {
            return defaultLimit;
        }
        int limit;
        try {
            limit = Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("limit must be a whole number between 1 and " + maxLimit + ", was '" + value + "'");
        }
        if (limit < 1 || limit > maxLimit) {
            throw ApiException.badRequest("limit must be between 1 and " + maxLimit + ", was " + limit);
        }
        return limit;
    }

    /** The {@code order} of a listing by time: {@code newest} (the default) or {@code oldest}. */
    public static boolean newestFirst(String order) {
        if (order == null || order.isBlank()) {
            return true;
        }
        return switch (order.trim().toLowerCase(Locale.ROOT)) {
            case "newest" -> true;
            case "oldest" -> false;
            default -> throw ApiException.badRequest("order must be newest or oldest, was '" + order + "'");
        };
    }

    /** {@code true}, {@code false} or absent ({@code null}). */
    public static Boolean bool(String name, String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        return switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "true" -> Boolean.TRUE;
            case "false" -> Boolean.FALSE;
            default -> throw ApiException.badRequest(name + " must be true or false, was '" + value + "'");
        };
    }

    public static Integer qos(String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        return switch (value.trim()) {
            case "0" -> 0;
            case "1" -> 1;
            case "2" -> 2;
            default -> throw ApiException.badRequest("qos must be 0, 1 or 2, was '" + value + "'");
        };
    }

    /** A valid MQTT topic filter ({@code +} and {@code #} allowed) or {@code null} if absent. */
    public static String topicFilter(String name, String value) {
        if (value == null || value.isEmpty()) {
            return null;
        }
        String problem = TopicFilters.validateFilter(value);
        if (problem != null) {
            throw ApiException.badRequest(name + " is not a valid MQTT topic filter ('" + value + "'): " + problem);
        }
        return value;
    }

    /** An optional text criterion: absent or empty means no criterion. */
    public static String text(String value) {
        return value == null || value.isEmpty() ? null : value;
    }

    /**
     * Runs a repository call, turning its {@link IllegalArgumentException} (an unknown cursor, a
     * limit the repository refuses) into a 400 with the repository's reason.
     */
    public static <T> T query(Supplier<T> call) {
        try {
            return call.get();
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage());
        }
    }
}
