package io.segflow.trigger.fire;

import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.segflow.core.json.Json;
import io.segflow.core.membership.SegmentChange;
import io.segflow.core.trigger.DeliveryEntry;
import io.segflow.core.trigger.Firing;
import io.segflow.core.trigger.TriggerKeys;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Request;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Each trigger's recent firings and their state, for {@code GET /v1/triggers/{id}/deliveries}: a firing appears once
 * it waits (a delay, a retry) or has an outcome (delivered, dead, suppressed, cancelled). Methods taking a
 * {@link RedisBatch} write when it is sent, the others at once. The logs written to are trimmed to the newest
 * {@link DeliveryEntry#KEPT} entries every second, on a thread of their own: trimming takes round trips that the
 * writers (the change consumer, the delivered firings' batches) would otherwise wait for. An erased user's entries are
 * removed from every log ({@link #forget}), and the firings of its erasure (its exits) are delivered without entries.
 */
@ApplicationScoped
public class DeliveryLog {
    private static final Logger LOG = Logger.getLogger(DeliveryLog.class);
    private static final long TRIM_EVERY_MILLIS = 1_000;
    /**
     * Removes from a trigger's log (KEYS[1], its order KEYS[2]) the entries of the users ARGV, each given as JSON
     * writes it: only the entries whose text holds one of them are decoded, and removed if the entry is that user's
     * (the text may be in another user's event properties).
     */
    private static final String FORGET_USERS = """
            local users, patterns = {}, {}
            for i, encoded in ipairs(ARGV) do
              users[cjson.decode(encoded)] = true
              patterns[i] = '"userId":' .. encoded
            end
            local entries = redis.call('HGETALL', KEYS[1])
            local gone = {}
            for i = 1, #entries, 2 do
              for _, pattern in ipairs(patterns) do
                if string.find(entries[i + 1], pattern, 1, true) then
                  local ok, entry = pcall(cjson.decode, entries[i + 1])
                  if ok and type(entry) == 'table' and users[entry.userId] then
                    gone[#gone + 1] = entries[i]
                  end
                  break
                end
              end
            end
            for i = 1, #gone, 1000 do
              local chunk = {unpack(gone, i, math.min(i + 999, #gone))}
              redis.call('HDEL', KEYS[1], unpack(chunk))
              redis.call('ZREM', KEYS[2], unpack(chunk))
            end
            return #gone
            """;

    private final RedisDataSource redis;
    private final RedisBatches batches;
    /** Triggers whose log was written to since it was last trimmed. */
    private final Set<String> written = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService trimmer = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("trigger-log-trim").factory());

    DeliveryLog(RedisDataSource redis, RedisBatches batches) {
        this.redis = redis;
        this.batches = batches;
    }

    void start(@Observes StartupEvent started) {
        trimmer.scheduleWithFixedDelay(this::trimWritten, TRIM_EVERY_MILLIS, TRIM_EVERY_MILLIS, TimeUnit.MILLISECONDS);
    }

    void stop(@Observes ShutdownEvent stopping) {
        trimmer.shutdownNow();
    }

    public void scheduled(RedisBatch writes, Firing firing, Instant next) {
        write(writes, firing, DeliveryEntry.Status.SCHEDULED, null, null, null, next, null);
    }

    public void suppressed(Firing firing, String reason) {
        RedisBatch writes = batches.writes();
        suppressed(writes, firing, reason);
        writes.send();
    }

    public void suppressed(RedisBatch writes, Firing firing, String reason) {
        write(writes, firing, DeliveryEntry.Status.SUPPRESSED, null, null, null, null, reason);
    }

    public void cancelled(Firing firing, String reason) {
        RedisBatch writes = batches.writes();
        cancelled(writes, firing, reason);
        writes.send();
    }

    public void cancelled(RedisBatch writes, Firing firing, String reason) {
        write(writes, firing, DeliveryEntry.Status.CANCELLED, null, null, null, null, reason);
    }

    public void attempt(Firing firing, DeliveryEntry.Status status, Integer httpStatus, String error, long latencyMs, Instant next) {
        RedisBatch writes = batches.writes();
        attempt(writes, firing, status, httpStatus, error, latencyMs, next);
        writes.send();
    }

    public void attempt(RedisBatch writes, Firing firing, DeliveryEntry.Status status, Integer httpStatus, String error,
                        long latencyMs, Instant next) {
        write(writes, firing, status, httpStatus, error, latencyMs, next, null);
    }

    /**
     * Removes the entries of the erased users {@code userIds} from the logs of the triggers {@code triggerIds}: one
     * script per trigger, each atomic on its own: the logs live in different slots, and no one transaction needs to
     * hold them all (a script reads its whole log, about 1,000 entries). Erasures are rare.
     */
    public void forget(Collection<String> triggerIds, Collection<String> userIds) {
        if (triggerIds.isEmpty() || userIds.isEmpty()) {
            return;
        }
        RedisBatch scripts = batches.reads(); // no MULTI: each script is atomic by itself, over its own slot
        for (String triggerId : triggerIds) {
            Request forget = Request.cmd(Command.EVAL).arg(FORGET_USERS).arg(2)
                    .arg(TriggerKeys.log(triggerId)).arg(TriggerKeys.recent(triggerId));
            userIds.forEach(userId -> forget.arg(Json.write(userId)));
            scripts.add("trg:" + triggerId, forget);
        }
        scripts.send();
    }

    private void write(RedisBatch writes, Firing firing, DeliveryEntry.Status status, Integer httpStatus, String error,
                       Long latencyMs, Instant next, String suppressed) {
        if (SegmentChange.ERASURE.equals(firing.cause())) {
            // The erasure's exits are delivered (receivers learn the user left) but leave no entry: the erased user's
            // entries were removed from the logs, and an erased user leaves no history behind.
            return;
        }
        Instant now = Instant.now();
        DeliveryEntry entry = new DeliveryEntry(firing.id(), firing.userId(), status, firing.attempts(), httpStatus, error,
                latencyMs, next, suppressed, now, firing);
        String log = TriggerKeys.log(firing.triggerId());
        String recent = TriggerKeys.recent(firing.triggerId());
        String tag = "trg:" + firing.triggerId();
        writes.add(tag, List.of(Request.cmd(Command.HSET).arg(log).arg(firing.id()).arg(Json.write(entry)),
                Request.cmd(Command.ZADD).arg(recent).arg(now.toEpochMilli()).arg(firing.id())));
        // Once stored: a trim between adding the entry and sending the batch would find nothing to trim and forget the log.
        String triggerId = firing.triggerId();
        writes.afterSend(() -> written.add(triggerId));
    }

    private void trimWritten() {
        for (String triggerId : List.copyOf(written)) {
            written.remove(triggerId);
            try {
                trim(triggerId);
            } catch (RuntimeException e) {
                written.add(triggerId); // next time
                LOG.debugf("Trimming the deliveries log of trigger %s failed: %s", triggerId, e.toString());
            }
        }
    }

    /** Keeps the trigger's newest {@link DeliveryEntry#KEPT} entries: one read when there are no more. */
    private void trim(String triggerId) {
        String log = TriggerKeys.log(triggerId);
        String recent = TriggerKeys.recent(triggerId);
        List<String> oldest = redis.sortedSet(String.class).zrange(recent, 0, -(DeliveryEntry.KEPT + 1));
        if (!oldest.isEmpty()) {
            redis.withTransaction(tx -> {
                tx.sortedSet(String.class).zrem(recent, oldest.toArray(String[]::new));
                tx.hash(String.class).hdel(log, oldest.toArray(String[]::new));
            });
        }
    }
}
