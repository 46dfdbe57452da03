package io.mqttbridge.api.errors;

import jakarta.annotation.Priority;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.PreMatching;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Refuses a request body larger than the API takes, with 413 {@code body-too-large}: at once when
 * its {@code Content-Length} says so, and otherwise (a chunked body) when the reading passes the
 * limit, so that no body is ever held in the heap the broker shares beyond the limit. The API's
 * bodies are device records and their metadata: a few kilobytes.
 *
 * <p>Runs before authentication: a declared size needs no identity to be too large.
 */
@PreMatching
@Priority(Priorities.AUTHENTICATION - 100)
public class RequestBodyLimit implements ContainerRequestFilter {

    private final long maxBytes;

    public RequestBodyLimit(long maxBytes) {
        this.maxBytes = maxBytes;
    }

    @Override
    public void filter(ContainerRequestContext request) {
        long declared = request.getLength();
        if (declared > maxBytes) {
            throw tooLarge();
        }
        if (request.hasEntity()) {
            request.setEntityStream(new Bounded(request.getEntityStream()));
        }
    }

    private ApiException tooLarge() {
        return new ApiException(Problem.of(413, "body-too-large", "Request body too large",
                "the request body is larger than " + maxBytes + " bytes, the most this API takes"
                        + " (apiMaxRequestBodyBytes)"));
    }

    /** The entity stream, failing with {@link #tooLarge()} once more than the limit was read. */
    private final class Bounded extends FilterInputStream {

        private long read;

        Bounded(InputStream body) {
            super(body);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                count(1);
            }
            return b;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            int n = super.read(buffer, offset, length);
            if (n > 0) {
                count(n);
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            long skipped = super.skip(n);
            count(skipped);
            return skipped;
        }

        private void count(long bytes) {
            read += bytes;
            if (read > maxBytes) {
                throw tooLarge();
            }
        }
    }
}
