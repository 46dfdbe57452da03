package io.mqttbridge.api.errors;

import jakarta.ws.rs.core.Response;

final class ProblemResponses {

    private ProblemResponses() {
    }

    static Response of(Problem problem) {
        return Response.status(problem.status()).type(Problem.MEDIA_TYPE).entity(problem).build();
    }
}
