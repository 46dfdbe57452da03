package io.mqttbridge.api.runtime;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.dropwizard.jackson.Jackson;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Deep copies of configuration beans, through the same Jackson mapping that read them from the
 * configuration file, so that a copy carries every property, including ones added later.
 */
final class ConfigurationCopies {

    private static final ObjectMapper MAPPER = Jackson.newObjectMapper();

    private ConfigurationCopies() {
    }

    @SuppressWarnings("unchecked")
    static <T> T copyOf(T bean) {
        try {
            return (T) MAPPER.readValue(MAPPER.writeValueAsBytes(bean), bean.getClass());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy " + bean.getClass().getSimpleName(), e);
        }
    }
}
