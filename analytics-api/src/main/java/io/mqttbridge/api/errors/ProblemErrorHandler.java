package io.mqttbridge.api.errors;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.http.MimeTypes;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;

/**
 * The errors Jetty answers itself, before a request reaches a resource (a URI it refuses, such as
 * one holding {@code %00} or invalid UTF-8, an unknown servlet path), as problem+json like every
 * other error of the API, whatever the request accepts and whatever its method. Jetty's own handler
 * wrote an HTML page.
 */
public class ProblemErrorHandler extends ErrorHandler {

    private static final ObjectMapper JSON = new ObjectMapper();

    /*
     * Jetty writes its error page for GET, POST and HEAD only: a DELETE or PATCH it refused got an
     * empty 400. Every method gets the problem now, except HEAD, whose response has no content
     * (RFC 9110, 9.3.2), which Jetty's page did not respect.
     */
    @Override
    public boolean errorPageForMethod(String method) {
        return !"HEAD".equals(method);
    }

    @Override
    protected boolean generateAcceptableResponse(Request request, Response response, Callback callback, String contentType,
                                                 List<Charset> charsets, int code, String message, Throwable cause)
            throws IOException {
        return super.generateAcceptableResponse(request, problemTyped(request, response), callback,
                MimeTypes.Type.APPLICATION_JSON.asString(), List.of(StandardCharsets.UTF_8), code, message, cause);
    }

    @Override
    protected void writeErrorJson(Request request, PrintWriter writer, int code, String message, Throwable cause) {
        writer.write(body(code, message));
    }

    private static String body(int code, String message) {
        String title = HttpStatus.getMessage(code);
        String kind = title.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-");
        try {
            return JSON.writeValueAsString(Problem.of(code, kind, title,
                    message == null || message.isBlank() ? title : message));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The response, with the content type Jetty sets for its JSON page replaced by problem+json. */
    private static Response problemTyped(Request request, Response response) {
        HttpFields.Mutable headers = new HttpFields.Mutable.Wrapper(response.getHeaders()) {
            @Override
            public HttpField onAddField(HttpField field) {
                return retyped(field);
            }

            @Override
            public HttpField onReplaceField(HttpField oldField, HttpField newField) {
                return retyped(newField);
            }
        };
        return new Response.Wrapper(request, response) {
            @Override
            public HttpFields.Mutable getHeaders() {
                return headers;
            }
        };
    }

    private static HttpField retyped(HttpField field) {
        return field.getHeader() == HttpHeader.CONTENT_TYPE
                ? new HttpField(HttpHeader.CONTENT_TYPE, Problem.MEDIA_TYPE) : field;
    }
}
