package io.mqttbridge.api.resources.internal;

import org.glassfish.jersey.uri.UriComponent;

/**
 * An id as the one path segment that leads back to it ({@code config.EncodedIds}): every character
 * a segment cannot hold as it is percent-encoded ({@code /}, {@code %}, {@code \}, a space, ...),
 * and the ids {@code .} and {@code ..} with their dots encoded, which a client and Jetty would
 * otherwise take for the current and the parent path.
 */
public final class IdSegment {

    private IdSegment() {
    }

    public static String of(String id) {
        String encoded = UriComponent.encode(id, UriComponent.Type.PATH_SEGMENT);
        return encoded.equals(".") || encoded.equals("..") ? encoded.replace(".", "%2E") : encoded;
    }
}
