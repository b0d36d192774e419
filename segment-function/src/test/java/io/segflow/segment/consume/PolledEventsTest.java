package io.segflow.segment.consume;

import static org.assertj.core.api.Assertions.assertThat;

import io.segflow.core.event.Event;
import io.segflow.core.event.EventRecords;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

class PolledEventsTest {
    private final List<Long> unreadable = new ArrayList<>();

    /** The value inside a larger array, as the consumer hands it out of a fetched batch's buffer. */
    private static ConsumerRecord<String, ByteBuffer> record(int partition, long offset, byte[] value) {
        byte[] batch = new byte[value.length + 20];
        Arrays.fill(batch, (byte) '}');
        System.arraycopy(value, 0, batch, 7, value.length);
        return new ConsumerRecord<>("segflow.events", partition, offset, "key", ByteBuffer.wrap(batch, 7, value.length).slice());
    }

    private static byte[] track(String user, String messageId) {
        Instant at = Instant.parse("2026-12-01T00:00:00Z");
        return EventRecords.write(new Event(Event.SCHEMA_VERSION, "track", messageId, user, null, "Product Viewed", null, null,
                null, null, Map.of("price", 10), null, null, at, null, null, at, "test"));
    }

    private PolledEvents read(List<ConsumerRecord<String, ByteBuffer>> records, Set<Integer> owned) {
        return PolledEvents.read(records, records.size(), owned::contains, record -> unreadable.add(record.offset()));
    }

    @Test
    void theEventsOfOwnedPartitionsAreReadInOrderWithTheirUsersByPartition() {
        PolledEvents polled = read(List.of(
                record(0, 10, track("u-1", "m-1")),
                record(1, 20, track("u-2", "m-2")),
                record(0, 11, track("u-3", "m-3")),
                record(0, 12, track("u-1", "m-4"))), Set.of(0, 1));

        assertThat(polled.events()).extracting(p -> p.event().messageId()).containsExactly("m-1", "m-2", "m-3", "m-4");
        assertThat(polled.users()).isEqualTo(Map.of(0, Set.of("u-1", "u-3"), 1, Set.of("u-2")));
        assertThat(unreadable).isEmpty();
    }

    @Test
    void aRecordOfAPartitionNotOwnedIsLeftForWhenItIsClaimed() {
        PolledEvents polled = read(List.of(record(0, 10, track("u-1", "m-1")), record(3, 5, track("u-9", "m-9"))), Set.of(0));

        assertThat(polled.events()).extracting(p -> p.record().offset()).containsExactly(10L);
        assertThat(polled.users()).containsOnlyKeys(0);
    }

    @Test
    void aRecordThatIsNoEventIsCountedAndKeptWithoutOneSoThatItsOffsetCounts() {
        PolledEvents polled = read(List.of(
                record(0, 10, "not json".getBytes(StandardCharsets.UTF_8)),
                record(0, 11, track(null, "m-2")),
                record(0, 12, track("u-1", "m-3"))), Set.of(0));

        assertThat(unreadable).as("garbage, and an event without a user").containsExactly(10L, 11L);
        assertThat(polled.events()).extracting(p -> p.record().offset()).containsExactly(10L, 11L, 12L);
        assertThat(polled.events()).extracting(PolledEvents.Polled::event).first().isNull();
        assertThat(polled.users()).isEqualTo(Map.of(0, Set.of("u-1")));
    }

    @Test
    void nothingOwnedReadsAsNone() {
        assertThat(read(List.of(record(2, 1, track("u-1", "m-1"))), Set.of(0))).isSameAs(PolledEvents.NONE);
    }
}
