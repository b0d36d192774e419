package io.segflow.ingest.fuzz;

import io.segflow.core.event.SegmentLimits;
import io.segflow.ingest.RawHttp;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalInt;
import java.util.Random;

/**
 * Random requests to ingest's endpoints: valid calls (which must get a 200), random JSON, deep nesting, random bytes,
 * bodies over the limit; broken by truncation or invalid UTF-8; under every content type and encoding.
 */
final class FuzzRequests {
    /** Every collector path (long and short names) and CloudEvents' {@code /}, plus one unknown call. */
    static final String UNKNOWN_CALL = "/v1/unknown";
    static final List<String> PATHS = List.of("/v1/track", "/v1/identify", "/v1/page", "/v1/screen", "/v1/group",
            "/v1/alias", "/v1/batch", "/v1/t", "/v1/i", "/v1/p", "/v1/s", "/v1/g", "/v1/a", "/v1/b", "/v1/import", "/",
            UNKNOWN_CALL);
    private static final List<String> CONTENT_TYPES = Arrays.asList(null, "application/json", "text/plain",
            "application/x-www-form-urlencoded", "multipart/form-data; boundary=xyz", "application/octet-stream",
            "application/json; charset=utf-16", "text/plain;charset=ISO-8859-1", "application/cloudevents+json",
            "application/cloudevents-batch+json", "nonsense", "");
    private static final String WRITE_KEY = RawHttp.basicAuth("dev-write-key");
    /** Pieces of strings ids and names may hold: ASCII, accents, CJK, a surrogate pair, lone surrogates as escapes. */
    private static final List<String> SAFE_TEXT = List.of("a", "Z", "42", "é", "日本", "🎉", "\\ud800", "\\udfff",
            "\\ud83d\\ude00", "\ufeff", "\u202e", "\\\"", "\\\\", "/", " ");
    /** Anything a JSON string may hold, control characters (escaped) included. */
    private static final List<String> ANY_TEXT = List.of("a", "é", "🎉", "\\ud800", "\\u0000", "\\n", "\\u001f", "\u2028",
            "\\ufffe", "\\uffff", "x".repeat(20));
    /** Field names: Jackson refuses lone surrogates in names (a 400), though not in values. */
    private static final List<String> NAME_TEXT = List.of("a", "é", "🎉", "\\ud83d\\ude00", "\\u0000", "\\n", "\u2028",
            "x".repeat(20));

    private final Random random;

    FuzzRequests(Random random) {
        this.random = random;
    }

    /** The {@code n}th request: paths take turns, so every endpoint is hit. */
    FuzzRequest next(int n) {
        String path = PATHS.get(n % PATHS.size());
        boolean cloudEvents = path.equals("/");
        Encoding encoding = random.nextInt(10) < 5 ? Encoding.NONE : pick(Encoding.values());
        String contentType = cloudEvents && random.nextBoolean() ? "application/cloudevents+json" : pick(CONTENT_TYPES);
        boolean authorized = random.nextInt(20) > 0;
        boolean chunked = random.nextInt(4) == 0;
        boolean http2 = random.nextInt(5) == 0;

        byte[] plain;
        boolean valid = false;
        boolean tooLarge = false;
        int kind = random.nextInt(100);
        if (kind < 40) {
            plain = utf8(cloudEvents ? cloudEvent() : call(path));
            valid = !path.equals(UNKNOWN_CALL) && (!cloudEvents || "application/cloudevents+json".equals(contentType));
            if (random.nextInt(10) < 3) {
                plain = broken(plain);
                valid = false;
            }
        } else if (kind < 60) {
            plain = utf8(value(random.nextInt(6)));
            if (random.nextInt(10) < 3) {
                plain = broken(plain);
            }
        } else if (kind < 70) {
            plain = utf8(deep(cloudEvents));
        } else if (kind < 85) {
            plain = new byte[random.nextInt(2_000)];
            random.nextBytes(plain);
        } else if (kind < 95) {
            plain = utf8(randomFieldsCall());
        } else {
            plain = utf8(padded(cloudEvents ? cloudEvent() : call(path), SegmentLimits.MAX_REQUEST_BYTES + 1 + random.nextInt(100_000)));
            tooLarge = true;
        }
        OptionalInt expected = OptionalInt.empty();
        // An unknown call may be refused for its path before its body is read: 404 or 413 are both right.
        if (encoding.decodes() && authorized && tooLarge && !path.equals(UNKNOWN_CALL)) {
            expected = OptionalInt.of(413);
        } else if (encoding.decodes() && authorized && valid) {
            expected = OptionalInt.of(200);
        }
        return new FuzzRequest(path, contentType, encoding, authorized ? WRITE_KEY : RawHttp.basicAuth("wrong-key"),
                chunked, http2, plain, encoding.wire(plain, random), expected);
    }

    /** A valid call for the path: a batch of a few calls, or the path's call. */
    private String call(String path) {
        String name = path.substring(path.lastIndexOf('/') + 1);
        if (name.equals("batch") || name.equals("b") || name.equals("import")) {
            StringBuilder batch = new StringBuilder("{\"batch\":[");
            int calls = 1 + random.nextInt(4);
            for (int i = 0; i < calls; i++) {
                batch.append(i == 0 ? "" : ",").append(typedCall(pick(List.of("track", "identify", "page", "screen", "group", "alias"))));
            }
            return batch.append("],\"context\":{\"note\":\"").append(text(ANY_TEXT, 5)).append("\"}}").toString();
        }
        return typedCall(switch (name) {
            case "t" -> "track";
            case "i" -> "identify";
            case "p" -> "page";
            case "s" -> "screen";
            case "g" -> "group";
            case "a" -> "alias";
            default -> name;
        });
    }

    private String typedCall(String type) {
        StringBuilder call = new StringBuilder("{\"type\":\"").append(type).append("\",\"userId\":\"fuzz-")
                .append(text(SAFE_TEXT, 8)).append('"');
        switch (type) {
            case "track" -> call.append(",\"event\":\"").append(text(SAFE_TEXT, 10)).append('"');
            case "page", "screen" -> call.append(",\"name\":\"").append(text(SAFE_TEXT, 10)).append('"');
            case "group" -> call.append(",\"groupId\":\"g-").append(text(SAFE_TEXT, 5)).append('"');
            case "alias" -> call.append(",\"previousId\":\"p-").append(text(SAFE_TEXT, 5)).append('"');
            default -> { }
        }
        String carried = type.equals("identify") || type.equals("group") ? "traits" : "properties";
        return call.append(",\"").append(carried).append("\":").append(object(2)).append('}').toString();
    }

    private String cloudEvent() {
        return "{\"specversion\":\"1.0\",\"id\":\"" + random.nextLong() + "\",\"source\":\"/fuzz\",\"type\":\"com.example.track\","
                + "\"data\":" + typedCall("track") + "}";
    }

    /** A call whose top-level fields have random names and values: invalid types, nulls, numbers where strings go. */
    private String randomFieldsCall() {
        List<String> fields = List.of("type", "userId", "anonymousId", "event", "name", "groupId", "previousId", "messageId",
                "timestamp", "sentAt", "context", "properties", "traits", "integrations", "batch", "writeKey", "id", "data");
        StringBuilder call = new StringBuilder("{");
        int count = random.nextInt(8);
        for (int i = 0; i < count; i++) {
            call.append(i == 0 ? "" : ",").append('"').append(pick(fields)).append("\":").append(value(3));
        }
        return call.append('}').toString();
    }

    private String value(int depth) {
        int kind = random.nextInt(depth <= 0 ? 6 : 8);
        return switch (kind) {
            case 0 -> "null";
            case 1 -> random.nextBoolean() ? "true" : "false";
            case 2 -> String.valueOf(random.nextLong());
            case 3 -> pick(List.of("1e400", "-0", "0.1", "123456789012345678901234567890", "-1.5E-7"));
            case 4, 5 -> '"' + text(ANY_TEXT, 12) + '"';
            case 6 -> object(depth - 1);
            default -> array(depth - 1);
        };
    }

    private String object(int depth) {
        StringBuilder object = new StringBuilder("{");
        int fields = random.nextInt(4);
        for (int i = 0; i < fields; i++) {
            object.append(i == 0 ? "" : ",").append('"').append(text(NAME_TEXT, 4)).append("\":").append(value(depth));
        }
        return object.append('}').toString();
    }

    private String array(int depth) {
        StringBuilder array = new StringBuilder("[");
        int items = random.nextInt(4);
        for (int i = 0; i < items; i++) {
            array.append(i == 0 ? "" : ",").append(value(depth));
        }
        return array.append(']').toString();
    }

    /** Arrays and objects nested around Jackson's depth limit (1,000), inside a call or as the body itself. */
    private String deep(boolean cloudEvents) {
        int depth = 900 + random.nextInt(300);
        StringBuilder open = new StringBuilder();
        StringBuilder close = new StringBuilder();
        for (int i = 0; i < depth; i++) {
            boolean object = random.nextBoolean();
            open.append(object ? "{\"k\":" : "[");
            close.insert(0, object ? '}' : ']');
        }
        String nested = open + "1" + close;
        return switch (random.nextInt(3)) {
            case 0 -> nested;
            case 1 -> cloudEvents ? "{\"specversion\":\"1.0\",\"id\":\"1\",\"source\":\"s\",\"type\":\"t\",\"data\":" + nested + "}"
                    : "{\"userId\":\"u\",\"event\":\"e\",\"properties\":{\"deep\":" + nested + "}}";
            default -> "{\"batch\":[{\"type\":\"track\",\"userId\":\"u\",\"event\":\"e\",\"extra\":" + nested + "}]}";
        };
    }

    /** The JSON with a padding field making it {@code size} bytes or a little more. */
    private static String padded(String json, int size) {
        int pad = Math.max(0, size - json.length() - 12);
        return "{\"pad\":\"" + "p".repeat(pad) + "\"," + json.substring(1);
    }

    /** Cut short, or with bytes that are not UTF-8 (a stray continuation, an overlong form, an encoded surrogate). */
    private byte[] broken(byte[] json) {
        int at = random.nextInt(json.length + 1);
        if (random.nextBoolean()) {
            return Arrays.copyOf(json, at);
        }
        byte[] bad = pick(List.of(new byte[] {(byte) 0x80}, new byte[] {(byte) 0xc0, (byte) 0x80}, new byte[] {(byte) 0xff},
                new byte[] {(byte) 0xed, (byte) 0xa0, (byte) 0x80}, new byte[] {(byte) 0xf4, (byte) 0x90, (byte) 0x80, (byte) 0x80},
                new byte[] {(byte) 0xe2, (byte) 0x82}));
        byte[] out = new byte[json.length + bad.length];
        System.arraycopy(json, 0, out, 0, at);
        System.arraycopy(bad, 0, out, at, bad.length);
        System.arraycopy(json, at, out, at + bad.length, json.length - at);
        return out;
    }

    private String text(List<String> pieces, int maxPieces) {
        StringBuilder text = new StringBuilder();
        int count = 1 + random.nextInt(maxPieces);
        for (int i = 0; i < count; i++) {
            text.append(pick(pieces));
        }
        return text.toString();
    }

    private <T> T pick(List<T> items) {
        return items.get(random.nextInt(items.size()));
    }

    private <T> T pick(T[] items) {
        return items[random.nextInt(items.length)];
    }

    private static byte[] utf8(String json) {
        return json.getBytes(StandardCharsets.UTF_8);
    }
}
