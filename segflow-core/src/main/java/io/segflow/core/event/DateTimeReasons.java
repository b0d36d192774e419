package io.segflow.core.event;

import java.time.DateTimeException;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Why a call's date-time was refused, in words the sender can act on. Worked out only after parsing failed, so the
 * extra parses cost nothing on valid calls.
 */
final class DateTimeReasons {
    static final String OUT_OF_RANGE = "must be within the years 0000 to 9999";
    static final String NOT_A_DATE_TIME = "must be an ISO-8601 date-time string";
    static final String NO_OFFSET = "has no zone offset: end it with Z (UTC) or an offset such as +01:00";
    static final String NO_TIME = "is a date without a time: send a date-time such as 2026-12-06T10:00:00Z";
    /** A year of five or more digits without a sign: ISO-8601 (and the JDK) want a sign there, we want four digits. */
    private static final Pattern LONG_YEAR = Pattern.compile("^\\d{5,}-");

    private DateTimeReasons() {
    }

    /** The reason for a text that {@link io.segflow.core.json.IsoInstants#parse} refused. */
    static String unparsable(String text) {
        if (LONG_YEAR.matcher(text).find()) {
            return OUT_OF_RANGE;
        }
        if (parses(LocalDateTime::parse, text)) {
            return NO_OFFSET;
        }
        if (parses(LocalDate::parse, text)) {
            return NO_TIME;
        }
        String invalidValue = invalidValue(text);
        return invalidValue != null ? "is not a valid date-time: " + invalidValue : NOT_A_DATE_TIME;
    }

    /** The JDK's words for a value out of its range (month 13, February 30, hour 25), when that is what is wrong. */
    private static String invalidValue(String text) {
        try {
            OffsetDateTime.parse(text);
            return null;
        } catch (DateTimeParseException e) {
            return e.getCause() instanceof DateTimeException cause ? cause.getMessage() : null;
        }
    }

    private static boolean parses(Function<String, ?> parser, String text) {
        try {
            parser.apply(text);
            return true;
        } catch (DateTimeParseException e) {
            return false;
        }
    }
}
