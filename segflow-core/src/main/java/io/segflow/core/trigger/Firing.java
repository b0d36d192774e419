package io.segflow.core.trigger;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;

/**
 * One firing of a trigger for a user, as it waits in Redis ({@link TriggerKeys#jobs}) between its steps.
 *
 * @param id          stable for the source of the firing (same on every attempt and replay): the webhook-id
 * @param kind        {@code segment.entered}, {@code segment.exited} or {@code trigger.fired}
 * @param at          when what fired it happened (the change, the event)
 * @param cause       the change's or event's cause ({@code event:<messageId>}, ...)
 * @param traceparent the W3C trace context of what fired it, continued into the delivery
 * @param shard       where its state lives ({@link TriggerKeys})
 * @param stage       {@link Stage#DELAY} while it waits out the trigger's delay, then {@link Stage#DELIVER}
 * @param attempts    delivery attempts made so far
 * @param firedAt     when it fired (after any delay): the retry deadline counts from here
 * @param properties  the event's properties, for event and threshold triggers
 * @param generation  the generation of the trigger that fired it ({@link TriggerScripts}): a trigger deleted and
 *                    created again has a newer one, and drops it. Null: none known (a replay), delivered by any
 */
public record Firing(String id, String triggerId, String userId, String kind, String segmentId, Long version,
                     String event, Instant at, String cause, String traceparent, String shard, Stage stage,
                     int attempts, Instant firedAt, Map<String, Object> properties, Long generation) {

    public enum Stage { DELAY, DELIVER }

    public static final String ENTERED = "segment.entered";
    public static final String EXITED = "segment.exited";
    public static final String FIRED = "trigger.fired";

    /** A URL- and header-safe id derived from the trigger, the user and what fired it. */
    public static String idOf(String triggerId, String userId, String source) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(
                    (triggerId + '\n' + userId + '\n' + source).getBytes(StandardCharsets.UTF_8));
            return "sf_" + Base64.getUrlEncoder().withoutPadding().encodeToString(digest).substring(0, 24);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    public Firing withStage(Stage next, Instant fired) {
        return new Firing(id, triggerId, userId, kind, segmentId, version, event, at, cause, traceparent, shard, next,
                attempts, fired, properties, generation);
    }

    public Firing withAttempts(int made) {
        return new Firing(id, triggerId, userId, kind, segmentId, version, event, at, cause, traceparent, shard, stage,
                made, firedAt, properties, generation);
    }

    /**
     * The same firing, delivered again from the first attempt (a replay keeps the id: receivers deduplicate), by the
     * trigger as it is now: a replay is asked of it.
     */
    public Firing replayed(Instant now) {
        return new Firing(id, triggerId, userId, kind, segmentId, version, event, at, cause, traceparent, shard,
                Stage.DELIVER, 0, now, properties, null);
    }
}
