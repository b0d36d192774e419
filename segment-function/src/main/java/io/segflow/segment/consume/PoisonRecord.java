package io.segflow.segment.consume;

import org.apache.kafka.clients.consumer.ConsumerRecord;

/** A record whose processing threw: the round is abandoned and the record retried or dead-lettered. */
final class PoisonRecord extends RuntimeException {
    final transient ConsumerRecord<String, byte[]> record;

    PoisonRecord(ConsumerRecord<String, byte[]> record, RuntimeException cause) {
        super(cause.getMessage(), cause);
        this.record = record;
    }
}
