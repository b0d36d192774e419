package io.segflow.core.profile;

/**
 * Field names of the profile hash ({@code sf:{u}:profile}). Parts are joined with the ASCII unit separator
 * (0x1F), which event names and property names do not contain in practice and which cannot be confused with
 * any printable character.
 *
 * <pre>
 * c|e            lifetime count of event e
 * w|g|e|b        count of event e in bucket b of granularity g
 * a|e|p          lifetime aggregate of numeric property p of event e: "n sum min max"
 * x|g|e|p|b      aggregate of p of e in bucket b of granularity g
 * f|e, l|e       first / last seen of event e (epoch millis)
 * F, L           first / last seen of any event
 * v|e|p          last value of property p of event e: "millis json"
 * S              engagement score: "value asOfMillis"
 * o|partition    last applied Kafka offset of that partition (exactly-once)
 * T              minute of the last bucket trim
 * </pre>
 */
public final class ProfileFields {
    public static final char SEP = '\u001f';
    public static final String FIRST_SEEN = "F";
    public static final String LAST_SEEN = "L";
    public static final String SCORE = "S";
    public static final String LAST_TRIM = "T";

    private ProfileFields() {
    }

    static String join(String... parts) {
        return String.join(String.valueOf(SEP), parts);
    }

    public static String count(String event) {
        return join("c", event);
    }

    public static String windowCount(Granularity g, String event, long bucket) {
        return join("w", g.code(), event, Long.toString(bucket));
    }

    public static String aggregate(String event, String property) {
        return join("a", event, property);
    }

    public static String windowAggregate(Granularity g, String event, String property, long bucket) {
        return join("x", g.code(), event, property, Long.toString(bucket));
    }

    public static String firstSeen(String event) {
        return join("f", event);
    }

    public static String lastSeen(String event) {
        return join("l", event);
    }

    public static String lastValue(String event, String property) {
        return join("v", event, property);
    }

    public static String offset(int partition) {
        return join("o", Integer.toString(partition));
    }

    /** Prefix of all bucket fields of one granularity, for trimming: {@code w|g|} and {@code x|g|}. */
    public static String bucketPrefix(String kind, Granularity g) {
        return join(kind, g.code(), "");
    }
}
