package io.mqttbridge.api.errors;

import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Request;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import jakarta.ws.rs.ext.ExceptionMapper;

import java.util.TreeSet;

/**
 * Jersey's own errors (unknown path 404, wrong method 405, unparseable parameter 404/400,
 * forbidden role 403, unsupported media type 415...) as problem+json instead of HTML or text. Where
 * Jersey says no more than the status ({@code HTTP 415 Unsupported Media Type}), the detail says what
 * this request did and what the API takes instead.
 */
public class WebApplicationExceptionMapper implements ExceptionMapper<WebApplicationException> {

    @Context
    private UriInfo uri;
    @Context
    private HttpHeaders headers;
    @Context
    private Request request;

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
        if (detail.equals(title) || detail.equals("HTTP " + status + " " + title)) {
            detail = specificDetail(status, original, detail);
        }
        Response.ResponseBuilder builder = Response.fromResponse(original)
                .type(Problem.MEDIA_TYPE)
                .entity(Problem.of(status, kindOf(status), title, detail));
        return builder.build();
    }

    private String specificDetail(int status, Response original, String generic) {
        try {
            return switch (status) {
                case 404 -> "nothing at /" + uri.getPath()
                        + "; the API's operations are listed in /api/v1/openapi.json";
                case 405 -> request.getMethod() + " is not allowed at /" + uri.getPath() + "; allowed: "
                        + String.join(", ", new TreeSet<>(original.getAllowedMethods()));
                case 406 -> "this operation answers application/json (or application/problem+json); Accept was '"
                        + headers.getHeaderString(HttpHeaders.ACCEPT) + "'";
                case 415 -> "this operation takes a body of Content-Type application/json; it was '"
                        + headers.getHeaderString(HttpHeaders.CONTENT_TYPE) + "'";
                default -> generic;
            };
        } catch (IllegalStateException outsideARequest) {
            return generic;
        }
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
