package io.segflow.core.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** What {@link CompactWriter} writes, {@link CompactReader} reads back exactly, in the sizes the format promises. */
class CompactWriterTest {

    @Test
    void varintsRoundTripAtEverySevenBitBoundary() {
        for (int bits = 0; bits <= 63; bits += 7) {
            long boundary = 1L << bits;
            for (long value : new long[] {boundary - 1, boundary, boundary + 1}) {
                CompactWriter out = new CompactWriter(0);
                out.writeVarLong(value);
                CompactReader in = new CompactReader(out.toByteArray());

                assertThat(in.readVarLong()).as("%d", value).isEqualTo(value);
                assertThat(in.atEnd()).isTrue();
            }
        }
    }

    @Test
    void varintsTakeOneByteForEachSevenBits() {
        assertThat(unsignedSize(0)).isEqualTo(1);
        assertThat(unsignedSize(127)).isEqualTo(1);
        assertThat(unsignedSize(128)).isEqualTo(2);
        assertThat(unsignedSize(16_383)).isEqualTo(2);
        assertThat(unsignedSize(16_384)).isEqualTo(3);
        assertThat(unsignedSize(Long.MAX_VALUE)).isEqualTo(9);
        assertThat(unsignedSize(-1)).as("negative as unsigned: all 64 bits").isEqualTo(10);
    }

    @Test
    void signedVarintsKeepSmallNegativeNumbersShort() {
        for (long value : new long[] {0, -1, 1, -64, 63, -65, 64, Integer.MIN_VALUE, Long.MIN_VALUE, Long.MAX_VALUE}) {
            CompactWriter out = new CompactWriter(0);
            out.writeSignedVarLong(value);

            assertThat(new CompactReader(out.toByteArray()).readSignedVarLong()).isEqualTo(value);
        }
        assertThat(signedSize(-64)).isEqualTo(1);
        assertThat(signedSize(63)).isEqualTo(1);
        assertThat(signedSize(-65)).isEqualTo(2);
        assertThat(signedSize(Long.MIN_VALUE)).isEqualTo(10);
    }

    @Test
    void negativeUnsignedVarintsStillRoundTrip() {
        for (long value : new long[] {-1, Long.MIN_VALUE, -1_795_600_000_000L}) {
            CompactWriter out = new CompactWriter(0);
            out.writeVarLong(value);

            assertThat(new CompactReader(out.toByteArray()).readVarLong()).isEqualTo(value);
        }
    }

    @Test
    void unpairedSurrogatesComeBackAsTheyWereNotAsQuestionMarks() {
        // JSON lets a client send "\ud83d" alone: as a name it must come back the same, and not meet "Clicked ?".
        assertRoundTrip(List.of("Clicked \ud83d", "Clicked ?", "\udfff", "a\ud800b\udc00", "\udc00\ud800",
                "ok \ud83d\ude00 then \ud83d", "é\ud800".repeat(50)));
        assertThat(stringSize("😀")).as("a pair stays the 4 bytes of UTF-8").isEqualTo(1 + 4);
    }

    /** Written one after the other, read back the same, and nothing after them. */
    private static void assertRoundTrip(List<String> values) {
        CompactWriter out = new CompactWriter(0);
        values.forEach(out::writeString);
        CompactReader in = new CompactReader(out.toByteArray());
        for (String value : values) {
            assertThat(in.readString()).isEqualTo(value);
        }
        assertThat(in.atEnd()).isTrue();
    }

    @Test
    void anyStringOfCodeUnitsRoundTrips() {
        Random random = new Random(20261206);
        char[] interesting = {'a', '?', 'é', '中', '\u07ff', '\u0800', '\uffff', '\ud800', '\udbff', '\udc00', '\udfff', '\ued00'};
        for (int run = 0; run < 20_000; run++) {
            char[] chars = new char[random.nextInt(12)];
            for (int i = 0; i < chars.length; i++) {
                chars[i] = random.nextBoolean() ? interesting[random.nextInt(interesting.length)] : (char) random.nextInt(0x10000);
            }
            String value = new String(chars);
            CompactWriter out = new CompactWriter(0);
            out.writeString(value);
            String back = new CompactReader(out.toByteArray()).readString();
            assertThat(back).as("code units %s", value.chars().mapToObj(Integer::toHexString).toList()).isEqualTo(value);
        }
    }

    @Test
    void stringsRoundTripAsLengthPrefixedUtf8() {
        assertRoundTrip(List.of("", "a", "add_to_cart", "café", "日本語", "😀 emoji", "mixed ß 中 😀 end", "x".repeat(300)));
        assertThat(stringSize("日本語")).as("a length byte and 3 bytes per character").isEqualTo(1 + 9);
        assertThat(stringSize("😀")).isEqualTo(1 + 4);
    }

    @Test
    void doublesRoundTripBitForBit() {
        double[] values = {0.0, -0.0, 1, -1, 42, 19.99, -0.01, 0.01, 1234567.89, -19.99, 0.1 + 0.2, 0.1, 1.0 / 3,
                Math.PI, 1e-300, Double.MIN_VALUE, -Double.MIN_VALUE, Double.MIN_NORMAL, Double.MAX_VALUE, -Double.MAX_VALUE,
                0x1p50, 0x1p50 - 1, -0x1p50, 0x1p53, 0x1p53 + 2, 1e300, 9.999999999999999e22, Double.NaN,
                Double.longBitsToDouble(0x7ff8_0000_dead_beefL), Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY,
                (double) Long.MAX_VALUE, (double) Long.MIN_VALUE};
        for (double value : values) {
            assertThat(Double.doubleToRawLongBits(roundTrip(value))).as("%s", value)
                    .isEqualTo(Double.doubleToRawLongBits(value));
        }
    }

    @Test
    void randomDoublesRoundTripBitForBit() {
        long seed = 20_260_101;
        Random random = new Random(seed);
        for (int i = 0; i < 20_000; i++) {
            double value = switch (i % 4) {
                case 0 -> Double.longBitsToDouble(random.nextLong());
                case 1 -> (random.nextLong() % 100_000_000_000L) / 100.0;
                case 2 -> random.nextInt() * 1.0;
                default -> (random.nextDouble() - 0.5) * Math.pow(10, random.nextInt(40) - 20);
            };
            assertThat(Double.doubleToRawLongBits(roundTrip(value))).as("%s (seed %d)", value, seed)
                    .isEqualTo(Double.doubleToRawLongBits(value));
        }
    }

    @Test
    void wholeNumbersAndCentsAreShortAndOtherDoublesTakeNineBytes() {
        assertThat(doubleSize(0)).isEqualTo(1);
        assertThat(doubleSize(1)).isEqualTo(1);
        assertThat(doubleSize(-3)).isEqualTo(1);
        assertThat(doubleSize(19.99)).isLessThanOrEqualTo(3);
        assertThat(doubleSize(-0.01)).isEqualTo(1);
        assertThat(doubleSize(1234.5)).isLessThanOrEqualTo(3);
        assertThat(doubleSize(0.1 + 0.2)).isEqualTo(9);
        assertThat(doubleSize(Double.NaN)).isEqualTo(9);
        assertThat(doubleSize(1e300)).isEqualTo(9);
    }

    @Test
    void aMixOfValuesReadsBackInOrder() {
        CompactWriter out = new CompactWriter(0);
        out.writeByte(0xFF);
        out.writeVarLong(300);
        out.writeString("buy");
        out.writeDouble(19.99);
        out.writeSignedVarLong(-2);
        out.writeDouble(Double.NaN);
        CompactReader in = new CompactReader(out.toByteArray());

        assertThat(in.readByte()).isEqualTo(0xFF);
        assertThat(in.readVarLong()).isEqualTo(300);
        assertThat(in.readString()).isEqualTo("buy");
        assertThat(in.readDouble()).isEqualTo(19.99);
        assertThat(in.readSignedVarLong()).isEqualTo(-2);
        assertThat(in.readDouble()).isNaN();
        assertThat(in.atEnd()).isTrue();
        assertThat(out.size()).isEqualTo(out.toByteArray().length);
    }

    @Test
    void aSectionIsPrecededByItsLengthWhateverTheLengthTakes() {
        for (int length : new int[] {0, 1, 127, 128, 16_383, 16_384, 100_000}) {
            byte[] body = new byte[length];
            new Random(length).nextBytes(body);
            CompactWriter out = new CompactWriter(0);
            out.writeString("before");
            int section = out.startSection();
            out.writeBytes(body);
            out.endSection(section);
            out.writeVarLong(42);
            CompactReader in = new CompactReader(out.toByteArray());

            assertThat(in.readString()).isEqualTo("before");
            assertThat(in.readSection()).as("a section of %d bytes", length).isEqualTo(body);
            assertThat(in.readVarLong()).isEqualTo(42);
            assertThat(in.atEnd()).isTrue();
            assertThat(out.size()).isEqualTo(7 + unsignedSize(length) + length + 1);
        }
    }

    @Test
    void aSectionLongerThanTheRestOfTheValueIsAnIllegalArgument() {
        CompactWriter out = new CompactWriter(0);
        out.writeVarLong(5);
        out.writeByte(1);

        assertThatThrownBy(() -> new CompactReader(out.toByteArray()).readSection()).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void readingPastTheEndIsAnIllegalArgument() {
        CompactWriter out = new CompactWriter(0);
        out.writeString("long enough");
        out.writeVarLong(1L << 40);
        out.writeDouble(Math.PI);
        byte[] whole = out.toByteArray();

        for (int length = 0; length < whole.length; length++) {
            CompactReader in = new CompactReader(Arrays.copyOf(whole, length));
            assertThatThrownBy(() -> {
                in.readString();
                in.readVarLong();
                in.readDouble();
            }).as("cut to %d bytes", length).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void aVarintOfMoreThanTenBytesIsAnIllegalArgument() {
        byte[] endless = new byte[11];
        Arrays.fill(endless, (byte) 0x80);

        assertThatThrownBy(() -> new CompactReader(endless).readVarLong()).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aCountLargerThanTheRestOfTheValueIsAnIllegalArgument() {
        CompactWriter out = new CompactWriter(0);
        out.writeVarLong(1_000_000);
        out.writeString("abc");
        CompactWriter negative = new CompactWriter(0);
        negative.writeVarLong(-5);

        assertThatThrownBy(() -> new CompactReader(out.toByteArray()).readCount())
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new CompactReader(out.toByteArray()).readString())
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new CompactReader(negative.toByteArray()).readCount())
                .isInstanceOf(IllegalArgumentException.class);
    }

    private static double roundTrip(double value) {
        CompactWriter out = new CompactWriter(0);
        out.writeDouble(value);
        CompactReader in = new CompactReader(out.toByteArray());
        double read = in.readDouble();
        assertThat(in.atEnd()).isTrue();
        return read;
    }

    private static int unsignedSize(long value) {
        CompactWriter out = new CompactWriter(0);
        out.writeVarLong(value);
        return out.size();
    }

    private static int signedSize(long value) {
        CompactWriter out = new CompactWriter(0);
        out.writeSignedVarLong(value);
        return out.size();
    }

    private static int doubleSize(double value) {
        CompactWriter out = new CompactWriter(0);
        out.writeDouble(value);
        return out.size();
    }

    private static int stringSize(String value) {
        CompactWriter out = new CompactWriter(0);
        out.writeString(value);
        assertThat(out.size()).isGreaterThan(value.getBytes(StandardCharsets.UTF_8).length);
        return out.size();
    }
}
