package io.segflow.trigger.fire;

import io.segflow.core.engine.ProfileUpdate;
import io.segflow.core.event.Event;
import io.segflow.core.identity.IdentityRecords;
import io.segflow.core.event.EventRecords;
import io.segflow.core.profile.CelValues;
import io.segflow.core.profile.Scoring;
import io.segflow.core.rules.EvaluationContext;
import io.segflow.core.state.UserRecord;
import io.segflow.core.trigger.Firing;
import io.segflow.core.trigger.TriggerDefinition;
import io.segflow.core.trigger.TriggerExpressions;
import io.segflow.core.trigger.TriggerKeys;
import io.segflow.core.trigger.When;
import io.segflow.trigger.Stopping;
import io.segflow.trigger.deliver.Dispatcher;
import io.segflow.trigger.rules.TriggerCatalog;
import io.segflow.trigger.rules.TriggerCatalog.EventTrigger;
import io.smallrye.common.annotation.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.header.Header;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * Event and threshold triggers: reads {@code segflow.events} (its own consumer group) and evaluates, per event, the
 * event triggers on its name and every threshold trigger, against the event and the user's profile as
 * segment-function stored it. The profile is read once it includes the event (its messageId is in the record), for
 * at most {@link #PROFILE_WAIT}: conditions such as {@code count("Order Completed") == 1} then count this event.
 */
@ApplicationScoped
public class EventTriggers {
    private static final Logger LOG = Logger.getLogger(EventTriggers.class);
    static final Duration PROFILE_WAIT = Duration.ofSeconds(2);
    private static final String ABOVE = "above";
    private static final String BELOW = "below";
    private static final String AT = "at";

    private final TriggerCatalog catalog;
    private final FiringStore store;
    private final FiringAdmission admission;
    private final Dispatcher dispatcher;
    private final UserProfiles profiles;
    private final TriggerMetrics metrics;
    private final Stopping stopping;

    EventTriggers(TriggerCatalog catalog, FiringStore store, FiringAdmission admission, Dispatcher dispatcher,
                  UserProfiles profiles, TriggerMetrics metrics, Stopping stopping) {
        this.stopping = stopping;
        this.catalog = catalog;
        this.store = store;
        this.admission = admission;
        this.dispatcher = dispatcher;
        this.profiles = profiles;
        this.metrics = metrics;
    }

    /**
     * The batch completes (offsets committable) once its firings are stored; Redis unreachable: held and tried again,
     * except while stopping: then it is left uncommitted, to the partition's next owner.
     */
    @Incoming("events")
    @Blocking
    public void onEvents(ConsumerRecords<String, byte[]> records) throws InterruptedException {
        stopping.handling();
        try {
            handleUntilStored(records);
        } finally {
            stopping.handled();
        }
    }

    private void handleUntilStored(ConsumerRecords<String, byte[]> records) throws InterruptedException {
        long backoff = 100;
        while (true) {
            try {
                handle(records);
                return;
            } catch (RuntimeException e) {
                if (stopping.now()) {
                    LOG.infof("Stopping: a batch of %d events is left to the partition's next owner (%s)", records.count(), e.toString());
                    throw e;
                }
                LOG.warnf("Evaluating event triggers on %d events failed, retrying in %d ms: %s", records.count(), backoff, e.toString());
                Thread.sleep(backoff);
                backoff = Math.min(backoff * 2, 5_000);
            }
        }
    }

    private void handle(ConsumerRecords<String, byte[]> records) throws InterruptedException {
        TriggerCatalog.Current current;
        try {
            current = catalog.refresh();
        } catch (RuntimeException e) {
            current = catalog.current(); // without event triggers, events pass without Redis
            if (!catalog.loaded() || current.readsEvents()) {
                throw e;
            }
        }
        if (!current.readsEvents()) {
            return;
        }
        Scoring scoring = profiles.scoring();
        // One wait for the batch's merges, not one each: a refused merge, or segment-function behind, costs it once.
        long mergesWaitUntil = System.nanoTime() + PROFILE_WAIT.toNanos();
        for (ConsumerRecord<String, byte[]> record : records) {
            Event event = read(record);
            if (event == null || event.profileKey() == null) {
                continue;
            }
            if (IdentityRecords.mergeTarget(event) != null) {
                forgetOnceMerged(event.profileKey(), TriggerKeys.eventsShard(record.partition()), current, mergesWaitUntil);
                continue;
            }
            if (IdentityRecords.isStep(event)) {
                continue;
            }
            if (event.isErasure()) {
                if (IdentityRecords.erasureOfForwardTo(event) != null && isLiveProfile(event.profileKey())) {
                    continue; // a linked id whose merge was refused: segment-function leaves its profile, and so do we
                }
                // After the user's earlier events (above): its cooldowns, caps and threshold sides are forgotten.
                forget(event.profileKey(), TriggerKeys.eventsShard(record.partition()), current);
                continue;
            }
            // The user as segment-function keys its profile: the userId, else the anonymousId (a visitor not yet
            // identified fires too, under that id, as segment triggers do).
            String userId = event.profileKey();
            List<EventTrigger> onName = current.onEvent(ProfileUpdate.eventName(event));
            if (onName.isEmpty() && current.thresholds().isEmpty()) {
                continue;
            }
            String shard = TriggerKeys.eventsShard(record.partition());
            UserRecord user;
            try {
                user = profileIncluding(userId, event);
            } catch (IllegalArgumentException unreadable) {
                // A record this version cannot read (a newer format, say): its triggers are passed over, not the
                // whole batch held (segment-function counts such records too).
                LOG.warnf("The profile of user %s cannot be read, its event and threshold triggers are passed over for event %s: %s",
                        userId, event.messageId(), unreadable.getMessage());
                continue;
            }
            if (user.isForward()) {
                continue; // an id merged into another: segment-function forwards the event there, and its copy fires
            }
            long now = System.currentTimeMillis();
            EvaluationContext context = new EvaluationContext(user.profile(), now, scoring, user.memberships()::contains);
            Map<String, Object> eventVariable = null; // built for the first condition that reads it: thresholds do not
            String traceparent = traceparent(record);
            for (EventTrigger trigger : onName) {
                if (trigger.expression() != null && eventVariable == null) {
                    eventVariable = eventVariable(event);
                }
                if (trigger.expression() == null || isTrue(trigger, context, eventVariable, event)) {
                    fire(trigger.definition(), current, userId, event, shard, traceparent, now).ifPresent(this::attempt);
                }
            }
            for (EventTrigger trigger : current.thresholds()) {
                Side side = side(trigger, current, shard, context, userId);
                if (side == null || side.unchanged()) {
                    continue;
                }
                if (side.crossed()) {
                    fire(trigger.definition(), current, userId, event, shard, traceparent, now).ifPresent(this::attempt);
                }
                // Remembered once its firing is stored: a failure before leaves the crossing to the batch's retry, whose
                // firing of the same event is stored once (decided by its id).
                store.side(shard, trigger.definition().id(), current.generationOf(trigger.definition().id()), userId, side.now());
            }
        }
    }

    /**
     * Attempts a stored firing at once, not once the rest of the batch is decided: its lease runs from its storing, and
     * the batch's later events may wait for their profiles past it; the schedule's poll would then attempt it too.
     */
    private void attempt(Firing firing) {
        dispatcher.handOver(List.of(firing));
    }

    /**
     * A merge request, on the partition of the id to merge away: once segment-function made the id a forward (its
     * later events go on to its user, whose copies fire), what this shard keeps of it is never read again and is
     * forgotten. A merge refused (the id stays a profile of its own) keeps it; so does one not done by
     * {@code waitUntil} (the batch's wait), left to expire.
     */
    private void forgetOnceMerged(String id, String shard, TriggerCatalog.Current current, long waitUntil)
            throws InterruptedException {
        if (!becameForward(id, waitUntil)) {
            LOG.debugf("Id %s is not merged after its merge request: its trigger state is kept", id);
            return;
        }
        forget(id, shard, current);
    }

    /** Forgets what the shard keeps of the id for every current trigger, at once. */
    private void forget(String id, String shard, TriggerCatalog.Current current) {
        RedisBatch writes = store.writes();
        store.forget(writes, shard, current.generations(), id);
        writes.send();
    }

    /** Whether the id has a profile of its own; an unreadable record counts as one (its state is kept). */
    private boolean isLiveProfile(String id) {
        try {
            return profiles.isLiveProfile(id);
        } catch (IllegalArgumentException unreadable) {
            return true;
        }
    }

    /** Whether the id's record is a forward, or becomes one by {@code deadline} ({@link System#nanoTime()}). */
    private boolean becameForward(String id, long deadline) throws InterruptedException {
        while (true) {
            try {
                if (profiles.record(id).isForward()) {
                    return true;
                }
            } catch (IllegalArgumentException unreadable) {
                return false; // a format this version cannot read: not known to be a forward
            }
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(20);
        }
    }

    /** The user's record once it includes the event, or became a forward (the id was merged), or the wait ran out. */
    private UserRecord profileIncluding(String userId, Event event) throws InterruptedException {
        long deadline = System.nanoTime() + PROFILE_WAIT.toNanos();
        while (true) {
            UserRecord record = profiles.record(userId);
            if (record.isForward()) {
                return record;
            }
            if (UserProfiles.includes(record, event.messageId(), System.currentTimeMillis()) || System.nanoTime() > deadline) {
                return profiles.record(userId); // includes() remembered the id in this copy: read a clean one
            }
            Thread.sleep(20);
        }
    }

    private boolean isTrue(EventTrigger trigger, EvaluationContext context, Map<String, Object> event, Event source) {
        try {
            return Boolean.TRUE.equals(trigger.expression().evaluate(context, event));
        } catch (Exception e) {
            metrics.conditionFailed(trigger.definition().id());
            LOG.debugf("Condition of trigger %s failed for user %s (counts as false): %s", trigger.definition().id(), source.profileKey(), e.getMessage());
            return false;
        }
    }

    /** The side of the trigger's line the user's value is on now, and the one remembered from the last event. */
    private record Side(String now, String before, When.Crossing crosses) {
        boolean unchanged() {
            return now.equals(before);
        }

        /** Whether the value crossed the line in the trigger's direction (a user seen first starts below any line). */
        boolean crossed() {
            return !unchanged() && (crosses == When.Crossing.ABOVE ? now.equals(ABOVE)
                    : now.equals(BELOW) && before != null && !before.equals(BELOW));
        }
    }

    /** Null when the threshold's expression failed for this user (no crossing). */
    private Side side(EventTrigger trigger, TriggerCatalog.Current current, String shard, EvaluationContext context, String userId) {
        When.ThresholdCrossed when = (When.ThresholdCrossed) trigger.definition().when();
        double value;
        try {
            value = TriggerExpressions.toDouble(trigger.expression().evaluate(context, null));
        } catch (Exception e) {
            metrics.conditionFailed(trigger.definition().id());
            LOG.debugf("Threshold of trigger %s failed for user %s: %s", trigger.definition().id(), userId, e.getMessage());
            return null;
        }
        String now = value > when.value() ? ABOVE : value < when.value() ? BELOW : AT;
        String id = trigger.definition().id();
        return new Side(now, store.side(shard, id, current.generationOf(id), userId), when.crosses());
    }

    private Optional<Firing> fire(TriggerDefinition trigger, TriggerCatalog.Current current, String userId, Event event,
                                  String shard, String traceparent, long now) {
        Firing firing = new Firing(Firing.idOf(trigger.id(), userId, "event:" + event.messageId()), trigger.id(),
                userId, Firing.FIRED, null, null, ProfileUpdate.eventName(event),
                Instant.ofEpochMilli(ProfileUpdate.eventMillis(event)), "event:" + event.messageId(), traceparent, shard,
                Firing.Stage.DELIVER, 0, Instant.ofEpochMilli(now), event.properties(),
                current.generationOf(trigger.id()));
        if (store.decided(firing)) {
            return Optional.empty();
        }
        return admission.admit(trigger, firing, now);
    }

    /**
     * What {@code event.*} reads in a condition. Properties and traits in CEL's types (whole numbers as its int, a
     * Long), as segment conditions read them: a JSON 150 decoded as an Integer matches no CEL overload.
     */
    private static Map<String, Object> eventVariable(Event event) {
        Map<String, Object> variable = new HashMap<>();
        variable.put("type", event.type());
        variable.put("name", ProfileUpdate.eventName(event));
        variable.put("messageId", event.messageId());
        variable.put("userId", event.userId());
        variable.put("anonymousId", event.anonymousId());
        variable.put("properties", event.properties() == null ? Map.of() : CelValues.fromJson(event.properties()));
        variable.put("traits", event.traits() == null ? Map.of() : CelValues.fromJson(event.traits()));
        return variable;
    }

    private static Event read(ConsumerRecord<String, byte[]> record) {
        try {
            Event event = record.value() == null ? null : EventRecords.readForProfile(record.value());
            // Without a time it is no event ingest wrote (it always stamps receivedAt): passed over, never retried for
            // ever, as segment-function dead-letters it.
            return event == null || event.timestamp() == null && event.receivedAt() == null ? null : event;
        } catch (IOException | RuntimeException e) {
            return null; // segment-function counts and skips foreign records; nothing to fire on them
        }
    }

    private static String traceparent(ConsumerRecord<String, byte[]> record) {
        Header header = record.headers().lastHeader("traceparent");
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }
}
