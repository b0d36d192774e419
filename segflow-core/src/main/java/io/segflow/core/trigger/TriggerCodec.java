package io.segflow.core.trigger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.segflow.core.json.IsoInstants;
import io.segflow.core.json.Json;
import io.segflow.core.rules.SegmentDefinition;
import io.segflow.core.trigger.TriggerDefinition.FrequencyCap;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Trigger definitions to and from JSON, checked field by field: whatever the admin API accepts reads back the same,
 * and every refusal names the field ({@link InvalidTriggerException}). CEL is compiled here too, so a stored
 * trigger's expressions always compile.
 */
public final class TriggerCodec {
    public static final int MAX_NAME_LENGTH = 200;
    public static final int MAX_EVENT_LENGTH = 200;
    public static final int MAX_CAP = 10_000;
    public static final int MAX_SECRETS = 3;
    public static final String SECRET_PREFIX = "whsec_";
    private static final Pattern TOPIC = Pattern.compile("[A-Za-z0-9._-]{1,249}");
    /** The fields a definition takes, per object; a request may also send back those an answer adds. */
    private static final Set<String> FIELDS = Set.of("name", "when", "delay", "cooldown", "cap", "action", "enabled");
    private static final Set<String> ANSWERED_FIELDS = Set.of("id", "updatedAt", "disabled", "invalid", "warnings");
    private static final Set<String> WHEN_FIELDS = Set.of("segment", "change", "event", "condition", "threshold", "crosses", "value");
    private static final Set<String> CAP_FIELDS = Set.of("count", "per");
    private static final Map<String, Set<String>> ACTION_FIELDS = Map.of(
            "webhook", Set.of("type", "url", "secret", "secrets"),
            "kafka", Set.of("type", "topic"),
            "segment", Set.of("type", "url", "writeKey"),
            "cloudevents", Set.of("type", "url"));

    private final TriggerExpressions expressions;

    public TriggerCodec(TriggerExpressions expressions) {
        this.expressions = expressions;
    }

    /**
     * Reads and checks a requested definition; {@code id} and {@code updatedAt} come from the caller, not the body. A
     * field it does not take is refused rather than dropped: a misspelled {@code "dealy"} or a {@code delay} put inside
     * {@code when} would otherwise save something other than what was meant.
     */
    public TriggerDefinition read(String id, JsonNode json, Instant updatedAt) {
        if (json != null && json.isObject()) {
            refuseUnknownFields(json);
        }
        return readChecked(id, json, updatedAt);
    }

    private TriggerDefinition readChecked(String id, JsonNode json, Instant updatedAt) {
        if (!SegmentDefinition.isValidId(id)) {
            throw new InvalidTriggerException("id", "must match " + SegmentDefinition.ID_PATTERN.pattern());
        }
        if (json == null || !json.isObject()) {
            throw new InvalidTriggerException("$", "body must be a JSON object");
        }
        String name = optionalText(json, "name", "name", MAX_NAME_LENGTH);
        When when = when(object(json, "when", "when", true));
        TriggerLength delay = length(json, "delay");
        if (delay != null && !(when instanceof When.SegmentChanged)) {
            throw new InvalidTriggerException("delay", "only segment triggers can wait: an event or a crossing is an instant");
        }
        TriggerLength cooldown = length(json, "cooldown");
        FrequencyCap cap = cap(object(json, "cap", "cap", false));
        TriggerAction action = action(object(json, "action", "action", true));
        JsonNode enabled = json.get("enabled");
        if (enabled != null && !enabled.isNull() && !enabled.isBoolean()) {
            throw new InvalidTriggerException("enabled", "must be true or false");
        }
        // A blank name is no name, as for segments: lists would show nothing to tell the trigger by.
        return new TriggerDefinition(id, name != null && !name.isBlank() ? name : id, when, delay, cooldown, cap, action,
                enabled == null || enabled.isNull() || enabled.asBoolean(), updatedAt);
    }

    /** A stored definition (written by {@link #write}); stored JSON is checked like a request. */
    public TriggerDefinition readStored(String json) {
        JsonNode node = Json.read(json, JsonNode.class);
        Instant updatedAt = node.hasNonNull("updatedAt") ? IsoInstants.parse(node.get("updatedAt").asText()) : null;
        return readChecked(node.path("id").asText(null), node, updatedAt);
    }

    public static String write(TriggerDefinition definition) {
        return Json.write(tree(definition));
    }

    /** The definition as the API answers it and Redis stores it. */
    public static ObjectNode tree(TriggerDefinition d) {
        ObjectNode json = Json.MAPPER.createObjectNode();
        json.put("id", d.id());
        json.put("name", d.name());
        ObjectNode when = json.putObject("when");
        switch (d.when()) {
            case When.SegmentChanged s -> when.put("segment", s.segment()).put("change", s.change().wire());
            case When.EventSeen e -> {
                when.put("event", e.event());
                if (e.condition() != null) {
                    when.put("condition", e.condition());
                }
            }
            case When.ThresholdCrossed t -> when.put("threshold", t.expression()).put("crosses", t.crosses().wire())
                    .put("value", t.value());
        }
        if (d.delay() != null) {
            json.put("delay", d.delay().text());
        }
        if (d.cooldown() != null) {
            json.put("cooldown", d.cooldown().text());
        }
        if (d.cap() != null) {
            json.putObject("cap").put("count", d.cap().count()).put("per", d.cap().per().text());
        }
        ObjectNode action = json.putObject("action").put("type", d.action().type());
        switch (d.action()) {
            case TriggerAction.Webhook w -> {
                action.put("url", w.url().toString());
                if (w.secrets().size() == 1) {
                    action.put("secret", w.secrets().get(0));
                } else {
                    ArrayNode secrets = action.putArray("secrets");
                    w.secrets().forEach(secrets::add);
                }
            }
            case TriggerAction.Kafka k -> action.put("topic", k.topic());
            case TriggerAction.Segment s -> action.put("url", s.url().toString()).put("writeKey", s.writeKey());
            case TriggerAction.CloudEvents c -> action.put("url", c.url().toString());
        }
        json.put("enabled", d.enabled());
        if (d.updatedAt() != null) {
            json.put("updatedAt", IsoInstants.format(d.updatedAt()));
        }
        return json;
    }

    private static void refuseUnknownFields(JsonNode json) {
        Set<String> topLevel = new TreeSet<>(FIELDS);
        topLevel.addAll(ANSWERED_FIELDS);
        refuseUnknown(json, "", topLevel, FIELDS);
        refuseUnknown(json.get("when"), "when.", WHEN_FIELDS, WHEN_FIELDS);
        refuseUnknown(json.get("cap"), "cap.", CAP_FIELDS, CAP_FIELDS);
        JsonNode action = json.get("action");
        Set<String> actionFields = action == null ? null : ACTION_FIELDS.get(action.path("type").asText());
        if (actionFields != null) {
            refuseUnknown(action, "action.", actionFields, actionFields); // an unknown type is refused by action()
        }
    }

    /** Refuses the first field of {@code object} not in {@code known}, telling the ones it takes ({@code told}). */
    private static void refuseUnknown(JsonNode object, String prefix, Set<String> known, Set<String> told) {
        if (object == null || !object.isObject()) {
            return;
        }
        for (Iterator<String> names = object.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!known.contains(name)) {
                throw new InvalidTriggerException(prefix + name, "is not a field here; known: " + String.join(", ", new TreeSet<>(told)));
            }
        }
    }

    private When when(JsonNode json) {
        int kinds = (json.has("segment") ? 1 : 0) + (json.has("event") ? 1 : 0) + (json.has("threshold") ? 1 : 0);
        if (kinds != 1) {
            throw new InvalidTriggerException("when", "must have exactly one of segment, event or threshold");
        }
        if (json.has("segment")) {
            String segment = requiredText(json, "segment", "when.segment", 64);
            if (!SegmentDefinition.isValidId(segment)) {
                throw new InvalidTriggerException("when.segment", "must be a segment id (" + SegmentDefinition.ID_PATTERN.pattern() + ")");
            }
            return new When.SegmentChanged(segment, choice(json, "change", "when.change", When.Change.class));
        }
        if (json.has("event")) {
            String event = requiredText(json, "event", "when.event", MAX_EVENT_LENGTH);
            String condition = optionalText(json, "condition", "when.condition", Integer.MAX_VALUE);
            if (condition != null) {
                expressions.condition(condition, "when.condition");
            }
            return new When.EventSeen(event, condition);
        }
        String threshold = requiredText(json, "threshold", "when.threshold", Integer.MAX_VALUE);
        expressions.number(threshold, "when.threshold");
        When.Crossing crosses = choice(json, "crosses", "when.crosses", When.Crossing.class);
        JsonNode value = json.get("value");
        if (value == null || !value.isNumber() || !Double.isFinite(value.asDouble())) {
            throw new InvalidTriggerException("when.value", "is required and must be a number");
        }
        return new When.ThresholdCrossed(threshold, crosses, value.asDouble());
    }

    private static FrequencyCap cap(JsonNode json) {
        if (json == null) {
            return null;
        }
        JsonNode count = json.get("count");
        if (count == null || !count.canConvertToInt() || !count.isIntegralNumber() || count.asInt() < 1 || count.asInt() > MAX_CAP) {
            throw new InvalidTriggerException("cap.count", "must be an integer from 1 to " + MAX_CAP);
        }
        TriggerLength per = length(json, "per", "cap.per");
        if (per == null) {
            throw new InvalidTriggerException("cap.per", "is required, e.g. \"7d\"");
        }
        return new FrequencyCap(count.asInt(), per);
    }

    private static TriggerAction action(JsonNode json) {
        String type = requiredText(json, "type", "action.type", 20);
        return switch (type) {
            case "webhook" -> new TriggerAction.Webhook(url(json), secrets(json));
            case "kafka" -> {
                String topic = optionalText(json, "topic", "action.topic", 249);
                if (topic != null && !TOPIC.matcher(topic).matches()) {
                    throw new InvalidTriggerException("action.topic", "must be a Kafka topic name (" + TOPIC.pattern() + ")");
                }
                yield new TriggerAction.Kafka(topic != null ? topic : "segflow.triggers");
            }
            case "segment" -> new TriggerAction.Segment(url(json), requiredText(json, "writeKey", "action.writeKey", 200));
            case "cloudevents" -> new TriggerAction.CloudEvents(url(json));
            default -> throw new InvalidTriggerException("action.type", "must be webhook, kafka, segment or cloudevents");
        };
    }

    private static URI url(JsonNode json) {
        String text = requiredText(json, "url", "action.url", 2_000);
        URI url;
        try {
            url = new URI(text);
        } catch (URISyntaxException e) {
            throw new InvalidTriggerException("action.url", "is not a URL: " + e.getReason());
        }
        String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new InvalidTriggerException("action.url", "must be an http or https URL");
        }
        if (url.getHost() == null || url.getHost().isEmpty()) {
            throw new InvalidTriggerException("action.url", "must name a host");
        }
        if (url.getUserInfo() != null) {
            throw new InvalidTriggerException("action.url", "must not carry credentials");
        }
        return url;
    }

    private static List<String> secrets(JsonNode json) {
        List<String> secrets = new ArrayList<>();
        if (json.has("secrets")) {
            JsonNode list = json.get("secrets");
            if (!list.isArray() || list.isEmpty() || list.size() > MAX_SECRETS) {
                throw new InvalidTriggerException("action.secrets", "must be a list of 1 to " + MAX_SECRETS + " secrets");
            }
            for (int i = 0; i < list.size(); i++) {
                secrets.add(secret(list.get(i), "action.secrets[" + i + "]"));
            }
        } else {
            secrets.add(secret(json.get("secret"), "action.secret"));
        }
        return List.copyOf(secrets);
    }

    private static String secret(JsonNode node, String field) {
        if (node == null || !node.isTextual() || !node.asText().startsWith(SECRET_PREFIX)) {
            throw new InvalidTriggerException(field, "is required: \"whsec_\" and 24 to 64 random bytes in base64");
        }
        try {
            int bytes = WebhookSigner.key(node.asText()).length;
            if (bytes < 24 || bytes > 64) {
                throw new InvalidTriggerException(field, "must decode to 24 to 64 bytes, has " + bytes);
            }
        } catch (IllegalArgumentException e) {
            throw new InvalidTriggerException(field, "is not base64 after \"whsec_\"");
        }
        return node.asText();
    }

    private static TriggerLength length(JsonNode json, String name) {
        return length(json, name, name);
    }

    private static TriggerLength length(JsonNode json, String name, String field) {
        String text = optionalText(json, name, field, 20);
        return text == null ? null : TriggerLength.parse(text, field);
    }

    private static <E extends Enum<E>> E choice(JsonNode json, String name, String field, Class<E> type) {
        String text = requiredText(json, name, field, 20);
        for (E value : type.getEnumConstants()) {
            if (value.name().toLowerCase(Locale.ROOT).equals(text)) {
                return value;
            }
        }
        List<String> names = new ArrayList<>();
        for (E value : type.getEnumConstants()) {
            names.add(value.name().toLowerCase(Locale.ROOT));
        }
        throw new InvalidTriggerException(field, "must be " + String.join(" or ", names));
    }

    private static JsonNode object(JsonNode json, String name, String field, boolean required) {
        JsonNode node = json.get(name);
        if (node == null || node.isNull()) {
            if (required) {
                throw new InvalidTriggerException(field, "is required");
            }
            return null;
        }
        if (!node.isObject()) {
            throw new InvalidTriggerException(field, "must be an object");
        }
        return node;
    }

    private static String requiredText(JsonNode json, String name, String field, int maxLength) {
        String text = optionalText(json, name, field, maxLength);
        if (text == null || text.isBlank()) {
            throw new InvalidTriggerException(field, "is required");
        }
        return text;
    }

    private static String optionalText(JsonNode json, String name, String field, int maxLength) {
        JsonNode node = json.get(name);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isTextual()) {
            throw new InvalidTriggerException(field, "must be a string");
        }
        if (node.asText().length() > maxLength) {
            throw new InvalidTriggerException(field, "must be at most " + maxLength + " characters");
        }
        return node.asText();
    }

    /** A new random signing secret, for a webhook defined without one. */
    public static String newSecret(java.security.SecureRandom random) {
        byte[] key = new byte[32];
        random.nextBytes(key);
        return SECRET_PREFIX + Base64.getEncoder().encodeToString(key);
    }

}
