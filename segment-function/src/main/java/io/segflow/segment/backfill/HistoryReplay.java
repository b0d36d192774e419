package io.segflow.segment.backfill;

import io.micrometer.core.instrument.Counter;
import io.segflow.core.Topics;
import io.segflow.core.engine.AggregateShape;
import io.segflow.core.engine.ProfileNeeds;
import io.segflow.core.engine.SegmentIndex;
import io.segflow.core.event.Event;
import io.segflow.core.event.EventRecords;
import io.segflow.core.history.PartitionHistory;
import io.segflow.core.history.PartitionHistory.Planned;
import io.segflow.core.history.PartitionHistory.Replay;
import io.segflow.core.identity.IdentityRecords;
import io.segflow.core.profile.Profile;
import io.segflow.core.rules.Reads.PropertyRef;
import io.segflow.core.state.RecentMessages;
import io.segflow.core.state.UserRecord;
import io.segflow.segment.apply.OwnedPartition;
import io.segflow.segment.apply.PartitionBatch;
import io.segflow.segment.apply.Round;
import io.segflow.segment.apply.UserProcessor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jboss.logging.Logger;

/**
 * Rebuilds the past of event properties a new catalog needs and profiles did not keep (a new {@code sum(e, p, "30d")},
 * say) by reading the partition's events again from {@code segflow.events}: from the first event of the window
 * ({@code offsetsForTimes}) up to the offset where live events started to keep them. Live events and the replay so
 * never count an event twice: the split offset is stored with the round that first applied the catalog, and each
 * chunk of the replay with its progress. One chunk of one partition per round, after the round's live events.
 * Segments that read a property being replayed are held until it is done; then the catalog backfill evaluates every
 * user of the partition.
 */
public final class HistoryReplay implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(HistoryReplay.class);
    /** Retries of one event (same user and messageId) further apart than this many events of a replay count twice. */
    private static final int REMEMBERED_MESSAGES = 200_000;

    private final Map<String, Object> kafka;
    private final UserProcessor processor;
    private final int maxRecords;
    private final Counter replayed;
    private KafkaConsumer<String, byte[]> consumer;
    private TopicPartition reading;
    private long position = -1;
    /** The replay whose retries {@link #seen} remembers. */
    private Replay dedupOf;
    private final Map<Long, Boolean> seen = new LinkedHashMap<>(1024, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, Boolean> eldest) {
            return size() > REMEMBERED_MESSAGES;
        }
    };
    /**
     * Of {@link #seen}, the messages of the chunk whose round is not stored yet: if that round is dropped, its chunk
     * is read again from the stored progress, and its messages must not look like retries then.
     */
    private final List<Long> seenUnstored = new ArrayList<>();
    /** The partition of that chunk. */
    private int unstoredPartition = -1;

    public HistoryReplay(Map<String, Object> kafka, UserProcessor processor, int maxRecords, Counter replayed) {
        this.kafka = kafka;
        this.processor = processor;
        this.maxRecords = maxRecords;
        this.replayed = replayed;
    }

    /**
     * Before the round's events: every owned partition adopts the round's catalog. Properties it needs that profiles
     * did not keep as it needs them get a replay of the events before the partition's stored offset (the round's
     * events, and all later ones, keep them live).
     */
    public void plan(Round round, Collection<OwnedPartition> owned) {
        SegmentIndex index = round.catalog.index();
        Map<PropertyRef, AggregateShape> shapes = null;
        for (OwnedPartition partition : owned) {
            PartitionHistory history = round.history(partition.partition());
            if (history.revision() == index.revision()) {
                continue;
            }
            if (shapes == null) {
                shapes = index.needs().shapes();
            }
            Planned planned = history.withCatalog(index.revision(), shapes);
            PartitionHistory next = planned.history();
            if (!planned.gained().isEmpty() && partition.nextOffset() > 0) {
                Replay replay = replayOf(partition.partition(), planned.gained(), shapes, index.revision(), partition.nextOffset(), round.now);
                next = next.withReplay(replay);
                LOG.infof("Partition %d replays offsets %d to %d of %s for %s (catalog revision %d)%s", partition.partition(),
                        replay.from(), replay.to(), Topics.EVENTS, planned.gained(), index.revision(),
                        replay.historyStart() > 0 ? "; the log starts at " + Instant.ofEpochMilli(replay.historyStart()) : "");
            }
            round.batch(partition.partition()).history(next);
        }
    }

    /** Where the replay of {@code gained} starts: the first event of their longest window that the log still holds. */
    private Replay replayOf(int partition, Set<PropertyRef> gained, Map<PropertyRef, AggregateShape> shapes, long revision,
                            long liveFrom, long nowMillis) {
        long historyMillis = 0;
        for (PropertyRef ref : gained) {
            historyMillis = Math.max(historyMillis, shapes.get(ref).historyMillis());
        }
        TopicPartition topicPartition = new TopicPartition(Topics.EVENTS, partition);
        KafkaConsumer<String, byte[]> reader = consumer();
        long logStart = reader.beginningOffsets(List.of(topicPartition)).get(topicPartition);
        long fromMillis = historyMillis == Long.MAX_VALUE ? 0 : Math.max(0, nowMillis - historyMillis);
        OffsetAndTimestamp first = reader.offsetsForTimes(Map.of(topicPartition, fromMillis)).get(topicPartition);
        long from = first == null ? liveFrom : Math.min(first.offset(), liveFrom);
        // The log lost events (retention) and the first one it holds is where the window starts: the past is partial.
        long historyStart = logStart > 0 && first != null && first.offset() == logStart && from < liveFrom ? first.timestamp() : 0;
        return new Replay(revision, List.copyOf(gained), from, liveFrom, from, historyStart);
    }

    /** One chunk of the first partition with a replay going on, applied to its users' profiles. */
    public void run(Round round, Collection<OwnedPartition> owned, boolean liveEventsWaiting) {
        for (OwnedPartition partition : owned) {
            PartitionHistory history = round.history(partition.partition());
            Replay replay = history.pendingReplay();
            if (replay == null) {
                continue;
            }
            if (!sameReplay(replay, dedupOf)) {
                seen.clear(); // another replay (or this one restarted by a newer catalog): its own retries only
                seenUnstored.clear();
                dedupOf = replay;
            }
            unstoredPartition = partition.partition();
            List<ConsumerRecord<String, byte[]>> records = read(partition.partition(), replay.next(), liveEventsWaiting);
            PartitionBatch batch = round.batch(partition.partition());
            ProfileNeeds only = round.catalog.index().needs().only(Set.copyOf(replay.refs()));
            long next = replay.next();
            long historyStart = replay.historyStart();
            byte[][] names = quotedNames(replay.refs());
            List<Event> events = new ArrayList<>(records.size());
            List<String> users = new ArrayList<>();
            for (ConsumerRecord<String, byte[]> record : records) {
                if (record.offset() < next) {
                    continue;
                }
                if (record.offset() >= replay.to()) {
                    next = replay.to();
                    break;
                }
                if (record.offset() > next && next == replay.from() && historyStart == 0 && replay.from() > 0) {
                    historyStart = record.timestamp(); // retention removed the first events meanwhile
                }
                next = record.offset() + 1;
                if (!mentionsAny(record.value(), names)) {
                    continue; // none of the replayed events: not worth parsing (most records of a replay)
                }
                Event event = read(record);
                // Only events with a value of a replayed property change a profile: the others are not even loaded.
                if (event != null && Profile.carries(event, only)) {
                    events.add(event);
                    users.add(event.profileKey());
                }
            }
            round.loadForPass(partition.partition(), users);
            for (Event event : events) {
                apply(round, batch, event, only);
            }
            Replay progressed = replay.at(Math.max(next, position), historyStart);
            batch.history(history.progressed(progressed));
            if (progressed.finished()) {
                seen.clear();
                seenUnstored.clear();
                dedupOf = null;
                LOG.infof("Partition %d replayed %s of %s up to offset %d%s", partition.partition(), replay.refs(),
                        Topics.EVENTS, replay.to(), historyStart > 0 ? "; history starts at " + Instant.ofEpochMilli(historyStart) : "");
            }
            return;
        }
    }

    /**
     * The replayed event names as JSON strings, as a record holds them: a record whose bytes hold none of them is not
     * one of those events. Null (parse every record) when a name has a character a writer may escape in more than one
     * way (anything but printable ASCII other than quote and backslash).
     */
    static byte[][] quotedNames(List<PropertyRef> refs) {
        List<String> names = refs.stream().map(PropertyRef::event).distinct().toList();
        for (String name : names) {
            if (!name.chars().allMatch(c -> c >= 0x20 && c < 0x7f && c != '"' && c != '\\')) {
                return null;
            }
        }
        return names.stream().map(name -> ('"' + name + '"').getBytes(StandardCharsets.US_ASCII)).toArray(byte[][]::new);
    }

    /** Whether the record may be of one of the events ({@code needles} null: it may). */
    static boolean mentionsAny(byte[] value, byte[][] needles) {
        if (needles == null) {
            return true;
        }
        for (byte[] needle : needles) {
            if (indexOf(value, needle) >= 0) {
                return true;
            }
        }
        return false;
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private static boolean sameReplay(Replay replay, Replay other) {
        return other != null && replay.revision() == other.revision() && replay.from() == other.from()
                && replay.to() == other.to() && replay.refs().equals(other.refs());
    }

    private void apply(Round round, PartitionBatch batch, Event event, ProfileNeeds only) {
        String user = event.profileKey();
        UserRecord record = round.record(batch, user);
        if (round.created.contains(user) || record.isForward()) {
            return; // erased since, or merged into another user (whose own events are replayed there)
        }
        long message = RecentMessages.hash(user) * 31 + RecentMessages.hash(event.messageId());
        if (seen.put(message, Boolean.TRUE) != null) {
            return; // a retry the live path counted once
        }
        seenUnstored.add(message);
        if (processor.onReplay(batch, record, event, only, round.now)) {
            replayed.increment();
        }
    }

    /** The user events a replay adds; identity steps and erasures are the engine's, not something a user did. */
    private static Event read(ConsumerRecord<String, byte[]> record) {
        try {
            Event event = EventRecords.readForProfile(record.value());
            if (event == null || event.profileKey() == null || event.messageId() == null || event.isErasure()
                    || IdentityRecords.isStep(event)) {
                return null;
            }
            return event;
        } catch (IOException | RuntimeException e) {
            return null; // the live path counted it as unreadable
        }
    }

    private List<ConsumerRecord<String, byte[]>> read(int partition, long from, boolean liveEventsWaiting) {
        KafkaConsumer<String, byte[]> reader = consumer();
        TopicPartition topicPartition = new TopicPartition(Topics.EVENTS, partition);
        if (!topicPartition.equals(reading) || position != from) {
            reader.assign(List.of(topicPartition));
            reader.seek(topicPartition, from);
            reading = topicPartition;
        }
        // With live events waiting, take what was fetched already; otherwise wait a little for the next fetch.
        List<ConsumerRecord<String, byte[]>> records = reader.poll(liveEventsWaiting ? Duration.ZERO : Duration.ofMillis(50)).records(topicPartition);
        position = reader.position(topicPartition);
        return records;
    }

    private KafkaConsumer<String, byte[]> consumer() {
        if (consumer == null) {
            Map<String, Object> settings = new HashMap<>(kafka);
            settings.remove(ConsumerConfig.GROUP_ID_CONFIG);
            settings.put(ConsumerConfig.CLIENT_ID_CONFIG, "segment-function-replay");
            settings.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
            settings.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
            settings.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, maxRecords);
            // A chunk is one poll: let one fetch of the partition hold a whole chunk of ~1 KB events.
            settings.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Math.max(1 << 20, maxRecords * 2048));
            consumer = new KafkaConsumer<>(settings, new StringDeserializer(), new ByteArrayDeserializer());
        }
        return consumer;
    }

    /** The rounds run so far are stored: their chunks' messages are retries from now on. */
    public void stored() {
        seenUnstored.clear();
    }

    /** Another instance claimed the partition: a chunk of it not stored yet is forgotten, as a dropped round's is. */
    public void lost(int partition) {
        if (partition == unstoredPartition) {
            forgetUnstored();
        }
    }

    /**
     * The last round will not be stored (dropped, or its partition lost): the next chunk seeks to the stored progress
     * again, and reads the dropped chunk's messages as new.
     */
    public void forgetUnstored() {
        position = -1;
        reading = null;
        seenUnstored.forEach(seen::remove);
        seenUnstored.clear();
    }

    @Override
    public void close() {
        if (consumer != null) {
            consumer.close(Duration.ofSeconds(1));
            consumer = null;
        }
    }
}
