package dev.ouroboros.harness.config;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.DeserializationConfig;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.SerializationConfig;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.deser.BeanDeserializerModifier;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.BeanSerializerModifier;
import dev.ouroboros.models.UserInputException;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Locale;

/**
 * Closed choices in configs are Java enums spelled as words: the constant's name in lower case with
 * {@code _} as {@code -} ({@code NONE_BUT_METRICS} ↔ {@code none-but-metrics}). Any other value is
 * one line naming the key, the choices and the closest one.
 */
public final class ConfigWords {
    private ConfigWords() {}

    /** The config spelling of {@code e}. */
    public static String word(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /**
     * The constant of {@code type} spelled {@code value}; {@code key} (a config key or a
     * command-line option) names it in the error.
     */
    public static <E extends Enum<E>> E parse(Class<E> type, String key, String value) {
        for (E e : type.getEnumConstants()) {
            if (word(e).equals(value)) {
                return e;
            }
        }
        List<String> words = Arrays.stream(type.getEnumConstants()).map(ConfigWords::word).toList();
        throw new UserInputException(
                key
                        + " must be one of "
                        + String.join(" | ", words)
                        + ", got '"
                        + value
                        + "'"
                        + DidYouMean.suggest(String.valueOf(value), words));
    }

    /** The Jackson module that reads and writes every enum this way. */
    static SimpleModule module() {
        SimpleModule m = new SimpleModule("ouro-config-words");
        m.setDeserializerModifier(
                new BeanDeserializerModifier() {
                    @Override
                    public JsonDeserializer<?> modifyEnumDeserializer(
                            DeserializationConfig config,
                            JavaType type,
                            BeanDescription beanDesc,
                            JsonDeserializer<?> deserializer) {
                        return new WordDeserializer(type.getRawClass());
                    }
                });
        m.setSerializerModifier(
                new BeanSerializerModifier() {
                    @Override
                    public JsonSerializer<?> modifyEnumSerializer(
                            SerializationConfig config,
                            JavaType valueType,
                            BeanDescription beanDesc,
                            JsonSerializer<?> serializer) {
                        return new WordSerializer();
                    }
                });
        return m;
    }

    private static final class WordDeserializer extends JsonDeserializer<Enum<?>> {
        private final Class<?> type;

        WordDeserializer(Class<?> type) {
            this.type = type;
        }

        @Override
        @SuppressWarnings({"unchecked", "rawtypes"})
        public Enum<?> deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            return parse((Class) type, "config: " + path(p), p.getValueAsString());
        }

        /** The dotted key of the value being read, e.g. {@code schedule.kind}. */
        private static String path(JsonParser p) {
            Deque<String> names = new ArrayDeque<>();
            for (JsonStreamContext c = p.getParsingContext(); c != null; c = c.getParent()) {
                if (c.getCurrentName() != null) {
                    names.addFirst(c.getCurrentName());
                }
            }
            return String.join(".", names);
        }
    }

    private static final class WordSerializer extends JsonSerializer<Enum<?>> {
        @Override
        public void serialize(Enum<?> value, JsonGenerator gen, SerializerProvider serializers)
                throws IOException {
            gen.writeString(word(value));
        }
    }
}
