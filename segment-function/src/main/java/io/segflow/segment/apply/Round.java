package io.segflow.segment.apply;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.opentelemetry.api.trace.Span;
import io.segflow.core.event.Event;
import io.segflow.core.event.EventRecords;
import io.segflow.core.history.PartitionHistory;
import io.segflow.core.identity.IdentityRecords;
import io.segflow.core.state.UserRecord;
import io.segflow.core.state.UserRecordCodec;
import io.segflow.segment.catalog.SegmentCatalog;
import io.segflow.segment.store.PartitionStore;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;
import org.jboss.logging.Logger;

/**
 * What one round of the engine decided, per partition: the users it touched (decoded from memory, read from Redis on
 * a miss), the batches to store, the users it created and the spans to end once stored.
 */
public final class Round {
    private static final Logger LOG = Logger.getLogger(Round.class);

    public final SegmentCatalog.Current catalog;
    /** The round's instant (epoch millis): every evaluation of the round is as of it. */
    public final long now;
    public final Map<Integer, PartitionBatch> batches = new LinkedHashMap<>();
    /** Users without a stored record (new, or erased in this round). */
    public final Set<String> created = new HashSet<>();
    public final List<Span> spans = new ArrayList<>();

    private final UserCache cache;
    /** The users this round decoded or created, changed in place by its events. */
    private final Map<String, UserRecord> live = new HashMap<>();
    /**
     * Users read from Redis only for a pass over every user (a backfill, a replay): memory does not keep them, or one
     * pass would evict the users that are active for ones that are not.
     */
    private final Set<String> scanned = new HashSet<>();
    private final PartitionStore store;
    private final Counter userReads;
    private final Counter unreadableRecords;
    /** Each owned partition's history of event properties (what its profiles keep, its replays). */
    private final Function<Integer, PartitionHistory> histories;
    /** The catalog per partition with a replay going on (its segments that wait for the replay held), by history. */
    private final Map<PartitionHistory, SegmentCatalog.Current> holding = new IdentityHashMap<>();

    /** When ingest received each event applied in this round (epoch millis), for the latency histogram. */
    private long[] received = new long[256];
    private final int recordFormat;
    private int receivedCount;

    public Round(SegmentCatalog.Current catalog, long now, UserCache cache, PartitionStore store, Counter userReads,
                 Counter unreadableRecords, Function<Integer, PartitionHistory> histories) {
        this(catalog, now, cache, store, userReads, unreadableRecords, histories, UserRecordCodec.FORMAT);
    }

    /** @param recordFormat the format the round's users are written in ({@code segflow.engine.record-format}) */
    public Round(SegmentCatalog.Current catalog, long now, UserCache cache, PartitionStore store, Counter userReads,
                 Counter unreadableRecords, Function<Integer, PartitionHistory> histories, int recordFormat) {
        this.recordFormat = recordFormat;
        this.catalog = catalog;
        this.now = now;
        this.cache = cache;
        this.store = store;
        this.userReads = userReads;
        this.unreadableRecords = unreadableRecords;
        this.histories = histories;
    }

    /**
     * The catalog to evaluate a partition's users against: the round's, with the segments that read a property being
     * replayed in this partition held (see {@link io.segflow.core.engine.SegmentIndex#holding}).
     */
    public SegmentCatalog.Current catalogOf(int partition) {
        PartitionHistory history = history(partition);
        if (history.replays().isEmpty()) {
            return catalog;
        }
        return holding.computeIfAbsent(history, h -> new SegmentCatalog.Current(
                catalog.index().holding(h.replaying()), catalog.scoring()));
    }

    /** A partition's history of event properties as of this round: as stored, or as this round changed it. */
    public PartitionHistory history(int partition) {
        PartitionBatch batch = batches.get(partition);
        if (batch != null && batch.history() != null) {
            return batch.history();
        }
        PartitionHistory stored = histories.apply(partition);
        return stored == null ? PartitionHistory.NONE : stored;
    }

    public void applied(Event event) {
        if (event.receivedAt() == null) {
            return;
        }
        if (receivedCount == received.length) {
            received = Arrays.copyOf(received, receivedCount * 2);
        }
        received[receivedCount++] = event.receivedAt().toEpochMilli();
    }

    /**
     * Once the round's memberships are stored: how long each of its events took from ingest to here. Answers the
     * longest (milliseconds), or -1 for a round without events.
     */
    public long recordLatencies(Timer timer, long storedAtMillis) {
        long slowest = -1;
        for (int i = 0; i < receivedCount; i++) {
            long latency = Math.max(0, storedAtMillis - received[i]);
            timer.record(latency, TimeUnit.MILLISECONDS);
            slowest = Math.max(slowest, latency);
        }
        return slowest;
    }

    public PartitionBatch batch(int partition) {
        return batches.computeIfAbsent(partition, p -> new PartitionBatch(p, recordFormat));
    }

    /**
     * A user's record as of this round: decoded from memory or from Redis the first time the round asks, the same
     * object after that; an empty one when Redis holds none (then {@link #created} holds the user).
     */
    public UserRecord record(PartitionBatch batch, String user) {
        UserRecord record = live.get(user);
        if (record == null) {
            load(Map.of(batch.partition(), List.of(user)));
            record = live.get(user);
        }
        reconcile(batch.partition(), record);
        return record;
    }

    /**
     * Drops the values of the user's profile of properties its partition keeps since a later catalog than they were
     * kept under (a property needed, dropped, then needed again): older values miss the events in between, and the
     * partition's replay rebuilds them.
     */
    private void reconcile(int partition, UserRecord record) {
        if (record.isForward()) {
            return;
        }
        PartitionHistory history = history(partition);
        long latest = history.latestGain();
        if (record.profile().aggregatesRevision() < latest) {
            record.profile().forget(history.keptSince(record.profile().aggregatesRevision()));
            record.profile().aggregatesRevision(latest);
        }
    }

    /**
     * Decodes the users memory holds and reads the others from Redis, in one pipeline; users with none get an empty
     * record.
     */
    public void load(Map<Integer, ? extends Collection<String>> usersByPartition) {
        load(usersByPartition, null);
    }

    /**
     * As {@link #load(Map)}, for a pass over every user of a partition: the users memory does not hold stay out of it
     * after the round, unless something else of the round (an event, a wake) loads them too.
     */
    public void loadForPass(int partition, Collection<String> users) {
        loadForPass(partition, users, null);
    }

    /**
     * As {@link #loadForPass(int, Collection)}, taking the users {@code readAhead} read from Redis from it (may be
     * null). Answers whether the round had them all without a read of its own.
     */
    public boolean loadForPass(int partition, Collection<String> users, PartitionStore.Loaded readAhead) {
        return !loadUsers(Map.of(partition, users), readAhead, scanned::add);
    }

    /**
     * The users memory does not hold, by partition, as {@link #load(Map, PartitionStore.Loaded)} would read them:
     * for a read ahead of the round, along with what else the round needs first.
     */
    public static Map<Integer, List<String>> notInMemory(Map<Integer, ? extends Collection<String>> usersByPartition, UserCache cache) {
        return select(usersByPartition, user -> !cache.contains(user));
    }

    /** As {@link #load(Map)}, taking the users {@code readAhead} read from Redis from it (may be null). */
    public void load(Map<Integer, ? extends Collection<String>> usersByPartition, PartitionStore.Loaded readAhead) {
        if (!scanned.isEmpty()) {
            usersByPartition.values().forEach(users -> users.forEach(scanned::remove));
        }
        loadUsers(usersByPartition, readAhead, user -> {
        });
    }

    /**
     * Loads the users, reading from Redis those neither the round, memory nor {@code readAhead} has; tells
     * {@code fromRedis} of every user it took from Redis (read ahead or now). Answers whether it read some now.
     */
    private boolean loadUsers(Map<Integer, ? extends Collection<String>> usersByPartition, PartitionStore.Loaded readAhead,
                              Consumer<String> fromRedis) {
        Map<Integer, List<String>> misses = select(usersByPartition, user -> !takeWithoutReading(user, readAhead, fromRedis));
        if (misses.isEmpty()) {
            return false;
        }
        misses.values().forEach(users -> userReads.increment(users.size()));
        Map<String, byte[]> stored = store.load(misses);
        misses.values().forEach(users -> users.forEach(user -> {
            loaded(user, stored.get(user));
            fromRedis.accept(user);
        }));
        return true;
    }

    /** Whether the round has the user without a read of its own: already, decoded from memory, or read ahead. */
    private boolean takeWithoutReading(String user, PartitionStore.Loaded readAhead, Consumer<String> fromRedis) {
        if (live.containsKey(user) || decodeCached(user)) {
            return true;
        }
        if (readAhead == null || !readAhead.stored().containsKey(user)) {
            return false;
        }
        userReads.increment();
        loaded(user, readAhead.stored().get(user));
        fromRedis.accept(user);
        return true;
    }

    /** The distinct users {@code wanted} picks, by partition, in their order. */
    private static Map<Integer, List<String>> select(Map<Integer, ? extends Collection<String>> usersByPartition,
                                                     Predicate<String> wanted) {
        Map<Integer, List<String>> selected = new HashMap<>();
        usersByPartition.forEach((partition, users) -> {
            for (String user : users) {
                if (wanted.test(user)) {
                    selected.computeIfAbsent(partition, p -> new ArrayList<>()).add(user);
                }
            }
        });
        selected.replaceAll((partition, users) -> List.copyOf(new LinkedHashSet<>(users)));
        return selected;
    }

    /** A user read from Redis: its stored record, or an empty one when none is stored (or it does not decode). */
    private void loaded(String user, byte[] value) {
        UserRecord record = value == null ? null : decode(user, value);
        if (record != null) {
            live.put(user, record);
        } else {
            live.put(user, UserRecord.empty(user));
            created.add(user);
        }
    }

    /** Whether memory held the user: then its record is this round's. */
    private boolean decodeCached(String user) {
        UserCache.Stored cached = cache.get(user);
        if (cached == null) {
            return false;
        }
        UserRecord record = decodeOwn(user, cached);
        if (record == null) {
            cache.remove(user); // read from Redis instead, which then decides
            return false;
        }
        live.put(user, record);
        return true;
    }

    /**
     * Applies one of the round's events to its user: an erasure, an identity step (a merge request, a merged profile,
     * an unlink, an event of a user merged away, forwarded) or an ordinary event.
     */
    public void apply(UserProcessor processor, PartitionBatch batch, Event event, ByteBuffer value, Span span) {
        String user = event.profileKey();
        UserRecord record = record(batch, user);
        if (event.isErasure()) {
            String erasedUser = IdentityRecords.erasureOfForwardTo(event);
            if (erasedUser == null) {
                processor.erase(batch, record, span, now);
                forget(user);
            } else if (processor.eraseForward(batch, record, erasedUser, span, now)) {
                forget(user);
            }
            return;
        }
        String mergeInto = IdentityRecords.mergeTarget(event);
        if (mergeInto != null) {
            UserRecord kept = processor.onMergeRequest(batch, record, mergeInto, span, now);
            if (kept != record) {
                replace(kept);
            }
            return;
        }
        if (IdentityRecords.isProfile(event)) {
            processor.onMergedProfile(batch, record, !created.contains(user), event, catalogOf(batch.partition()), span, now);
            return;
        }
        if (IdentityRecords.isUnlink(event)) {
            processor.onUnlink(batch, record, event, now);
            return;
        }
        if (record.isForward()) {
            processor.forward(batch, record, event, EventRecords.bytesOf(value));
            return;
        }
        boolean fresh = created.remove(user);
        processor.onEvent(batch, record, fresh, event, span, catalogOf(batch.partition()), now);
    }

    /** The record kept for a user from here on (a forward that replaced a merged profile). */
    public void replace(UserRecord record) {
        live.put(record.userId(), record);
        created.remove(record.userId());
    }

    /** From here on the user has no stored record: a later event of the round starts a new one. */
    public void forget(String user) {
        live.put(user, UserRecord.empty(user));
        created.add(user);
    }

    /**
     * Once the round's events, wakes and backfills are applied: the changed users' records are encoded for the flush,
     * and memory keeps what the flush writes (the erased users leave it; those only a pass read stay out).
     */
    public void seal() {
        for (PartitionBatch batch : batches.values()) {
            batch.erased().forEach(cache::remove);
            batch.encoded().forEach((user, value) -> {
                if (!scanned.contains(user)) {
                    cache.put(user, value);
                }
            });
        }
    }

    /** For a sealed round that will not be stored: the users it wrote leave memory, which Redis is then behind of. */
    public void unseal() {
        for (PartitionBatch batch : batches.values()) {
            batch.encoded().keySet().forEach(cache::remove);
        }
    }

    /**
     * A stored record that does not decode (damaged, or of an unknown format) would stop its partition for good if
     * it failed the round: the user starts again from an empty record instead, loudly (error log and metric).
     */
    private UserRecord decode(String user, byte[] value) {
        return decode(user, value, value.length, false);
    }

    /** What memory holds: the engine's own encoding, its event histories decoded as the round reads them. */
    private UserRecord decodeOwn(String user, UserCache.Stored cached) {
        return decode(user, cached.buffer(), cached.length(), true);
    }

    private UserRecord decode(String user, byte[] value, int length, boolean own) {
        try {
            return own ? UserRecordCodec.decodeOwn(user, value, length) : UserRecordCodec.decode(user, value, length);
        } catch (IllegalArgumentException e) {
            unreadableRecords.increment();
            LOG.errorf("The stored record of user %s does not decode (%s): the user starts again from an empty profile",
                    user, e.getMessage());
            return null;
        }
    }
}
