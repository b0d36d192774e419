package io.segflow.system;

import static org.awaitility.Awaitility.await;

import io.segflow.core.Topics;
import io.segflow.core.event.Event;
import io.segflow.core.event.EventRecords;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.function.LongConsumer;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * "step" track events for a set of users, in shuffled order, as ingest writes them to {@code segflow.events}, with
 * about 1% of them sent a second time later on (an SDK retry: the same record, the same messageId), and how many
 * each user must end up with: its distinct messageIds.
 */
final class StepBacklog {
    static final String EVENT = "step";
    private static final int CHUNK = 500;
    private static final Duration STALLED = Duration.ofMinutes(2);

    private final List<String> users;
    private final Map<String, Long> distinct;
    private final List<ProducerRecord<String, byte[]>> records;

    private StepBacklog(List<String> users, Map<String, Long> distinct, List<ProducerRecord<String, byte[]>> records) {
        this.users = users;
        this.distinct = distinct;
        this.records = records;
    }

    /**
     * User {@code i} gets {@code 1 + (37 i mod 199)} distinct events: every count from 1 to 199 occurs, so every
     * threshold below 200 is crossed by some users and not reached by others; about 100 events a user on average.
     */
    static StepBacklog plan(String userPrefix, int userCount, long seed) {
        Random random = new Random(seed);
        List<String> users = new ArrayList<>(userCount);
        Map<String, Long> distinct = new HashMap<>();
        List<ProducerRecord<String, byte[]>> records = new ArrayList<>();
        Instant now = Instant.now();
        for (int i = 0; i < userCount; i++) {
            String user = userPrefix + i;
            int events = 1 + (37 * i) % 199;
            users.add(user);
            distinct.put(user, (long) events);
            for (int e = 0; e < events; e++) {
                records.add(new ProducerRecord<>(Topics.EVENTS, user, EventRecords.write(step(user, now))));
            }
        }
        Collections.shuffle(records, random);
        int retries = records.size() / 100;
        for (int r = 0; r < retries; r++) {
            int original = random.nextInt(records.size());
            records.add(original + 1 + random.nextInt(records.size() - original), records.get(original));
        }
        return new StepBacklog(List.copyOf(users), Map.copyOf(distinct), List.copyOf(records));
    }

    private static Event step(String user, Instant at) {
        return new Event(Event.SCHEMA_VERSION, "track", UUID.randomUUID().toString(), user, null, EVENT, null, null, null,
                null, Map.of(), null, null, at, null, null, at, "system-test");
    }

    List<String> users() {
        return users;
    }

    /** The user's lifetime count of "step" once everything is processed: its distinct messageIds. */
    long expectedSteps(String user) {
        return distinct.get(user);
    }

    /** Records written, retries included. */
    int records() {
        return records.size();
    }

    /** Writes every record as fast as Kafka takes them. */
    void sendAll(String bootstrapServers) {
        send(bootstrapServers, sent -> {
        });
    }

    /**
     * Writes the records keeping at most {@code window} of them ahead of what the engine processed: the load goes
     * on for as long as the engine works through it, across its crashes, instead of being written before the first.
     */
    void sendAhead(String bootstrapServers, LongSupplier processed, long window) {
        send(bootstrapServers, sent -> await().atMost(STALLED).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(20))
                .until(() -> processed.getAsLong() >= sent - window));
    }

    private void send(String bootstrapServers, LongConsumer beforeChunk) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        // A producer retry must not add a record: a duplicate here would be the test's, not an SDK retry.
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer())) {
            for (int from = 0; from < records.size(); from += CHUNK) {
                beforeChunk.accept(from);
                List<Future<RecordMetadata>> acks = new ArrayList<>(CHUNK);
                for (ProducerRecord<String, byte[]> record : records.subList(from, Math.min(records.size(), from + CHUNK))) {
                    acks.add(producer.send(record));
                }
                producer.flush();
                for (Future<RecordMetadata> ack : acks) {
                    ack.get();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("could not write to " + Topics.EVENTS, e.getCause());
        }
    }
}
