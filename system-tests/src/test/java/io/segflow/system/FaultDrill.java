package io.segflow.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.segflow.system.FaultStack.Function;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;

/**
 * One fault under a steady load: events posted through ingest and the api read throughout, the fault injected,
 * held and ended, the time to recover measured and printed, then the load stopped and drained.
 */
final class FaultDrill implements AutoCloseable {
    static final int USERS = 150;
    static final int EVENTS_PER_SECOND = 200;
    private static final Duration WARM_UP = Duration.ofSeconds(2);
    private static final Duration RECOVER = Duration.ofMinutes(2);

    /** A step of a fault: a signal, a kill, a restart. */
    interface Action {
        void run() throws Exception;
    }

    private final FaultStack stack;
    private final String name;
    private final SteadyLoad load;
    private final ApiReads reads;
    private Duration outage;
    private Recovery recovery;

    private FaultDrill(FaultStack stack, String name) {
        this.stack = stack;
        this.name = name;
        this.load = stack.load(name + "-", USERS, EVENTS_PER_SECOND);
        this.reads = stack.apiReads(load.users()).probing();
    }

    /** Starts the load and the api reads, and returns once ingest has acknowledged events for a few seconds. */
    static FaultDrill start(FaultStack stack, String name) throws InterruptedException {
        FaultDrill drill = new FaultDrill(stack, name);
        Thread.sleep(WARM_UP);
        await("ingest to acknowledge events " + stack.evidence()).atMost(Duration.ofSeconds(30)).until(() -> drill.load.deliveredCount() > 0);
        return drill;
    }

    /** Injects the fault, holds it, ends it, and waits for the pipeline to recover by itself. */
    Recovery fault(Action inject, Duration hold, Action end) throws Exception {
        Instant started = Instant.now();
        inject.run();
        Thread.sleep(hold);
        end.run();
        Instant ended = Instant.now();
        outage = Duration.between(started, ended);
        recovery = Recovery.await(stack, load, reads, ended, RECOVER);
        System.out.printf("[fault] %s: fault held %.1f s; recovered: %s%n", name, outage.toMillis() / 1000.0, recovery);
        return recovery;
    }

    /** Stops the load, waits until every acknowledged event is processed, and until every function is ready. */
    void finish() throws Exception {
        load.stop();
        reads.close();
        ExactCounts.awaitProcessed(stack, load);
        stack.awaitAllReady();
        System.out.printf("[fault] %s: %d events acknowledged; ingest answered %s; api answered %s%n",
                name, load.deliveredCount(), load.answers(), reads.answers());
    }

    /**
     * Every answer was a success or a documented 429/503 with Retry-After, and only the functions in
     * {@code unreachable} (killed during the drill) ever left a request without an answer.
     */
    void assertAnsweredOnlyAsDocumented(Set<Function> unreachable) {
        String evidence = " " + stack.evidence();
        assertThat(load.answers().unexpected()).as("ingest's answers other than 2xx or 429/503 + Retry-After" + evidence).isEmpty();
        assertThat(reads.answers().unexpected()).as("the api's answers other than 2xx/304 or 503 + Retry-After" + evidence).isEmpty();
        if (!unreachable.contains(Function.INGEST)) {
            assertThat(load.answers().noAnswers()).as("ingest requests left without an answer" + evidence).isZero();
        }
        if (!unreachable.contains(Function.API)) {
            assertThat(reads.answers().noAnswers()).as("api reads left without an answer" + evidence).isZero();
        }
    }

    SteadyLoad load() {
        return load;
    }

    ApiReads reads() {
        return reads;
    }

    @Override
    public void close() throws InterruptedException {
        load.close();
        reads.close();
    }
}
