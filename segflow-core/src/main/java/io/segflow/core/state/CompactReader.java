package io.segflow.core.state;


/** Reads what {@link CompactWriter} wrote; a truncated or foreign value throws {@link IllegalArgumentException}. */
public final class CompactReader {
    private final byte[] bytes;
    private final int end;
    private int position;

    public CompactReader(byte[] bytes) {
        this(bytes, bytes.length);
    }

    /** Reads the first {@code length} bytes of {@code bytes}: a value kept in a larger buffer. */
    public CompactReader(byte[] bytes, int length) {
        if (length < 0 || length > bytes.length) {
            throw new IllegalArgumentException("length " + length + " outside a buffer of " + bytes.length + " bytes");
        }
        this.bytes = bytes;
        this.end = length;
    }

    public int readByte() {
        need(1);
        return bytes[position++] & 0xFF;
    }

    public long readVarLong() {
        long value = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            int b = readByte();
            value |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                return value;
            }
        }
        throw new IllegalArgumentException("varint longer than 10 bytes");
    }

    public int readCount() {
        long count = readVarLong();
        if (count < 0 || count > end - position + 1L) {
            throw new IllegalArgumentException("count " + count + " exceeds the value");
        }
        return (int) count;
    }

    public long readSignedVarLong() {
        long raw = readVarLong();
        return (raw >>> 1) ^ -(raw & 1);
    }

    public String readString() {
        int length = readCount();
        need(length);
        String value = LosslessUtf8.decode(bytes, position, length);
        position += length;
        return value;
    }

    public double readDouble() {
        long encoded = readSignedVarLong();
        if (!CompactWriter.isRaw(encoded)) {
            return CompactWriter.fromEncoded(encoded);
        }
        return Double.longBitsToDouble(readFixedLong());
    }

    public long readFixedLong() {
        need(8);
        long value = 0;
        for (int i = 0; i < 8; i++) {
            value |= (long) (bytes[position++] & 0xFF) << (8 * i);
        }
        return value;
    }

    /** A reader of the next value {@link CompactWriter#startSection} wrote, in place; this one goes on past it. */
    public CompactReader section() {
        int length = readCount();
        need(length);
        CompactReader section = new CompactReader(bytes, position, position + length);
        position += length;
        return section;
    }

    private CompactReader(byte[] bytes, int start, int end) {
        this.bytes = bytes;
        this.position = start;
        this.end = end;
    }

    /** The bytes of a value {@link CompactWriter#startSection} wrote, copied, and the reader past them. */
    public byte[] readSection() {
        int length = readCount();
        need(length);
        byte[] section = java.util.Arrays.copyOfRange(bytes, position, position + length);
        position += length;
        return section;
    }

    public boolean atEnd() {
        return position >= end;
    }

    private void need(int n) {
        if (position + n > end) {
            throw new IllegalArgumentException("value ends early at byte " + position);
        }
    }
}
