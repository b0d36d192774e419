package io.segflow.ingest.fuzz;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.Random;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.GZIPOutputStream;

/** How a fuzzed body travels: its Content-Encoding header and what is really sent under it. */
enum Encoding {
    NONE(null, true),
    IDENTITY("identity", true),
    GZIP("gzip", true),
    X_GZIP("x-gzip", true),
    DEFLATE("deflate", true),
    RAW_DEFLATE("deflate", true),
    /** gzip cut short. */
    TRUNCATED_GZIP("gzip", false),
    /** gzip with a byte changed: the checksum or the stream breaks. */
    CORRUPT_GZIP("gzip", false),
    /** Says gzip, sends the plain body. */
    CLAIMS_GZIP("gzip", false),
    CLAIMS_DEFLATE("deflate", false),
    BROTLI("br", false),
    STACKED("gzip, identity", false),
    GIBBERISH("\u00e9\u00e9 x", false);

    private final String header;
    private final boolean decodes;

    Encoding(String header, boolean decodes) {
        this.header = header;
        this.decodes = decodes;
    }

    /** The Content-Encoding header, or null for none. */
    String header() {
        return header;
    }

    /** Whether a server that speaks gzip and deflate gets the plain body back. */
    boolean decodes() {
        return decodes;
    }

    /** @param random only for the broken encodings: where to cut or what to change */
    byte[] wire(byte[] plain, Random random) {
        return switch (this) {
            case GZIP, X_GZIP -> gzip(plain);
            case DEFLATE -> deflate(plain, false);
            case RAW_DEFLATE -> deflate(plain, true);
            case TRUNCATED_GZIP -> {
                byte[] zipped = gzip(plain);
                yield Arrays.copyOf(zipped, random.nextInt(zipped.length));
            }
            case CORRUPT_GZIP -> {
                byte[] zipped = gzip(plain);
                zipped[10 + random.nextInt(zipped.length - 10)] ^= (byte) (1 + random.nextInt(255));
                yield zipped;
            }
            default -> plain;
        };
    }

    private static byte[] gzip(byte[] plain) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream zip = new GZIPOutputStream(out)) {
            zip.write(plain);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static byte[] deflate(byte[] plain, boolean raw) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Deflater deflater = new Deflater(Deflater.DEFAULT_COMPRESSION, raw);
        try (DeflaterOutputStream zip = new DeflaterOutputStream(out, deflater)) {
            zip.write(plain);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            deflater.end();
        }
        return out.toByteArray();
    }
}
