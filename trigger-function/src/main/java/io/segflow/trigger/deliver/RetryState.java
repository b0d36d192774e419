package io.segflow.trigger.deliver;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.segflow.core.json.IsoInstants;
import io.segflow.core.json.Json;
import io.segflow.core.trigger.Firing;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Optional;

/**
 * What a firing that failed carries into its next run, kept in its schedule entry beside the firing (a member
 * {@code retry} of the firing's JSON, which readers of the firing skip; a replay writes the firing afresh without it):
 * its last failure; whether its next attempt is the one at the deadline, made although it starts at or after the
 * deadline; and once the firing is given up, why, with how many writes of its dead record failed so far.
 *
 * @param gaveUp     why the firing was given up, null while it is retried: then only its dead record is still to write
 * @param deadWrites the writes of its dead record that failed so far
 * @param calledAt   the {@code updatedAt} of the definition whose endpoint answered 410 (null otherwise): the trigger is
 *                   disabled once the dead record is written, and only if that definition is still the stored one
 */
record RetryState(Integer status, String error, long latencyMs, boolean atDeadline, String gaveUp, int deadWrites,
                  Instant calledAt) {
    private static final String MEMBER = "retry";

    /** After a failed attempt that is tried again. */
    static RetryState failed(Outcome last, boolean atDeadline) {
        return new RetryState(last.status(), last.error(), last.latencyMs(), atDeadline, null, 0, null);
    }

    /** Given up after {@code last}, its dead record not written yet after {@code deadWrites} tries. */
    static RetryState gaveUp(Outcome last, String reason, int deadWrites, Instant calledAt) {
        return new RetryState(last.status(), last.error(), last.latencyMs(), false, reason, deadWrites, calledAt);
    }

    boolean givenUp() {
        return gaveUp != null;
    }

    Outcome last() {
        return Outcome.failed(status, error, null, latencyMs);
    }

    /** The firing's schedule entry with this state. */
    String entry(Firing firing) {
        ObjectNode state = Json.MAPPER.createObjectNode();
        if (status != null) {
            state.put("status", status);
        }
        state.put("error", error).put("latencyMs", latencyMs).put("atDeadline", atDeadline);
        if (gaveUp != null) {
            state.put("gaveUp", gaveUp).put("deadWrites", deadWrites);
        }
        if (calledAt != null) {
            state.put("calledAt", IsoInstants.format(calledAt));
        }
        ObjectNode entry = Json.MAPPER.valueToTree(firing);
        entry.set(MEMBER, state);
        return Json.write(entry);
    }

    /** The state in a firing's schedule entry; empty for a firing not retried yet (or replayed). */
    static Optional<RetryState> of(String entry) {
        JsonNode state;
        try {
            state = Json.MAPPER.readTree(entry).get(MEMBER);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
        if (state == null || !state.isObject()) {
            return Optional.empty();
        }
        return Optional.of(new RetryState(state.hasNonNull("status") ? state.get("status").asInt() : null,
                state.path("error").asText(null), state.path("latencyMs").asLong(), state.path("atDeadline").asBoolean(),
                state.path("gaveUp").asText(null), state.path("deadWrites").asInt(),
                state.hasNonNull("calledAt") ? IsoInstants.parse(state.get("calledAt").asText()) : null));
    }
}
