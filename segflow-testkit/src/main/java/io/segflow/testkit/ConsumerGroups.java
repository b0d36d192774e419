package io.segflow.testkit;

import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/** What consumer groups committed, read as an operator's tools read it. */
public final class ConsumerGroups {
    private ConsumerGroups() {
    }

    /** The offset {@code group} committed for {@code partition}: the next record it would read; -1 if none. */
    public static long committed(Admin admin, String group, TopicPartition partition) throws ExecutionException, InterruptedException {
        OffsetAndMetadata offset = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get().get(partition);
        return offset == null ? -1 : offset.offset();
    }
}
