package io.segflow.system;

import java.io.IOException;
import java.util.concurrent.TimeUnit;

/** POSIX signals to a process by id: SIGSTOP freezes it as a long GC pause or a stalled VM does, SIGCONT thaws it. */
final class Signals {
    private Signals() {
    }

    static void stop(long pid) throws IOException, InterruptedException {
        send("-STOP", pid);
    }

    static void resume(long pid) throws IOException, InterruptedException {
        send("-CONT", pid);
    }

    static void kill(long pid) throws IOException, InterruptedException {
        send("-KILL", pid);
    }

    private static void send(String signal, long pid) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", signal, Long.toString(pid)).redirectErrorStream(true).start();
        if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
            throw new IllegalStateException("kill " + signal + " " + pid + " failed: " + new String(kill.getInputStream().readAllBytes()));
        }
    }
}
