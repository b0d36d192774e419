package io.segflow.core.rules;

import java.time.Instant;
import java.util.regex.Pattern;

/** A segment as marketers define it: a CEL condition over a user's profile. */
public record SegmentDefinition(String id, String name, String condition, boolean enabled, Instant updatedAt) {

    /** Ids appear in URLs, Redis hash fields and DOM attributes; keep them plain. */
    public static final Pattern ID_PATTERN = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");

    public static boolean isValidId(String id) {
        return id != null && ID_PATTERN.matcher(id).matches();
    }
}
