package io.segflow.bench.soak;

import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A crash and restart of one function: {@code kill -9} of the pid in {@code $SEGFLOW_HOME/pids/<name>.pid}, then
 * {@code infra/local/up --detach} with the same environment, which starts what is not running (only that function)
 * exactly as the first start did and returns once every function answers {@code /q/health/ready}. Then, until each
 * holds (at most 5 minutes): ingest accepts the traffic's batches again and the batches refused meanwhile are sent;
 * segment-function's lag is under one second of traffic; trigger-function's lags (changes, events) are under one second
 * of their input; api answers membership reads and every SSE stream is open again.
 */
final class Restarts {
    /** What one restart measured; times in seconds from the kill, NaN when it did not happen within the limit. */
    record Result(String function, double atMinute, long pid, long newPid, double upReady, double recovered, String detail) {
    }

    private final SoakOptions options;
    private final Sampler sampler;
    private final Traffic traffic;
    private final List<Result> results = new ArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

    Restarts(SoakOptions options, Sampler sampler, Traffic traffic) {
        this.options = options;
        this.sampler = sampler;
        this.traffic = traffic;
    }

    synchronized List<Result> results() {
        return List.copyOf(results);
    }

    Result restart(String function, double atMinute) throws Exception {
        long pid = sampler.pid(function);
        if (!Sampler.alive(pid)) {
            throw new IllegalStateException(function + " is not running (pid file " + pid + ")");
        }
        // The input rates before the crash, for "under one second of traffic".
        double changesBefore = sampler.endOffsets(io.segflow.core.Topics.SEGMENT_CHANGES);
        long killNanos = System.nanoTime();
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly); // SIGKILL
        while (Sampler.alive(pid)) {
            Thread.sleep(20);
        }
        System.out.printf("# %s killed (kill -9 pid %d) at minute %.1f; restarting with infra/local/up --detach%n", function, pid, atMinute);
        ProcessBuilder up = new ProcessBuilder(options.repo().resolve("infra/local/up").toString(), "--detach")
                .directory(options.repo().toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(new File(options.home().resolve("logs/soak-up.log").toString())));
        up.environment().put("SEGFLOW_HOME", options.home().toString());
        Process process = up.start();
        double upReady = Double.NaN;
        if (process.waitFor(180, TimeUnit.SECONDS) && process.exitValue() == 0) {
            upReady = since(killNanos);
        } else {
            process.destroyForcibly();
            System.out.printf("# %s: infra/local/up failed (see %s)%n", function, options.home().resolve("logs/soak-up.log"));
        }
        long newPid = sampler.pid(function);
        // Poll until recovered.
        double changesAfter = sampler.endOffsets(io.segflow.core.Topics.SEGMENT_CHANGES);
        double changeRate = Math.max(20, (changesAfter - changesBefore) / Math.max(1, since(killNanos)));
        double peakLag = 0;
        double recovered = Double.NaN;
        String detail = "";
        long deadline = killNanos + Duration.ofMinutes(5).toNanos();
        double acceptedAt = Double.NaN;
        double peakEvents = 0;
        double changesAt = Double.NaN;
        double eventsAt = Double.NaN;
        while (System.nanoTime() < deadline) {
            switch (function) {
                case "ingest" -> {
                    if (Double.isNaN(acceptedAt) && traffic.lastAcceptedNanos.get() > killNanos) {
                        acceptedAt = since(killNanos);
                    }
                    if (!Double.isNaN(acceptedAt) && traffic.backlog() <= 2) {
                        recovered = since(killNanos);
                        detail = String.format("first batch accepted again %.1f s after the kill; the refused batches resent by %.1f s",
                                acceptedAt, recovered);
                    }
                }
                case "segment" -> {
                    double lag = sampler.lag("segment-function");
                    peakLag = Math.max(peakLag, Double.isNaN(lag) ? 0 : lag);
                    if (!Double.isNaN(upReady) && lag < options.rate()) {
                        recovered = since(killNanos);
                        detail = String.format("lag peaked at %,.0f events, under 1 s of traffic (%d) %.1f s after the kill", peakLag,
                                options.rate(), recovered);
                    }
                }
                case "trigger" -> {
                    double lag = sampler.lag("trigger-function");
                    double events = sampler.lag("trigger-function-events");
                    peakLag = Math.max(peakLag, Double.isNaN(lag) ? 0 : lag);
                    peakEvents = Math.max(peakEvents, Double.isNaN(events) ? 0 : events);
                    if (!Double.isNaN(upReady) && Double.isNaN(changesAt) && lag < changeRate) {
                        changesAt = since(killNanos);
                    }
                    if (!Double.isNaN(upReady) && Double.isNaN(eventsAt) && events < options.rate()) {
                        eventsAt = since(killNanos);
                    }
                    if (!Double.isNaN(changesAt) && !Double.isNaN(eventsAt)) {
                        recovered = since(killNanos);
                        detail = String.format("changes (group trigger-function) lag peaked at %,.0f, under 1 s of input (%.0f) %.1f s after the kill; "
                                        + "events (group trigger-function-events) lag peaked at %,.0f, under 1 s of input (%d) %.1f s after the kill",
                                peakLag, changeRate, changesAt, peakEvents, options.rate(), eventsAt);
                    }
                }
                case "api" -> {
                    if (!Double.isNaN(upReady) && readOk() && traffic.streamsOpen.get() >= options.streams()) {
                        recovered = since(killNanos);
                        detail = String.format("reads answered and all %d SSE streams open again %.1f s after the kill", options.streams(), recovered);
                    }
                }
                default -> throw new IllegalArgumentException(function);
            }
            if (!Double.isNaN(recovered)) {
                break;
            }
            Thread.sleep(500);
        }
        if (Double.isNaN(recovered)) {
            detail = "NOT recovered within 5 minutes" + (peakLag > 0 ? String.format(" (peak lag %,.0f)", peakLag) : "")
                    + (function.equals("trigger") ? String.format("; changes lag under 1 s after %.1f s, events lag after %.1f s (peak %,.0f)",
                    changesAt, eventsAt, peakEvents) : "");
        }
        Result result = new Result(function, atMinute, pid, newPid, upReady, recovered, detail);
        synchronized (this) {
            results.add(result);
        }
        System.out.printf("# %s restarted: pid %d -> %d, infra/local/up ready after %.1f s; %s%n", function, pid, newPid, upReady, detail);
        return result;
    }

    private boolean readOk() {
        try {
            HttpResponse<Void> response = http.send(HttpRequest.newBuilder(URI.create(options.apiUrl() + "/v1/users/"
                    + traffic.liveShopUser() + "/segments")).timeout(Duration.ofSeconds(2)).GET().build(), HttpResponse.BodyHandlers.discarding());
            return response.statusCode() == 200;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (Exception e) {
            return false;
        }
    }

    private static double since(long nanos) {
        return (System.nanoTime() - nanos) / 1e9;
    }
}
