package io.segflow.api.users;

import io.segflow.api.ApiException;
import io.segflow.core.event.SegmentCallParser;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** User ids as the API accepts them: what SDKs send, within a length that keeps Redis keys small. */
public final class UserIds {
    public static final int MAX_LENGTH = 256;
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private UserIds() {
    }

    public static String checked(String userId) {
        if (userId == null || userId.isBlank() || userId.length() > MAX_LENGTH) {
            throw ApiException.badRequest("userId", "must be 1 to " + MAX_LENGTH + " characters");
        }
        // Ingest's rule: an id it refuses could never have been recorded.
        String problem = SegmentCallParser.userIdProblem(userId);
        if (problem != null) {
            throw ApiException.badRequest("userId", problem);
        }
        return userId;
    }

    /**
     * The id as JavaScript's {@code encodeURIComponent} writes it (UTF-8, every byte but {@code A-Z a-z 0-9 - _ . ! ~
     * * ' ( )} as {@code %XX}): safe inside an ETag and an SSE event id, and what segflow.js computes the same way.
     */
    public static String encoded(String userId) {
        StringBuilder out = new StringBuilder(userId.length() + 8);
        for (byte b : userId.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || "-_.!~*'()".indexOf(c) >= 0) {
                out.append((char) c);
            } else {
                out.append('%').append(HEX[c >> 4]).append(HEX[c & 0xf]);
            }
        }
        return out.toString();
    }

    /**
     * The reverse of {@link #encoded} ({@code %XX} sequences; {@code +} stays {@code +}); IllegalArgumentException for
     * text {@link #encoded} does not write (a malformed escape, spaces, non-ASCII).
     */
    public static String decoded(String text) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '%') {
                if (i + 2 >= text.length()) {
                    throw new IllegalArgumentException("a '%' without two hex digits");
                }
                int high = Character.digit(text.charAt(i + 1), 16);
                int low = Character.digit(text.charAt(i + 2), 16);
                if (high < 0 || low < 0) {
                    throw new IllegalArgumentException("a '%' without two hex digits");
                }
                bytes.write(high << 4 | low);
                i += 2;
            } else if (c > 0x20 && c < 0x7f) {
                bytes.write(c);
            } else {
                throw new IllegalArgumentException("an encoded id is printable ASCII");
            }
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }
}
