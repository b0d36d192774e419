package io.segflow.core.profile;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A time window such as {@code "90s"}, {@code "30m"}, {@code "24h"} or {@code "7d"} (1 second to 90 days). */
public record Window(String text, long millis, Granularity granularity) {
    private static final Pattern FORMAT = Pattern.compile("(\\d{1,6})([smhd])");
    public static final Duration MAX = Duration.ofDays(90);

    public static Window parse(String text) {
        Duration length = Duration.ofMillis(parseLength(text));
        if (length.isZero() || length.compareTo(MAX) > 0) {
            throw new IllegalArgumentException("window '" + text + "' must be between 1s and 90d");
        }
        return new Window(text, length.toMillis(), Granularity.forWindow(length));
    }

    /** Milliseconds of a length such as {@code "90s"} or {@code "7d"}, uncapped (half-lives use it too). */
    public static long parseLength(String text) {
        Matcher matcher = FORMAT.matcher(text == null ? "" : text);
        if (!matcher.matches()) {
            throw new IllegalArgumentException("'" + text + "' must be a number and a unit s, m, h or d, e.g. \"30m\"");
        }
        long amount = Long.parseLong(matcher.group(1));
        Duration length = switch (matcher.group(2)) {
            case "s" -> Duration.ofSeconds(amount);
            case "m" -> Duration.ofMinutes(amount);
            case "h" -> Duration.ofHours(amount);
            default -> Duration.ofDays(amount);
        };
        return length.toMillis();
    }
}
