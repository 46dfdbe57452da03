package io.mqttbridge.api.errors;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.KeyDeserializer;
import com.fasterxml.jackson.databind.deser.std.StringDeserializer;
import com.fasterxml.jackson.databind.module.SimpleModule;
import io.mqttbridge.db.StorableText;

import java.io.IOException;

/**
 * Refuses, in every request body, a string or object key that PostgreSQL would not store as sent
 * ({@link StorableText}: U+0000, an unpaired surrogate). Before, {@code {"id": "a\u0000"}} ended in a
 * 500 from the database and {@code {"id": "a\ud800"}} created the device {@code "a?"}. Jackson hands
 * every string of a body to this deserializer, also inside lists and free-form objects; keys of
 * nested free-form objects it reads itself, so {@code metadata} is checked whole where it is stored.
 */
public final class StorableTextModule extends SimpleModule {

    public StorableTextModule() {
        super("storable-text");
        addDeserializer(String.class, new CheckedStringDeserializer());
        addKeyDeserializer(String.class, new CheckedKeyDeserializer());
    }

    /** A string of a request body that is not storable; {@link JsonProcessingExceptionMapper} names where it is. */
    public static final class UnstorableTextException extends JsonMappingException {

        private final boolean inKey;

        UnstorableTextException(JsonParser parser, String problem, boolean inKey) {
            super(parser, problem);
            this.inKey = inKey;
        }

        /** Whether an object key is at fault rather than the value at the exception's path. */
        public boolean inKey() {
            return inKey;
        }
    }

    private static final class CheckedStringDeserializer extends StringDeserializer {

        @Override
        public String deserialize(JsonParser parser, DeserializationContext context) throws IOException {
            String value = super.deserialize(parser, context);
            String problem = value == null ? null : StorableText.problem(value);
            if (problem != null) {
                throw new UnstorableTextException(parser, problem, false);
            }
            return value;
        }
    }

    private static final class CheckedKeyDeserializer extends KeyDeserializer {

        @Override
        public Object deserializeKey(String key, DeserializationContext context) throws IOException {
            String problem = StorableText.problem(key);
            if (problem != null) {
                throw new UnstorableTextException(context.getParser(), problem, true);
            }
            return key;
        }
    }
}
