package io.segflow.ingest;

import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import io.segflow.core.json.Json;
import java.util.regex.Pattern;

/**
 * The parser's read limits in plain words: Jackson's messages name its own configuration methods
 * ({@code StreamReadConstraints.getMaxNestingDepth()}), which mean nothing to the sender of a request.
 */
final class JsonLimitReasons {
    private static final StreamReadConstraints LIMITS = Json.MAPPER.getFactory().streamReadConstraints();
    /** How Jackson's messages cite the setting: "(1000, from `StreamReadConstraints.getMaxNestingDepth()`)". */
    private static final Pattern SETTING = Pattern.compile(", from `[^`]*`");

    private JsonLimitReasons() {
    }

    static String of(StreamConstraintsException e) {
        String message = e.getOriginalMessage() == null ? "" : e.getOriginalMessage();
        if (message.startsWith("Document nesting depth")) {
            return "nested deeper than " + LIMITS.getMaxNestingDepth() + " levels";
        }
        if (message.startsWith("Number value length")) {
            return "holds a number longer than " + LIMITS.getMaxNumberLength() + " characters";
        }
        if (message.startsWith("Name length")) {
            return "holds a field name longer than " + LIMITS.getMaxNameLength() + " characters";
        }
        return SETTING.matcher(message).replaceAll("");
    }
}
