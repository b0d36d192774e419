package io.segflow.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.segflow.core.event.SegmentLimits;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

/** Content-Encoding undone with the 500 KB limit applied to what it decodes to. */
class RequestBodyTest {
    private static final byte[] JSON = "{\"event\":\"e\"}".getBytes(StandardCharsets.UTF_8);

    @Test
    void identityAndNoEncodingLeaveTheBodyAlone() throws Exception {
        assertThat(RequestBody.decoded(null, JSON)).isSameAs(JSON);
        assertThat(RequestBody.decoded("identity", JSON)).isSameAs(JSON);
    }

    @Test
    void gzipAndBothKindsOfDeflateAreDecodedWhateverTheHeadersCase() throws Exception {
        assertThat(RequestBody.decoded(" GZIP ", gzip(JSON))).isEqualTo(JSON);
        assertThat(RequestBody.decoded("x-gzip", gzip(JSON))).isEqualTo(JSON);
        assertThat(RequestBody.decoded("deflate", deflate(JSON, false))).isEqualTo(JSON);
        assertThat(RequestBody.decoded("deflate", deflate(JSON, true))).isEqualTo(JSON);
    }

    @Test
    void anEmptyBodyStaysEmptyUnderAnyKnownEncoding() throws Exception {
        assertThat(RequestBody.decoded("gzip", new byte[0])).isEmpty();
        assertThat(RequestBody.decoded("deflate", new byte[0])).isEmpty();
    }

    @Test
    void decodingStopsAtTheLimit() throws Exception {
        byte[] justUnder = new byte[SegmentLimits.MAX_REQUEST_BYTES];
        assertThat(RequestBody.decoded("gzip", gzip(justUnder))).hasSize(SegmentLimits.MAX_REQUEST_BYTES);
        assertRefused("gzip", gzip(new byte[SegmentLimits.MAX_REQUEST_BYTES + 1]), 413, "request_too_large");
        assertRefused("deflate", deflate(new byte[64 * 1024 * 1024], false), 413, "request_too_large");
        assertRefused(null, new byte[SegmentLimits.MAX_REQUEST_BYTES + 1], 413, "request_too_large");
    }

    @Test
    void aBodyThatDoesNotDecodeIsRefusedNamingTheEncoding() throws IOException {
        byte[] gzip = gzip(JSON);
        assertRefused("gzip", JSON, 400, "the body is not valid gzip");
        assertRefused("gzip", Arrays.copyOf(gzip, gzip.length - 9), 400, "the body is not valid gzip");
        assertRefused("deflate", JSON, 400, "the body is not valid deflate");
    }

    @Test
    void otherEncodingsAreA415() {
        assertRefused("br", JSON, 415, "'br' is not supported");
        assertRefused("gzip, gzip", JSON, 415, "is not supported");
    }

    private static void assertRefused(String encoding, byte[] body, int status, String text) {
        assertThatThrownBy(() -> RequestBody.decoded(encoding, body))
                .isInstanceOfSatisfying(RequestBody.Refused.class, refused -> {
                    assertThat(refused.answer().getStatus()).isEqualTo(status);
                    assertThat((String) refused.answer().getEntity()).contains(text);
                });
    }

    private static byte[] gzip(byte[] plain) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream zip = new GZIPOutputStream(out)) {
            zip.write(plain);
        }
        return out.toByteArray();
    }

    private static byte[] deflate(byte[] plain, boolean raw) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Deflater deflater = new Deflater(Deflater.DEFAULT_COMPRESSION, raw);
        try (DeflaterOutputStream zip = new DeflaterOutputStream(out, deflater)) {
            zip.write(plain);
        } finally {
            deflater.end();
        }
        return out.toByteArray();
    }
}
