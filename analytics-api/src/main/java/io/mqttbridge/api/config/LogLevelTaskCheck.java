package io.mqttbridge.api.config;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.dropwizard.core.setup.Environment;
import io.dropwizard.jackson.Jackson;
import io.mqttbridge.api.errors.Problem;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Checks the parameters of the admin port's {@code log-level} task (Dropwizard's) before it runs. The
 * task took an unknown level for DEBUG ({@code level=NOTALEVEL} on the root logger floods the log) and
 * answered a duration it could not read, or a negative one, with 500 and a stack trace. A bad parameter
 * now gets 400 (problem+json) naming it, and the task does not run.
 */
public final class LogLevelTaskCheck implements Filter {

    static final String PATH = "/tasks/log-level";
    private static final List<String> LEVELS = List.of("OFF", "ERROR", "WARN", "INFO", "DEBUG", "TRACE", "ALL");
    private static final List<String> PARAMETERS = List.of("logger", "level", "duration");
    private static final ObjectMapper JSON = Jackson.newObjectMapper();

    /** Puts the check in front of the task on the admin port. */
    public static void install(Environment environment) {
        environment.admin().addFilter("log-level-task-check", new LogLevelTaskCheck())
                .addMappingForUrlPatterns(EnumSet.of(DispatcherType.REQUEST), false, PATH);
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        String problem = problem(request.getParameterMap());
        if (problem != null && "POST".equals(((HttpServletRequest) request).getMethod())) {
            HttpServletResponse http = (HttpServletResponse) response;
            http.setStatus(HttpServletResponse.SC_BAD_REQUEST);
            http.setContentType(Problem.MEDIA_TYPE);
            JSON.writeValue(http.getOutputStream(),
                    Problem.of(400, "bad-task-parameter", "Bad task parameter", problem));
            return;
        }
        chain.doFilter(request, response);
    }

    /** What is wrong with the task's parameters, or {@code null}. */
    static String problem(Map<String, String[]> parameters) {
        for (String name : parameters.keySet()) {
            if (!PARAMETERS.contains(name)) {
                return "unknown parameter '" + name + "'; known here: " + String.join(", ", PARAMETERS);
            }
        }
        String[] loggers = parameters.get("logger");
        if (loggers == null || List.of(loggers).stream().anyMatch(String::isBlank)) {
            return "logger is required: the name of a logger (ROOT for the root logger), once per logger";
        }
        String level = single(parameters, "level");
        if (level != null && !LEVELS.contains(level.toUpperCase(Locale.ROOT))) {
            return "level must be one of " + String.join(", ", LEVELS) + " (or absent, to inherit again), was '"
                    + level + "'";
        }
        String duration = single(parameters, "duration");
        if (duration != null) {
            try {
                if (Duration.parse(duration).compareTo(Duration.ZERO) <= 0) {
                    return "duration must be positive, was '" + duration + "'";
                }
            } catch (DateTimeParseException e) {
                return "duration must be an ISO-8601 duration such as PT10M, was '" + duration + "'";
            }
        }
        boolean repeated = parameters.containsKey("level") && level == null
                || parameters.containsKey("duration") && duration == null;
        if (repeated) {
            return "level and duration may be given once each";
        }
        return null;
    }

    private static String single(Map<String, String[]> parameters, String name) {
        String[] values = parameters.get(name);
        return values == null || values.length != 1 ? null : values[0];
    }
}
