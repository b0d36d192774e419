package io.segflow.core.json;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.JsonRecyclerPools;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.IOException;
import java.io.UncheckedIOException;

/** The one JSON configuration every segflow record is written and read with. */
public final class Json {

    /**
     * ISO-8601 instants, no nulls written, unknown fields tolerated (older readers, newer writers). Buffers are
     * recycled through a shared pool, not per thread: Jackson's default keeps them in a thread local, which a virtual
     * thread per webhook call starts empty, so every call allocated its buffers afresh (a seventh of trigger-function's
     * allocations).
     */
    public static final ObjectMapper MAPPER = new ObjectMapper(JsonFactory.builder()
            .recyclerPool(JsonRecyclerPools.sharedConcurrentDequePool()).build())
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .disable(DeserializationFeature.ADJUST_DATES_TO_CONTEXT_TIME_ZONE)
            .setSerializationInclusion(JsonInclude.Include.NON_NULL);

    private Json() {
    }

    /**
     * Reads trees whose numbers keep the digits they were sent with ({@code 12345678901234567.89}, {@code 1e400},
     * {@code 1.50}): for objects ingest carries through untouched, which a double would round or turn into Infinity.
     */
    public static final ObjectReader EXACT_NUMBERS = MAPPER.reader()
            .with(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .without(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES);

    /**
     * Refuses content after the JSON value just read (a second object, say): Jackson stops at the end of the first
     * value, and what follows would be dropped without a word.
     */
    public static void expectEnd(JsonParser parser) throws IOException {
        if (parser.nextToken() != null) {
            throw new JsonParseException(parser, "unexpected content after the JSON value");
        }
    }

    public static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** UTF-8 bytes, written without the detour through a String. */
    public static byte[] writeBytes(Object value) {
        try {
            return MAPPER.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A JSON value as {@code read(json, Object.class)} reads it, but integers up to 18 digits as {@code Long}: the
     * scalars segflow writes for traits and latest property values (strings without escapes, numbers, booleans, null)
     * are read without Jackson, whose parser and context for each one cost more than the rest of decoding a profile;
     * anything else goes through Jackson.
     */
    public static Object readValue(String json) {
        int length = json.length();
        if (length >= 2 && json.charAt(0) == '"') {
            return plainString(json) ? json.substring(1, length - 1) : read(json, Object.class);
        }
        switch (json) {
            case "true":
                return Boolean.TRUE;
            case "false":
                return Boolean.FALSE;
            case "null":
                return null;
            default:
                break;
        }
        return switch (numberShape(json)) {
            case INTEGER -> length <= 18 ? (Object) Long.parseLong(json) : read(json, Object.class);
            case DECIMAL -> Double.parseDouble(json);
            case NOT_A_NUMBER -> read(json, Object.class);
        };
    }

    /** A quoted string with no escape and no control character inside: its content is what it reads as. */
    private static boolean plainString(String json) {
        int last = json.length() - 1;
        if (json.charAt(last) != '"') {
            return false;
        }
        for (int i = 1; i < last; i++) {
            char c = json.charAt(i);
            if (c == '"' || c == '\\' || c < 0x20) {
                return false;
            }
        }
        return true;
    }

    private enum NumberShape { INTEGER, DECIMAL, NOT_A_NUMBER }

    /** JSON's number grammar: {@code -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?}. */
    private static NumberShape numberShape(String json) {
        int i = 0;
        int length = json.length();
        if (i < length && json.charAt(i) == '-') {
            i++;
        }
        if (i >= length || !digit(json.charAt(i))) {
            return NumberShape.NOT_A_NUMBER;
        }
        if (json.charAt(i) == '0') {
            i++;
        } else {
            while (i < length && digit(json.charAt(i))) {
                i++;
            }
        }
        boolean decimal = false;
        if (i < length && json.charAt(i) == '.') {
            decimal = true;
            int start = ++i;
            while (i < length && digit(json.charAt(i))) {
                i++;
            }
            if (i == start) {
                return NumberShape.NOT_A_NUMBER;
            }
        }
        if (i < length && (json.charAt(i) == 'e' || json.charAt(i) == 'E')) {
            decimal = true;
            i++;
            if (i < length && (json.charAt(i) == '+' || json.charAt(i) == '-')) {
                i++;
            }
            int start = i;
            while (i < length && digit(json.charAt(i))) {
                i++;
            }
            if (i == start) {
                return NumberShape.NOT_A_NUMBER;
            }
        }
        if (i != length) {
            return NumberShape.NOT_A_NUMBER;
        }
        return decimal ? NumberShape.DECIMAL : NumberShape.INTEGER;
    }

    private static boolean digit(char c) {
        return c >= '0' && c <= '9';
    }

    public static <T> T read(String json, Class<T> type) {
        try {
            return MAPPER.readValue(json, type);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
