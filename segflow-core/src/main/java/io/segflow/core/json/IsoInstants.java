package io.segflow.core.json;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;

/**
 * ISO-8601 instants as events carry them, read and written without {@code DateTimeFormatter} on the common shapes:
 * ingest parses one or two per call and writes four per record, and the formatter's generic machinery made that a
 * fifth of ingest's CPU. Anything off the fast path goes through {@link OffsetDateTime#parse} / {@link Instant#parse}
 * (same results, same errors) and {@link Instant#toString()}.
 */
public final class IsoInstants {
    private static final long SECONDS_PER_DAY = 86_400;
    private static final int[] NANO_SCALE = {0, 100_000_000, 10_000_000, 1_000_000, 100_000, 10_000, 1_000, 100, 10, 1};

    private IsoInstants() {
    }

    /**
     * {@code 2026-11-26T10:00:00.123Z}, with an offset ({@code +01:00}) instead of {@code Z}, any
     * fraction up to nanoseconds, or anything else {@link OffsetDateTime#parse} or {@link Instant#parse} accepts.
     *
     * @throws DateTimeParseException when neither accepts the text
     */
    public static Instant parse(String text) {
        Instant fast = parseCommon(text);
        if (fast != null) {
            return fast;
        }
        try {
            return OffsetDateTime.parse(text).toInstant();
        } catch (DateTimeParseException e) {
            return Instant.parse(text);
        }
    }

    /** The same text as {@link Instant#toString()} (ISO_INSTANT: fraction in groups of three digits, as needed). */
    public static String format(Instant instant) {
        long seconds = instant.getEpochSecond();
        long day = Math.floorDiv(seconds, SECONDS_PER_DAY);
        if (day < -719_528 || day > 2_932_896) { // outside years 0000-9999: the JDK's rules for signs and widths
            return instant.toString();
        }
        LocalDate date = LocalDate.ofEpochDay(day);
        int secondOfDay = (int) Math.floorMod(seconds, SECONDS_PER_DAY);
        char[] out = new char[30];
        int at = 0;
        at = digits(out, at, date.getYear(), 4);
        out[at++] = '-';
        at = digits(out, at, date.getMonthValue(), 2);
        out[at++] = '-';
        at = digits(out, at, date.getDayOfMonth(), 2);
        out[at++] = 'T';
        at = digits(out, at, secondOfDay / 3600, 2);
        out[at++] = ':';
        at = digits(out, at, secondOfDay / 60 % 60, 2);
        out[at++] = ':';
        at = digits(out, at, secondOfDay % 60, 2);
        int nanos = instant.getNano();
        if (nanos != 0) {
            out[at++] = '.';
            if (nanos % 1_000_000 == 0) {
                at = digits(out, at, nanos / 1_000_000, 3);
            } else if (nanos % 1_000 == 0) {
                at = digits(out, at, nanos / 1_000, 6);
            } else {
                at = digits(out, at, nanos, 9);
            }
        }
        out[at++] = 'Z';
        return new String(out, 0, at);
    }

    private static int digits(char[] out, int at, int value, int width) {
        for (int i = at + width - 1; i >= at; i--) {
            out[i] = (char) ('0' + value % 10);
            value /= 10;
        }
        return at + width;
    }

    /** {@code yyyy-MM-ddTHH:mm:ss[.f…](Z|±HH:mm)}, or null for any other shape or an invalid field. */
    private static Instant parseCommon(String s) {
        int length = s.length();
        if (length < 20 || s.charAt(4) != '-' || s.charAt(7) != '-' || s.charAt(10) != 'T' || s.charAt(13) != ':'
                || s.charAt(16) != ':') {
            return null;
        }
        int year = number(s, 0, 4);
        int month = number(s, 5, 2);
        int day = number(s, 8, 2);
        int hour = number(s, 11, 2);
        int minute = number(s, 14, 2);
        int second = number(s, 17, 2);
        if ((year | month | day | hour | minute | second) < 0 || hour > 23 || minute > 59 || second > 59) {
            return null;
        }
        int at = 19;
        int nanos = 0;
        if (s.charAt(at) == '.') {
            int start = ++at;
            while (at < length && at - start < 9 && isDigit(s.charAt(at))) {
                at++;
            }
            int fractionDigits = at - start;
            if (fractionDigits == 0 || (at < length && isDigit(s.charAt(at)))) {
                return null;
            }
            nanos = number(s, start, fractionDigits) * NANO_SCALE[fractionDigits];
        }
        int offsetSeconds = offsetSeconds(s, at);
        if (offsetSeconds == Integer.MIN_VALUE) {
            return null;
        }
        long epochDay;
        try {
            epochDay = LocalDate.of(year, month, day).toEpochDay();
        } catch (DateTimeException e) {
            return null; // 2026-02-30: let the JDK's parser word the error
        }
        long epochSecond = epochDay * SECONDS_PER_DAY + hour * 3600L + minute * 60L + second - offsetSeconds;
        return Instant.ofEpochSecond(epochSecond, nanos);
    }

    /** The offset that ends the text at {@code at}: Z or ±HH:mm (what the JDK accepts); MIN_VALUE for anything else. */
    private static int offsetSeconds(String s, int at) {
        int rest = s.length() - at;
        if (rest == 1 && s.charAt(at) == 'Z') {
            return 0;
        }
        char sign = rest == 6 ? s.charAt(at) : ' ';
        if ((sign != '+' && sign != '-') || s.charAt(at + 3) != ':') {
            return Integer.MIN_VALUE;
        }
        int hours = number(s, at + 1, 2);
        int minutes = number(s, at + 4, 2);
        if (hours < 0 || minutes < 0 || minutes > 59 || hours * 60 + minutes > 18 * 60) {
            return Integer.MIN_VALUE;
        }
        int seconds = hours * 3600 + minutes * 60;
        return sign == '-' ? -seconds : seconds;
    }

    /** The decimal number in {@code s[from, from + count)}, or -1 when a character is not a digit. */
    private static int number(String s, int from, int count) {
        int value = 0;
        for (int i = from; i < from + count; i++) {
            char c = s.charAt(i);
            if (!isDigit(c)) {
                return -1;
            }
            value = value * 10 + (c - '0');
        }
        return value;
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }
}
