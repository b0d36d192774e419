package io.segflow.core.event;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import com.fasterxml.jackson.databind.JsonSerializable;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.jsontype.TypeSerializer;
import io.segflow.core.json.Json;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A JSON object of a request body kept as the bytes it arrived in: the {@code context}, {@code properties},
 * {@code traits} and {@code integrations} that ingest carries through untouched. It is a read-only map, parsed only
 * if someone reads its entries; ingest itself never does, it writes the bytes into the record as they came. That
 * saves building and re-serializing a tree for about three quarters of every call (most of ingest's CPU).
 *
 * <p>Its top-level keys are known without parsing ({@link #containsKey}), which is all ingest asks of a context.
 */
public final class RawJsonObject extends AbstractMap<String, Object> implements JsonSerializable {
    private final byte[] json;
    private final List<String> keys;
    private volatile Map<String, Object> parsed;

    private RawJsonObject(byte[] json, List<String> keys) {
        this.json = json;
        this.keys = keys;
    }

    /**
     * Reads the object the parser is at ({@link JsonToken#START_OBJECT}) from {@code source}, the bytes the parser
     * reads, checking its syntax as a full parse would; the parser is left at its {@link JsonToken#END_OBJECT}.
     */
    public static RawJsonObject read(JsonParser parser, byte[] source) throws IOException {
        int start = (int) parser.currentTokenLocation().getByteOffset();
        List<String> keys = new ArrayList<>(8);
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            keys.add(parser.currentName());
            parser.nextToken();
            parser.skipChildren();
        }
        int end = (int) parser.currentLocation().getByteOffset();
        return new RawJsonObject(Arrays.copyOfRange(source, start, end), keys);
    }

    /** This object with {@code key} set to the string {@code value} (last), unless it has that key already. */
    public RawJsonObject withStringIfAbsent(String key, String value) {
        if (keys.contains(key)) {
            return this;
        }
        ByteArrayBuilder tail = new ByteArrayBuilder(key.length() + value.length() + 8);
        if (!keys.isEmpty()) {
            tail.write(',');
        }
        writeQuoted(tail, key);
        tail.write(':');
        writeQuoted(tail, value);
        tail.write('}');
        byte[] added = tail.toByteArray();
        int closingBrace = json.length - 1;
        byte[] joined = Arrays.copyOf(json, closingBrace + added.length);
        System.arraycopy(added, 0, joined, closingBrace, added.length);
        List<String> moreKeys = new ArrayList<>(keys.size() + 1);
        moreKeys.addAll(keys);
        moreKeys.add(key);
        return new RawJsonObject(joined, moreKeys);
    }

    /**
     * {@code text} as a JSON string in UTF-8, written as the event record writes its strings. Jackson's string encoder
     * is the fast way, used for most calls (context.ip is added to every call without one), but it throws on a lone
     * surrogate (a JSON {@code "\\udfff"} a call may hold): text with surrogates goes through a generator, which
     * escapes it.
     */
    private static void writeQuoted(ByteArrayBuilder out, String text) {
        if (!hasSurrogate(text)) {
            out.write('"');
            out.write(JsonStringEncoder.getInstance().quoteAsUTF8(text));
            out.write('"');
            return;
        }
        try (JsonGenerator generator = Json.MAPPER.getFactory().createGenerator(out)) {
            generator.writeString(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static boolean hasSurrogate(String text) {
        for (int i = 0; i < text.length(); i++) {
            if (Character.isSurrogate(text.charAt(i))) {
                return true;
            }
        }
        return false;
    }

    /** Writes the object's bytes as they arrived, as the current value of {@code generator}. */
    public void writeTo(JsonGenerator generator) throws IOException {
        generator.writeRawValue(new Utf8Bytes(json));
    }

    @Override
    public boolean containsKey(Object key) {
        return keys.contains(key);
    }

    @Override
    public boolean isEmpty() {
        return keys.isEmpty();
    }

    @Override
    public Object get(Object key) {
        return keys.contains(key) ? parsed().get(key) : null;
    }

    @Override
    public Set<Entry<String, Object>> entrySet() {
        return parsed().entrySet();
    }

    private Map<String, Object> parsed() {
        Map<String, Object> map = parsed;
        if (map == null) {
            try {
                map = Collections.unmodifiableMap(JsonMaps.toMap(Json.EXACT_NUMBERS.readTree(json)));
            } catch (IOException e) {
                throw new UncheckedIOException(e); // cannot happen: read() checked the syntax
            }
            parsed = map;
        }
        return map;
    }

    @Override
    public void serialize(JsonGenerator generator, SerializerProvider serializers) throws IOException {
        writeTo(generator);
    }

    @Override
    public void serializeWithType(JsonGenerator generator, SerializerProvider serializers, TypeSerializer typeSerializer)
            throws IOException {
        writeTo(generator);
    }

    /**
     * UTF-8 bytes handed to a generator as a raw value: a UTF-8 generator copies them into its buffer as they are
     * ({@link #appendUnquotedUTF8}), with no decoding to chars and encoding back. Quoting is never asked of a raw value.
     */
    private record Utf8Bytes(byte[] bytes) implements SerializableString {
        @Override
        public String getValue() {
            return new String(bytes, StandardCharsets.UTF_8);
        }

        @Override
        public int charLength() {
            return getValue().length();
        }

        @Override
        public byte[] asUnquotedUTF8() {
            return bytes;
        }

        @Override
        public int appendUnquotedUTF8(byte[] buffer, int offset) {
            if (offset + bytes.length > buffer.length) {
                return -1;
            }
            System.arraycopy(bytes, 0, buffer, offset, bytes.length);
            return bytes.length;
        }

        @Override
        public int appendUnquoted(char[] buffer, int offset) {
            String value = getValue();
            if (offset + value.length() > buffer.length) {
                return -1;
            }
            value.getChars(0, value.length(), buffer, offset);
            return value.length();
        }

        @Override
        public int writeUnquotedUTF8(OutputStream out) throws IOException {
            out.write(bytes);
            return bytes.length;
        }

        @Override
        public int putUnquotedUTF8(ByteBuffer buffer) {
            if (bytes.length > buffer.remaining()) {
                return -1;
            }
            buffer.put(bytes);
            return bytes.length;
        }

        @Override
        public char[] asQuotedChars() {
            throw new UnsupportedOperationException("a raw JSON value is never quoted");
        }

        @Override
        public byte[] asQuotedUTF8() {
            throw new UnsupportedOperationException("a raw JSON value is never quoted");
        }

        @Override
        public int appendQuotedUTF8(byte[] buffer, int offset) {
            throw new UnsupportedOperationException("a raw JSON value is never quoted");
        }

        @Override
        public int appendQuoted(char[] buffer, int offset) {
            throw new UnsupportedOperationException("a raw JSON value is never quoted");
        }

        @Override
        public int writeQuotedUTF8(OutputStream out) {
            throw new UnsupportedOperationException("a raw JSON value is never quoted");
        }

        @Override
        public int putQuotedUTF8(ByteBuffer buffer) {
            throw new UnsupportedOperationException("a raw JSON value is never quoted");
        }
    }
}
