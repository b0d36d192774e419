package io.segflow.ingest;

import io.segflow.core.event.SegmentLimits;
import jakarta.ws.rs.core.Response;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;
import java.util.zip.GZIPInputStream;
import java.util.zip.Inflater;
import java.util.zip.InflaterInputStream;

/**
 * A request body as it arrived, turned into the bytes the JSON readers parse. Its {@code Content-Encoding} is undone
 * here rather than by the HTTP server: a body that does not decode then gets a JSON 400 instead of a dropped
 * connection, HTTP/2 bodies are decoded too, and decoding stops at Segment's 500 KB whatever a gzip bomb expands to.
 */
public final class RequestBody {
    private static final int LIMIT = SegmentLimits.MAX_REQUEST_BYTES;

    private RequestBody() {
    }

    /** Why a body was refused before any JSON was read: the answer to send. */
    public static final class Refused extends Exception {
        private final transient Response answer;

        Refused(Response answer) {
            super(null, null, false, false); // an answer, not a fault: no stack trace
            this.answer = answer;
        }

        public Response answer() {
            return answer;
        }
    }

    /**
     * @param contentEncoding the request's {@code Content-Encoding} header, or null
     * @param sent            the body as sent
     * @throws Refused 413 over 500 KB (as sent or decoded), 415 for an encoding other than gzip, deflate or identity,
     *                 400 for a body that is not what its encoding says
     */
    public static byte[] decoded(String contentEncoding, byte[] sent) throws Refused {
        if (sent.length > LIMIT) {
            throw new Refused(RequestSizeLimit.tooLarge());
        }
        String coding = contentEncoding == null ? "" : contentEncoding.trim().toLowerCase(Locale.ROOT);
        return switch (coding) {
            case "", "identity" -> sent;
            case "gzip", "x-gzip" -> gunzip(sent);
            // "deflate" means zlib-wrapped, but some clients send raw deflate: accept both, as browsers do.
            case "deflate" -> inflate(sent);
            default -> throw new Refused(Answer.error(Response.Status.UNSUPPORTED_MEDIA_TYPE, "unsupported_encoding",
                    "content-encoding", "Content-Encoding " + quoted(coding) + " is not supported: use gzip, deflate or identity"));
        };
    }

    private static byte[] gunzip(byte[] sent) throws Refused {
        if (sent.length == 0) {
            return sent;
        }
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(sent))) {
            return capped(in);
        } catch (IOException e) {
            throw undecodable("gzip", e);
        }
    }

    private static byte[] inflate(byte[] sent) throws Refused {
        if (sent.length == 0) {
            return sent;
        }
        Inflater inflater = new Inflater(!zlibWrapped(sent));
        try (InputStream in = new InflaterInputStream(new ByteArrayInputStream(sent), inflater)) {
            return capped(in);
        } catch (IOException e) {
            throw undecodable("deflate", e);
        } finally {
            inflater.end(); // a caller's inflater is not ended by the stream
        }
    }

    /** Reads at most one byte past the limit, so a bomb costs 500 KB of memory, not what it would expand to. */
    private static byte[] capped(InputStream decoding) throws IOException, Refused {
        byte[] body = decoding.readNBytes(LIMIT + 1);
        if (body.length > LIMIT) {
            throw new Refused(RequestSizeLimit.tooLarge());
        }
        return body;
    }

    private static Refused undecodable(String coding, IOException e) {
        String detail = e.getMessage() == null ? "" : ": " + e.getMessage();
        return new Refused(Answer.error(Response.Status.BAD_REQUEST, "undecodable_body", "content-encoding",
                "the body is not valid " + coding + detail));
    }

    /** A zlib header: compression method 8 and a check sum making the first two bytes a multiple of 31. */
    private static boolean zlibWrapped(byte[] sent) {
        return sent.length >= 2 && (sent[0] & 0x0f) == 8 && (((sent[0] & 0xff) << 8) | (sent[1] & 0xff)) % 31 == 0;
    }

    private static String quoted(String coding) {
        String shown = coding.length() > 40 ? coding.substring(0, 40) + "…" : coding;
        return "'" + shown + "'";
    }
}
