package io.segflow.core.event;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.POJONode;
import io.segflow.core.json.IsoInstants;
import io.segflow.core.json.Json;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Turns one Segment tracking-API call (identify, track, page, ...) into a normalized {@link Event},
 * applying Segment's documented semantics: a generated messageId when absent, receivedAt set on
 * arrival, and clock-skew correction {@code timestamp = receivedAt - (sentAt - originalTimestamp)}.
 */
public final class SegmentCallParser {

    public static final int MAX_ID_LENGTH = 256;
    /** The ids a profile is kept, merged and read under: {@link #userIdProblem} holds them to the api's URLs. */
    private static final Set<String> USER_ID_FIELDS = Set.of("userId", "anonymousId", "previousId");
    public static final int MAX_MESSAGE_ID_LENGTH = 99;
    public static final int MAX_EVENT_NAME_LENGTH = 200;
    /** The date-times of ISO-8601's four-digit years: the clock-skew correction of any two of them stays in range. */
    private static final Instant EARLIEST = Instant.parse("0000-01-01T00:00:00Z");
    private static final Instant LATEST = Instant.parse("9999-12-31T23:59:59.999999999Z");

    /**
     * What a request sets for all of its calls; a call's own fields win. {@code clientIp} is the address the request
     * came from: it fills {@code context.ip} when neither the call nor the batch set it, as Segment does.
     */
    public record BatchDefaults(Map<String, Object> context, Map<String, Object> integrations, Instant sentAt,
                                String clientIp) {
        public static final BatchDefaults NONE = new BatchDefaults(null, null, null, null);

        public BatchDefaults withClientIp(String ip) {
            return new BatchDefaults(context, integrations, sentAt, ip);
        }

        /**
         * The batch envelope's {@code context}, {@code integrations} and {@code sentAt}, checked. Each of the two
         * objects goes into every call, so it may be no larger than a call.
         */
        public static BatchDefaults of(JsonNode envelope) {
            return new BatchDefaults(batchObject(envelope, "context"), batchObject(envelope, "integrations"),
                    instant(envelope, "sentAt"), null);
        }

        private static Map<String, Object> batchObject(JsonNode envelope, String field) {
            JsonNode node = envelope.get(field);
            if (node == null || node.isNull()) {
                return null;
            }
            if (!node.isObject()) {
                throw new InvalidEventException(field, "must be a JSON object");
            }
            int bytes = Json.writeBytes(node).length;
            if (bytes > SegmentLimits.MAX_EVENT_BYTES) {
                throw new InvalidEventException(field, "is " + bytes + " bytes; it goes into every call of the batch, "
                        + "and a call may be at most " + SegmentLimits.MAX_EVENT_BYTES + " bytes");
            }
            return Collections.unmodifiableMap(JsonMaps.toMap(node));
        }
    }

    private SegmentCallParser() {
    }

    /**
     * Parses every call of a request; an invalid call is rejected on its own, the others are still accepted.
     *
     * @param pathType the type the endpoint implies ({@code /v1/track}), or null when each call carries its own (batch)
     */
    public static ParsedCalls parseAll(List<RawCall> calls, EventType pathType, BatchDefaults defaults,
                                       Instant receivedAt, String source) {
        List<Event> accepted = new ArrayList<>(calls.size());
        List<Rejection> rejected = new ArrayList<>(0);
        for (RawCall call : calls) {
            try {
                checkSize(call);
                accepted.add(parse(call.json(), pathType, defaults, receivedAt, source));
            } catch (InvalidEventException e) {
                rejected.add(Rejection.of(call, e));
            }
        }
        return new ParsedCalls(accepted, rejected);
    }

    private static void checkSize(RawCall call) {
        if (call.bytes() > SegmentLimits.MAX_EVENT_BYTES) {
            throw new InvalidEventException("$", "is " + call.bytes() + " bytes; a call may be at most "
                    + SegmentLimits.MAX_EVENT_BYTES + " bytes");
        }
    }

    /**
     * @param call       the call's JSON
     * @param pathType   the type the endpoint implies ({@code /v1/track}), or null for batch items, which carry their own
     * @param receivedAt when ingest received the request
     * @param source     the name of the source whose write key authenticated the request
     */
    public static Event parse(JsonNode call, EventType pathType, BatchDefaults defaults, Instant receivedAt, String source) {
        if (call == null || !call.isObject()) {
            throw new InvalidEventException("$", "must be a JSON object");
        }
        EventType type = pathType != null ? pathType : typeOf(call);
        String userId = id(call, "userId");
        String anonymousId = id(call, "anonymousId");
        if (userId == null && anonymousId == null) {
            throw new InvalidEventException("userId", "userId or anonymousId is required");
        }
        String event = null;
        if (type == EventType.TRACK) {
            event = requiredText(call, "event", MAX_EVENT_NAME_LENGTH);
        }
        String groupId = type == EventType.GROUP ? requiredId(call, "groupId") : id(call, "groupId");
        String previousId = type == EventType.ALIAS ? requiredId(call, "previousId") : id(call, "previousId");
        if (type == EventType.ALIAS && userId == null) {
            throw new InvalidEventException("userId", "is required for alias");
        }
        String messageId = id(call, "messageId", MAX_MESSAGE_ID_LENGTH);
        if (messageId == null) {
            messageId = UUID.randomUUID().toString();
        }
        Instant original = instant(call, "timestamp");
        if (original == null) {
            original = instant(call, "originalTimestamp");
        }
        Instant sentAt = instant(call, "sentAt");
        if (sentAt == null) {
            sentAt = defaults.sentAt();
        }
        String name = text(call, "name", MAX_EVENT_NAME_LENGTH);
        String category = text(call, "category", MAX_EVENT_NAME_LENGTH);
        Map<String, Object> properties = object(call, "properties");
        if (type == EventType.PAGE || type == EventType.SCREEN) {
            properties = withPageFields(properties, name, category);
        }
        return new Event(
                Event.SCHEMA_VERSION,
                type.wireName(),
                messageId,
                userId,
                anonymousId,
                event,
                name,
                category,
                groupId,
                previousId,
                object(call, "traits"),
                properties,
                withClientIp(merged(call, "context", defaults.context()), defaults.clientIp()),
                merged(call, "integrations", defaults.integrations()),
                correctedTimestamp(original, sentAt, receivedAt),
                original,
                sentAt,
                receivedAt,
                source);
    }

    /** Segment's clock-skew correction: trust the client's clock only for the time between its event and its send. */
    static Instant correctedTimestamp(Instant original, Instant sentAt, Instant receivedAt) {
        if (original == null) {
            return receivedAt;
        }
        if (sentAt == null) {
            return original;
        }
        // Both within the four-digit years (instant()), so this cannot overflow; kept within them for the consumers.
        Instant corrected = receivedAt.minus(Duration.between(original, sentAt));
        return corrected.isBefore(EARLIEST) ? EARLIEST : corrected.isAfter(LATEST) ? LATEST : corrected;
    }

    private static EventType typeOf(JsonNode call) {
        JsonNode node = call.get("type");
        if (node == null || node.isNull()) {
            throw new InvalidEventException("type", "is required");
        }
        if (!node.isTextual()) {
            throw new InvalidEventException("type", "must be a string");
        }
        return EventType.fromWireName(node.asText())
                .orElseThrow(() -> new InvalidEventException("type",
                        "must be one of identify, track, page, screen, group, alias"));
    }

    private static String id(JsonNode call, String field) {
        return id(call, field, MAX_ID_LENGTH);
    }

    /**
     * Ids are strings; integers are accepted and kept as their decimal text, as Segment does (its Node SDK sends a
     * caller's numeric ids as they are). Blank counts as absent.
     */
    private static String id(JsonNode call, String field, int maxLength) {
        JsonNode node = call.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isTextual() && !node.isIntegralNumber()) {
            throw new InvalidEventException(field, "must be a string or an integer");
        }
        String value = node.asText();
        if (value.isBlank()) {
            return null;
        }
        String problem = USER_ID_FIELDS.contains(field) ? userIdProblem(value) : textProblem(value, maxLength);
        if (problem != null) {
            throw new InvalidEventException(field, problem);
        }
        return value;
    }

    /**
     * Why {@code id} cannot name a user, or null when it can. The api checks the ids it is given by this rule too.
     * {@code .} and {@code ..} are refused: URLs naming the user ({@code /v1/users/{id}/segments}) are normalized
     * before they are routed, percent-encoded or not, so such a user could never be read back.
     */
    public static String userIdProblem(String id) {
        String problem = textProblem(id, MAX_ID_LENGTH);
        if (problem != null) {
            return problem;
        }
        return id.equals(".") || id.equals("..") ? "must not be \".\" or \"..\": no URL can name such a user" : null;
    }

    private static String requiredId(JsonNode call, String field) {
        String value = id(call, field);
        if (value == null) {
            throw new InvalidEventException(field, "is required");
        }
        return value;
    }

    private static String text(JsonNode call, String field, int maxLength) {
        JsonNode node = call.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isTextual()) {
            throw new InvalidEventException(field, "must be a string");
        }
        checkSane(field, node.asText(), maxLength);
        return node.asText();
    }

    private static String requiredText(JsonNode call, String field, int maxLength) {
        String value = text(call, field, maxLength);
        if (value == null || value.isBlank()) {
            throw new InvalidEventException(field, "is required");
        }
        return value;
    }

    private static void checkSane(String field, String value, int maxLength) {
        String problem = textProblem(value, maxLength);
        if (problem != null) {
            throw new InvalidEventException(field, problem);
        }
    }

    private static String textProblem(String value, int maxLength) {
        if (value.length() > maxLength) {
            return "must be at most " + maxLength + " characters";
        }
        for (int i = 0; i < value.length(); i++) {
            if (Character.isISOControl(value.charAt(i))) {
                return "must not contain control characters";
            }
        }
        return null;
    }

    private static Instant instant(JsonNode call, String field) {
        return dateTime(field, call.get(field));
    }

    /**
     * An event's date-time field ({@code null} when absent): ISO-8601 with a zone offset, within the years 0000 to
     * 9999, else refused naming {@code field} and what is wrong with it.
     */
    public static Instant dateTime(String field, JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isTextual()) {
            throw new InvalidEventException(field, DateTimeReasons.NOT_A_DATE_TIME);
        }
        Instant instant;
        try {
            instant = IsoInstants.parse(node.asText());
        } catch (DateTimeParseException e) {
            throw new InvalidEventException(field, DateTimeReasons.unparsable(node.asText()));
        }
        if (instant.isBefore(EARLIEST) || instant.isAfter(LATEST)) {
            throw new InvalidEventException(field, DateTimeReasons.OUT_OF_RANGE);
        }
        return instant;
    }

    /** A carried-through object: as the reader kept it (raw bytes), or as a map when it came as a tree. */
    private static Map<String, Object> object(JsonNode call, String field) {
        JsonNode node = call.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (node instanceof POJONode pojo && pojo.getPojo() instanceof RawJsonObject raw) {
            return raw;
        }
        if (!node.isObject()) {
            throw new InvalidEventException(field, "must be a JSON object");
        }
        return JsonMaps.toMap(node);
    }

    /**
     * A page's or screen's properties with its {@code name} and {@code category} added where they have none, as
     * analytics.js sends them: conditions read them there ({@code event.properties.category}, {@code last("page",
     * "name")}) whether the call came from a browser or from a server SDK, which sends them only at the top level.
     */
    private static Map<String, Object> withPageFields(Map<String, Object> properties, String name, String category) {
        return withStringIfAbsent(withStringIfAbsent(properties, "name", name), "category", category);
    }

    /** The context with {@code ip} set to the request's address unless it names one already. */
    private static Map<String, Object> withClientIp(Map<String, Object> context, String clientIp) {
        return withStringIfAbsent(context, "ip", clientIp);
    }

    /** The object with {@code key} set to {@code value} unless it has that key already or the value is null. */
    private static Map<String, Object> withStringIfAbsent(Map<String, Object> object, String key, String value) {
        if (value == null || (object != null && object.containsKey(key))) {
            return object;
        }
        if (object instanceof RawJsonObject raw) {
            return raw.withStringIfAbsent(key, value);
        }
        return object == null ? Map.of(key, value) : new OverlayMap(Map.of(key, value), object);
    }

    /** The item's object over the batch's: keys of the item win, the batch fills in the rest (shared, not copied). */
    private static Map<String, Object> merged(JsonNode call, String field, Map<String, Object> batchLevel) {
        Map<String, Object> own = object(call, field);
        if (batchLevel == null) {
            return own;
        }
        return own == null ? batchLevel : new OverlayMap(own, batchLevel);
    }
}
