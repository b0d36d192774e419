package io.segflow.segment.consume;

import java.nio.ByteBuffer;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/** A record whose processing threw: the round is abandoned and the record retried or dead-lettered. */
final class PoisonRecord extends RuntimeException {
    final transient ConsumerRecord<String, ByteBuffer> record;

    PoisonRecord(ConsumerRecord<String, ByteBuffer> record, RuntimeException cause) {
        super(cause.getMessage(), cause);
        this.record = record;
    }
}
