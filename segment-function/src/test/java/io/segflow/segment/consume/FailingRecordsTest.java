package io.segflow.segment.consume;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

class FailingRecordsTest {
    private final List<String> deadLettered = new ArrayList<>();
    private final FailingRecords failing = new FailingRecords(3,
            (record, reason) -> deadLettered.add(FailingRecords.positionOf(record) + " " + reason));

    private static ConsumerRecord<String, ByteBuffer> record(int partition, long offset) {
        return new ConsumerRecord<>("segflow.events", partition, offset, "user-1", ByteBuffer.wrap(new byte[] {'{', '}'}));
    }

    private static PoisonRecord poison(ConsumerRecord<String, ByteBuffer> record) {
        return new PoisonRecord(record, new IllegalArgumentException("no such property"));
    }

    @Test
    void aRecordIsTriedAgainUntilItsLastAttemptThenDeadLetteredWithTheReasonAndSkipped() {
        ConsumerRecord<String, ByteBuffer> record = record(2, 41);
        failing.failed(poison(record));
        failing.failed(poison(record));
        assertThat(deadLettered).isEmpty();
        assertThat(failing.skips(record)).isFalse();

        failing.failed(poison(record));

        assertThat(deadLettered).containsExactly("segflow.events-2@41 IllegalArgumentException: no such property");
        assertThat(failing.skips(record)).isTrue();
        assertThat(failing.skips(record(2, 42))).as("the partition moves on").isFalse();
        assertThat(failing.skips(record(3, 41))).isFalse();
    }

    @Test
    void recordsBeforeWhatThePartitionStoredAreForgotten() {
        failing.failed(poison(record(2, 41)));
        failing.failed(poison(record(2, 41)));
        failing.failed(poison(record(2, 41))); // skipped from now on
        failing.failed(poison(record(2, 50))); // failed once, then passed
        failing.failed(poison(record(3, 7)));
        assertThat(failing.remembered()).isEqualTo(3);

        failing.storedUpTo(2, 50);
        assertThat(failing.remembered()).as("41 is behind the stored offset; 50 is not stored yet").isEqualTo(2);
        assertThat(failing.skips(record(2, 41))).isFalse();

        failing.storedUpTo(2, 51);
        assertThat(failing.remembered()).as("another partition's record stays").isEqualTo(1);
    }

    @Test
    void aDeadLetterKafkaRefusedLeavesTheRecordToBeTriedAgain() {
        ConsumerRecord<String, ByteBuffer> record = record(0, 7);
        FailingRecords refused = new FailingRecords(1, (r, reason) -> {
            throw new IllegalStateException("the dead-letter topic is not reachable");
        });

        assertThatThrownBy(() -> refused.failed(poison(record))).hasMessageContaining("not reachable");
        assertThat(refused.skips(record)).isFalse();
    }
}
