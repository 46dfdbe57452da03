package io.mqttbridge.api.errors;

import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;

/**
 * Jersey's own errors (unknown path 404, wrong method 405, unparseable parameter 404/400,
 * forbidden role 403, unsupported media type 415...) as problem+json instead of HTML or text.
 */
public class WebApplicationExceptionMapper implements ExceptionMapper<WebApplicationException> {

    @Override
    public Response toResponse(WebApplicationException exception) {
        Response original = exception.getResponse();
        int status = original.getStatus();
        if (original.hasEntity() && original.getMediaType() != null
                && original.getMediaType().toString().startsWith(Problem.MEDIA_TYPE)) {
            return original;
        }
        Response.StatusType statusInfo = original.getStatusInfo();
        String title = statusInfo.getReasonPhrase();
        String detail = exception.getMessage() == null ? title : exception.getMessage();
        Response.ResponseBuilder builder = Response.fromResponse(original)
                .type(Problem.MEDIA_TYPE)
                .entity(Problem.of(status, kindOf(status), title, detail));
        return builder.build();
    }

    private static String kindOf(int status) {
        return switch (status) {
            case 400 -> "bad-request";
            case 401 -> "unauthorized";
            case 403 -> "forbidden";
            case 404 -> "not-found";
            case 405 -> "method-not-allowed";
            case 406 -> "not-acceptable";
            case 409 -> "conflict";
            case 415 -> "unsupported-media-type";
            default -> "http-" + status;
        };
    }
}
