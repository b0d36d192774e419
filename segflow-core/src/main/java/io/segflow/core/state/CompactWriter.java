package io.segflow.core.state;

import java.util.Arrays;

/**
 * Writes the compact binary form of a stored user: unsigned and zig-zag varints, length-prefixed UTF-8 strings,
 * and doubles that are usually short (see {@link #writeDouble}). Most values of a profile are small numbers, so a
 * varint takes one or two bytes where text or a fixed width takes eight.
 */
public final class CompactWriter {
    private static final int DOUBLE_INTEGER = 0;
    private static final int DOUBLE_CENTS = 1;
    private static final int DOUBLE_RAW = 2;
    /** Integers up to 2^50 survive the round trip through a double and the tag shift. */
    private static final double EXACT_LIMIT = 0x1p50;

    private byte[] bytes;
    private int size;

    public CompactWriter(int initialCapacity) {
        this.bytes = new byte[Math.max(16, initialCapacity)];
    }

    public void writeByte(int value) {
        ensure(1);
        bytes[size++] = (byte) value;
    }

    /** Eight bytes, least significant first. */
    public void writeFixedLong(long value) {
        ensure(8);
        for (int i = 0; i < 8; i++) {
            bytes[size++] = (byte) (value >>> (8 * i));
        }
    }

    public void writeVarLong(long value) {
        ensure(10);
        while ((value & ~0x7FL) != 0) {
            bytes[size++] = (byte) ((value & 0x7F) | 0x80);
            value >>>= 7;
        }
        bytes[size++] = (byte) value;
    }

    public void writeSignedVarLong(long value) {
        writeVarLong((value << 1) ^ (value >> 63));
    }

    public void writeString(String value) {
        int length = value.length();
        if (length < 128 && isAscii(value)) { // names and ids mostly: no intermediate array
            ensure(length + 1);
            bytes[size++] = (byte) length;
            for (int i = 0; i < length; i++) {
                bytes[size++] = (byte) value.charAt(i);
            }
            return;
        }
        byte[] utf8 = LosslessUtf8.encode(value);
        writeVarLong(utf8.length);
        ensure(utf8.length);
        System.arraycopy(utf8, 0, bytes, size, utf8.length);
        size += utf8.length;
    }

    /**
     * Whole numbers and amounts with at most two decimals (prices, quantities: most event properties) take a varint
     * of their integer or cent value; anything else takes nine bytes. Decoding gives back the same double exactly.
     */
    public void writeDouble(double value) {
        // -0.0 == 0 holds for both short forms, which would decode it as 0.0: it goes raw.
        if (Math.abs(value) < EXACT_LIMIT && !(value == 0 && 1 / value < 0)) {
            if (value == Math.rint(value)) {
                writeSignedVarLong(((long) value << 2) | DOUBLE_INTEGER);
                return;
            }
            double cents = Math.rint(value * 100);
            if (Math.abs(cents) < EXACT_LIMIT && cents / 100 == value) {
                writeSignedVarLong(((long) cents << 2) | DOUBLE_CENTS);
                return;
            }
        }
        writeSignedVarLong(DOUBLE_RAW);
        writeFixedLong(Double.doubleToRawLongBits(value));
    }

    private static boolean isAscii(String value) {
        for (int i = 0; i < value.length(); i++) {
            if (value.charAt(i) >= 0x80) {
                return false;
            }
        }
        return true;
    }

    /**
     * Starts a value whose length goes before it, so that a reader can skip it or keep its bytes undecoded: write the
     * value, then {@link #endSection} with the answer.
     */
    public int startSection() {
        writeByte(0); // room for a length under 128, the usual case
        return size;
    }

    /** Writes the length of the value written since {@link #startSection} in front of it, as a varint. */
    public void endSection(int start) {
        int length = size - start;
        int lengthBytes = varLongSize(length);
        if (lengthBytes > 1) {
            ensure(lengthBytes - 1);
            System.arraycopy(bytes, start, bytes, start + lengthBytes - 1, length);
            size += lengthBytes - 1;
        }
        int end = size;
        size = start - 1; // the length goes where its room is: writeVarLong fills exactly lengthBytes there
        writeVarLong(length);
        size = end;
    }

    /** A value written before, as it is. */
    public void writeBytes(byte[] value) {
        ensure(value.length);
        System.arraycopy(value, 0, bytes, size, value.length);
        size += value.length;
    }

    private static int varLongSize(long value) {
        int n = 1;
        while ((value & ~0x7FL) != 0) {
            value >>>= 7;
            n++;
        }
        return n;
    }

    /** Empties the writer for the next value, keeping its buffer (up to {@code maxKept} bytes of it). */
    public void reset(int maxKept) {
        size = 0;
        if (bytes.length > maxKept) {
            bytes = new byte[maxKept];
        }
    }

    public byte[] toByteArray() {
        return Arrays.copyOf(bytes, size);
    }

    public int size() {
        return size;
    }

    private void ensure(int more) {
        if (size + more > bytes.length) {
            bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + more));
        }
    }

    static int tagOf(long encoded) {
        return (int) (encoded & 3);
    }

    static boolean isRaw(long encoded) {
        return tagOf(encoded) == DOUBLE_RAW;
    }

    static double fromEncoded(long encoded) {
        long magnitude = encoded >> 2;
        return tagOf(encoded) == DOUBLE_CENTS ? magnitude / 100.0 : (double) magnitude;
    }
}
