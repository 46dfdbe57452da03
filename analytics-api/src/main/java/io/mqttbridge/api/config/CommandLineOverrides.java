package io.mqttbridge.api.config;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.type.LogicalType;
import io.dropwizard.configuration.ConfigurationFactory;
import io.dropwizard.configuration.DefaultConfigurationFactoryFactory;
import jakarta.validation.Validator;

import java.util.List;

/**
 * Reads the configuration with a mapper that takes text for numbers and booleans. The application's
 * mapper refuses {@code "2"} for a number, as the REST API must; but every {@code -Ddw.<path>=<value>}
 * override reaches the configuration as text, so with that mapper {@code -Ddw.broker.maxQos=1} or a
 * listener's port failed start-up ("Cannot coerce String value"), and only text keys could be
 * overridden. The YAML file's own values keep their types either way.
 */
public final class CommandLineOverrides<T> extends DefaultConfigurationFactoryFactory<T> {

    @Override
    public ConfigurationFactory<T> create(Class<T> klass, Validator validator, ObjectMapper objectMapper,
                                          String propertyPrefix) {
        return super.create(klass, validator, takingTextForScalars(objectMapper.copy()), propertyPrefix);
    }

    private static ObjectMapper takingTextForScalars(ObjectMapper mapper) {
        for (LogicalType scalar : List.of(LogicalType.Boolean, LogicalType.Integer, LogicalType.Float)) {
            mapper.coercionConfigFor(scalar).setCoercion(CoercionInputShape.String, CoercionAction.TryConvert);
        }
        return mapper;
    }
}
