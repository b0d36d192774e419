package io.segflow.segment;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Runs per-user work side by side on virtual threads, at most {@code segflow.users-in-flight} at a time across
 * the consumer and the scheduler: enough to overlap Redis round trips, few enough for the connection pool.
 */
@ApplicationScoped
public class UserTasks {
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    private final Semaphore inFlight;

    UserTasks(@ConfigProperty(name = "segflow.users-in-flight", defaultValue = "64") int usersInFlight) {
        this.inFlight = new Semaphore(usersInFlight);
    }

    /** Runs every task and waits for all; the failures, in order, are returned rather than thrown. */
    public List<Throwable> runAll(List<Callable<Void>> tasks) throws InterruptedException {
        List<Future<Void>> running = new ArrayList<>(tasks.size());
        for (Callable<Void> task : tasks) {
            inFlight.acquire();
            running.add(threads.submit(() -> {
                try {
                    return task.call();
                } finally {
                    inFlight.release();
                }
            }));
        }
        List<Throwable> failures = new ArrayList<>();
        for (Future<Void> task : running) {
            try {
                task.get();
            } catch (ExecutionException e) {
                failures.add(e.getCause());
            }
        }
        return failures;
    }

    @PreDestroy
    void stop() {
        threads.shutdown();
    }
}
