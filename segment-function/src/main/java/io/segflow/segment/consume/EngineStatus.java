package io.segflow.segment.consume;

/** Whether the engine's loop is making progress, for readiness: the last round's outcome. */
public final class EngineStatus {
    private volatile boolean running = true;
    private volatile String lastError;

    void ok() {
        lastError = null;
    }

    void failing(RuntimeException e) {
        lastError = e.getClass().getSimpleName() + ": " + e.getMessage();
    }

    void stopped() {
        running = false;
    }

    public boolean ready() {
        return running && lastError == null;
    }

    /** Why it is not ready, or null. */
    public String problem() {
        return !running ? "the engine loop stopped" : lastError;
    }
}
