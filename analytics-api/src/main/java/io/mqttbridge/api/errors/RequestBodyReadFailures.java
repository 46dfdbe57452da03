package io.mqttbridge.api.errors;

import jakarta.annotation.Priority;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.PreMatching;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.TimeoutException;

/**
 * A request body that cannot be read to its end is the client's fault: one that stops coming until
 * the connection's idle timeout gets 408 {@code body-timeout}, one that ends before its
 * {@code Content-Length} (the client shut its side, the connection broke) gets 400
 * {@code body-cut-off}. Both were unexpected errors before: 500 and a stack trace at ERROR for
 * every slow or broken client.
 *
 * <p>Only failures of reading the body itself are translated, in its stream: a timeout or an end of
 * stream elsewhere (PostgreSQL, the cluster) stays the server's error. The response is written if
 * the connection still takes one; the log gets one line at DEBUG.
 */
@PreMatching
@Priority(Priorities.AUTHENTICATION - 100)
public class RequestBodyReadFailures implements ContainerRequestFilter {

    private static final Logger LOG = LoggerFactory.getLogger(RequestBodyReadFailures.class);

    @Override
    public void filter(ContainerRequestContext request) {
        if (request.hasEntity()) {
            request.setEntityStream(new Translating(request.getEntityStream()));
        }
    }

    static ApiException refusal(IOException failure) {
        LOG.debug("Request body could not be read: {}", failure.toString());
        if (timedOut(failure)) {
            return new ApiException(Problem.of(408, "body-timeout", "Request Timeout",
                    "the request body stopped coming before its end; send it whole without pausing"));
        }
        return new ApiException(Problem.of(400, "body-cut-off", "Request body cut off",
                "the request body ended before its Content-Length (or the connection broke while it was read)"));
    }

    private static boolean timedOut(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof TimeoutException) {
                return true;
            }
        }
        return false;
    }

    /** The entity stream, its read failures turned into {@link #refusal(IOException)}. */
    private static final class Translating extends FilterInputStream {

        Translating(InputStream body) {
            super(body);
        }

        @Override
        public int read() throws IOException {
            try {
                return super.read();
            } catch (IOException e) {
                throw refusal(e);
            }
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            try {
                return super.read(buffer, offset, length);
            } catch (IOException e) {
                throw refusal(e);
            }
        }

        @Override
        public long skip(long n) throws IOException {
            try {
                return super.skip(n);
            } catch (IOException e) {
                throw refusal(e);
            }
        }
    }
}
