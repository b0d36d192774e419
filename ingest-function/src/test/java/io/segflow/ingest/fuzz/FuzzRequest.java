package io.segflow.ingest.fuzz;

import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Random;

/**
 * One fuzzed request: the plain body and how it is sent. The wire bytes are fixed when the request is made, so that
 * a broken encoding is broken the same way on every replay.
 *
 * @param expected the status the request must get, when the generator knows it (a valid call: 200; too large: 413)
 */
record FuzzRequest(String path, String contentType, Encoding encoding, String authorization, boolean chunked,
                   boolean http2, byte[] plain, byte[] wire, OptionalInt expected) {

    private static final int SHOWN_BYTES = 400;

    Map<String, String> headers() {
        Map<String, String> headers = new LinkedHashMap<>();
        if (authorization != null) {
            headers.put("Authorization", authorization);
        }
        if (contentType != null) {
            headers.put("Content-Type", contentType);
        }
        if (encoding.header() != null) {
            headers.put("Content-Encoding", encoding.header());
        }
        return headers;
    }

    /** The same request with another plain body; what it must get is no longer known. */
    FuzzRequest withPlain(byte[] body) {
        return new FuzzRequest(path, contentType, encoding, authorization, chunked, http2, body,
                encoding.wire(body, new Random(body.length)), OptionalInt.empty());
    }

    /** Sent another way; a request that must succeed still must, since the encoding decodes. */
    FuzzRequest withTransport(Encoding sentAs, boolean isChunked, boolean isHttp2) {
        byte[] sent = sentAs == encoding ? wire : sentAs.wire(plain, new Random(plain.length));
        return new FuzzRequest(path, contentType, sentAs, authorization, isChunked, isHttp2, plain, sent, expected);
    }

    @Override
    public String toString() {
        return "POST " + path + " over " + (http2 ? "HTTP/2" : "HTTP/1.1") + (chunked ? ", chunked" : "")
                + ", headers " + headers() + ", encoding " + encoding + ", " + wire.length + " bytes sent"
                + (expected.isPresent() ? ", must get " + expected.getAsInt() : "") + "\n  plain body ("
                + plain.length + " bytes): " + shown(plain);
    }

    /** Printable ASCII as is, anything else as \xNN, cut after a few hundred bytes. */
    private static String shown(byte[] bytes) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < Math.min(bytes.length, SHOWN_BYTES); i++) {
            int b = bytes[i] & 0xff;
            out.append(b >= 0x20 && b < 0x7f && b != '\\' ? String.valueOf((char) b) : "\\x" + HexFormat.of().toHexDigits((byte) b));
        }
        return bytes.length > SHOWN_BYTES ? out + "… (" + (bytes.length - SHOWN_BYTES) + " more)" : out.toString();
    }
}
