package io.mqttbridge.api.errors;

/**
 * A request the API refuses, with the problem to report. Thrown by resources; turned into a
 * problem+json response by {@link ApiExceptionMapper}.
 */
public class ApiException extends RuntimeException {

    private final transient Problem problem;

    public ApiException(Problem problem) {
        super(problem.detail());
        this.problem = problem;
    }

    public Problem problem() {
        return problem;
    }

    public static ApiException badRequest(String detail) {
        return new ApiException(Problem.of(400, "bad-request", "Bad Request", detail));
    }

    public static ApiException notFound(String detail) {
        return new ApiException(Problem.of(404, "not-found", "Not Found", detail));
    }

    public static ApiException conflict(String detail) {
        return new ApiException(Problem.of(409, "conflict", "Conflict", detail));
    }

    public static ApiException unavailable(String detail) {
        return new ApiException(Problem.of(503, "unavailable", "Service Unavailable", detail));
    }
}
