package io.segflow.segment.consume;

import static org.assertj.core.api.Assertions.assertThat;

import io.segflow.segment.store.PartitionStore;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.WakeupException;
import org.junit.jupiter.api.Test;

/** What the engine does after a failed round, and after a failed recovery: it goes on, unless it is stopping. */
class RecoveryTest {
    /** Records what recovery asked of the engine; each step fails as the test sets it. */
    private static final class ScriptedEngine implements Recovery.Engine {
        final List<String> steps = new ArrayList<>();
        RuntimeException rewindFails;
        RuntimeException deadLetterFails;
        RuntimeException resetFails;
        boolean interrupted;

        @Override
        public void rewind(PartitionStore.CatalogChanged changed) {
            steps.add("rewind");
            if (rewindFails != null) {
                throw rewindFails;
            }
        }

        @Override
        public void failed(PoisonRecord poison) {
            steps.add("failed");
            if (deadLetterFails != null) {
                throw deadLetterFails;
            }
        }

        @Override
        public void reset() {
            steps.add("reset");
            if (resetFails != null) {
                throw resetFails;
            }
        }

        @Override
        public void failing(RuntimeException failure) {
            steps.add("failing: " + failure.getMessage());
        }

        @Override
        public boolean sleep(Duration duration) {
            steps.add("sleep " + duration.toMillis());
            return !interrupted;
        }
    }

    private final ScriptedEngine engine = new ScriptedEngine();
    private final Recovery recovery = new Recovery(engine);

    private static PoisonRecord poison() {
        return new PoisonRecord(new ConsumerRecord<>("segflow.events", 1, 5, "u", ByteBuffer.allocate(0)),
                new IllegalArgumentException("bad"));
    }

    @Test
    void aSegmentSavedMeanwhileEvaluatesTheRoundAgainWithoutWaiting() {
        assertThat(recovery.recover(new PartitionStore.CatalogChanged(3, 4))).isTrue();
        assertThat(engine.steps).containsExactly("rewind");
    }

    @Test
    void aFailingRecordIsTriedAgainAtOnce() {
        assertThat(recovery.recover(poison())).isTrue();
        assertThat(engine.steps).containsExactly("failed", "reset");
    }

    @Test
    void anyOtherFailureResetsAndWaitsLongerEachTimeUpToTheMaximumAndShortAgainAfterARound() {
        for (int i = 0; i < 8; i++) {
            assertThat(recovery.recover(new IllegalStateException("redis down"))).isTrue();
        }
        assertThat(engine.steps).filteredOn(step -> step.startsWith("sleep"))
                .containsExactly("sleep 100", "sleep 200", "sleep 400", "sleep 800", "sleep 1600", "sleep 3200", "sleep 5000", "sleep 5000");
        assertThat(engine.steps).contains("failing: redis down", "reset");

        recovery.succeeded();
        engine.steps.clear();
        recovery.recover(new IllegalStateException("again"));
        assertThat(engine.steps).containsExactly("failing: again", "reset", "sleep 100");
    }

    @Test
    void aRewindThatFailsResetsAndWaitsInsteadOfEndingTheEngine() {
        engine.rewindFails = new TimeoutException("committed offsets: Kafka did not answer");

        assertThat(recovery.recover(new PartitionStore.CatalogChanged(3, 4))).as("the engine goes on").isTrue();

        assertThat(engine.steps).containsExactly("rewind", "failing: committed offsets: Kafka did not answer", "reset", "sleep 100");
    }

    @Test
    void aResetThatFailsStillWaitsAndTheEngineGoesOn() {
        engine.resetFails = new IllegalStateException("no resolvable bootstrap urls");

        assertThat(recovery.recover(new IllegalStateException("kafka refused a record"))).isTrue();

        assertThat(engine.steps).containsExactly("failing: kafka refused a record", "reset",
                "failing: no resolvable bootstrap urls", "reset", "sleep 100");
    }

    @Test
    void aDeadLetterKafkaRefusedWaitsBeforeTheRecordIsTriedAgain() {
        engine.deadLetterFails = new IllegalStateException("dead-letter topic not authorized");

        assertThat(recovery.recover(poison())).isTrue();

        assertThat(engine.steps).containsExactly("failed", "failing: dead-letter topic not authorized", "reset", "sleep 100");
    }

    @Test
    void stoppingEndsTheEngineWhileItWaitsOrRecovers() {
        engine.interrupted = true;
        assertThat(recovery.recover(new IllegalStateException("redis down"))).isFalse();

        engine.interrupted = false;
        engine.rewindFails = new WakeupException();
        assertThat(recovery.recover(new PartitionStore.CatalogChanged(3, 4))).isFalse();
    }
}
