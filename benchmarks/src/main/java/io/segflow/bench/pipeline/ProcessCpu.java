package io.segflow.bench.pipeline;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** CPU time (user + system) a process has used so far, from {@code /proc/<pid>/stat} (Linux). */
public final class ProcessCpu {
    private static final long TICKS_PER_SECOND = ticksPerSecond();

    private final long pid;

    public ProcessCpu(long pid) {
        this.pid = pid;
    }

    long pid() {
        return pid;
    }

    boolean alive() {
        return Files.exists(Path.of("/proc", Long.toString(pid), "stat"));
    }

    /** User plus system CPU time so far, in microseconds; fails once the process is gone. */
    public long micros() throws IOException {
        return ticks(Files.readString(Path.of("/proc", Long.toString(pid), "stat"))) * 1_000_000 / TICKS_PER_SECOND;
    }

    /** User plus system clock ticks in a {@code /proc/<pid>/stat} line. */
    static long ticks(String stat) {
        // The command name (field 2) may contain spaces and parentheses: count fields after its closing one.
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(fields[11]) + Long.parseLong(fields[12]); // utime and stime, fields 14 and 15
    }

    /** segment-function's process (from --pid or --pid-file), or null with a warning when none is alive. */
    static ProcessCpu segmentFunction(EngineOptions options) {
        ProcessCpu cpu = find(options.pid(), options.pidFile());
        if (cpu == null || !cpu.alive()) {
            System.out.println("warning: no live segment-function pid (give --pid or --pid-file): its CPU is not measured");
            return null;
        }
        return cpu;
    }

    /** The pid given, else the one in the pid file (infra/local/up writes one per component), else null. */
    static ProcessCpu find(Long pid, Path pidFile) {
        if (pid != null) {
            return new ProcessCpu(pid);
        }
        try {
            return new ProcessCpu(Long.parseLong(Files.readString(pidFile).trim()));
        } catch (IOException | NumberFormatException e) {
            return null;
        }
    }

    private static long ticksPerSecond() {
        try {
            Process getconf = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
            String out = new String(getconf.getInputStream().readAllBytes()).trim();
            if (getconf.waitFor(5, TimeUnit.SECONDS) && getconf.exitValue() == 0) {
                return Long.parseLong(out);
            }
        } catch (IOException | NumberFormatException e) {
            // the Linux default below
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 100;
    }
}
