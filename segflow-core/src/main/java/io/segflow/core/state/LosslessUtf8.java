package io.segflow.core.state;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * UTF-8 that gives back every Java string exactly, unpaired surrogates included. Plain UTF-8 has no form for a lone
 * surrogate ({@code getBytes} writes {@code '?'} instead), yet JSON lets a client send one as an escape, in an event's
 * name say: the record would then name it otherwise than memory did, and two names could fold into one. A lone
 * surrogate is written as the three bytes its code unit would take (as WTF-8 does); everything else is UTF-8 as usual.
 */
final class LosslessUtf8 {
    private LosslessUtf8() {
    }

    static byte[] encode(String value) {
        if (!hasUnpairedSurrogate(value)) {
            return value.getBytes(StandardCharsets.UTF_8);
        }
        byte[] out = new byte[value.length() * 3];
        int size = 0;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 0x80) {
                out[size++] = (byte) c;
            } else if (c < 0x800) {
                out[size++] = (byte) (0xC0 | c >> 6);
                out[size++] = (byte) (0x80 | c & 0x3F);
            } else if (Character.isHighSurrogate(c) && i + 1 < value.length() && Character.isLowSurrogate(value.charAt(i + 1))) {
                int codePoint = Character.toCodePoint(c, value.charAt(++i));
                out[size++] = (byte) (0xF0 | codePoint >> 18);
                out[size++] = (byte) (0x80 | codePoint >> 12 & 0x3F);
                out[size++] = (byte) (0x80 | codePoint >> 6 & 0x3F);
                out[size++] = (byte) (0x80 | codePoint & 0x3F);
            } else { // the rest of the basic plane, and an unpaired surrogate alike
                out[size++] = (byte) (0xE0 | c >> 12);
                out[size++] = (byte) (0x80 | c >> 6 & 0x3F);
                out[size++] = (byte) (0x80 | c & 0x3F);
            }
        }
        return Arrays.copyOf(out, size);
    }

    static String decode(byte[] bytes, int offset, int length) {
        String utf8 = new String(bytes, offset, length, StandardCharsets.UTF_8);
        // A surrogate's bytes decode as U+FFFD: only then are the bytes looked at again (never for ASCII, whose
        // strings answer indexOf of a non-Latin-1 character at once). Every user record read goes through here.
        if (utf8.indexOf('\uFFFD') < 0 || !holdsSurrogate(bytes, offset, length)) {
            return utf8;
        }
        StringBuilder out = new StringBuilder(length);
        int end = offset + length;
        for (int i = offset; i < end; ) {
            int b = bytes[i] & 0xFF;
            if (b < 0x80) {
                out.append((char) b);
                i++;
            } else if (b < 0xE0) {
                out.append((char) ((b & 0x1F) << 6 | bytes[i + 1] & 0x3F));
                i += 2;
            } else if (b < 0xF0) {
                out.append((char) ((b & 0x0F) << 12 | (bytes[i + 1] & 0x3F) << 6 | bytes[i + 2] & 0x3F));
                i += 3;
            } else {
                out.appendCodePoint((b & 0x07) << 18 | (bytes[i + 1] & 0x3F) << 12 | (bytes[i + 2] & 0x3F) << 6 | bytes[i + 3] & 0x3F);
                i += 4;
            }
        }
        return out.toString();
    }

    /** Whether the bytes hold a surrogate's three-byte form ({@code ED A0..BF xx}), which plain UTF-8 never has. */
    private static boolean holdsSurrogate(byte[] bytes, int offset, int length) {
        for (int i = offset, end = offset + length - 1; i < end; i++) {
            if (bytes[i] == (byte) 0xED && (bytes[i + 1] & 0xE0) == 0xA0) {
                return true;
            }
        }
        return false;
    }

    private static boolean hasUnpairedSurrogate(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < value.length() && Character.isLowSurrogate(value.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return true;
            }
        }
        return false;
    }
}
