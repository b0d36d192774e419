package io.segflow.bench.soak;

import io.segflow.bench.engine.SegmentCatalog;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.BitSet;
import java.util.List;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The soak's traffic, all through the public HTTP APIs:
 *
 * <ul>
 *   <li>Segment calls to ingest's {@code /v1/batch} at a steady rate (a batch every 100 ms), as analytics.js sends them,
 *   for two populations that turn over: <b>shop users</b> (the typical mix of {@code ShopTraffic} on the catalog's
 *   events: views, add to cart, orders, 3 % identify calls; their profiles carry long windows) and <b>browsers</b>
 *   (page calls only, read by short-window segments: they go quiet after a few minutes and their windows expire within
 *   the run). A population is a sliding range of ids: {@code join} new ids a second enter it and as many old ones go
 *   quiet for good. 0.5 % of the events are sent twice with the same messageId (an SDK retry: dedup).</li>
 *   <li>A refused or failed batch is sent again every 0.5 s, as an SDK does, for up to 2 minutes (then dropped and
 *   counted), so a restart of ingest loses nothing and shows as a backlog that is sent again.</li>
 *   <li>Membership reads of live shop users from api-function, and a few SSE streams of live browsers, each re-opened
 *   on another user every 2 minutes (or at once when it breaks).</li>
 * </ul>
 */
final class Traffic implements AutoCloseable {
    private static final String[] CATEGORIES = {"shoes", "shirts", "bags", "watches", "hats"};
    private static final int SENDERS = 4;
    private static final long RETRY_FOR_NANOS = Duration.ofMinutes(2).toNanos();

    private record Batch(byte[] body, int events, long firstNanos) {
    }

    private final SoakOptions options;
    private final String run;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();
    private final String writeAuth;
    private final LinkedBlockingQueue<Batch> queue = new LinkedBlockingQueue<>();
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean running = true;
    private volatile long startNanos;

    // generator state: only the pacer thread touches these
    private final SplittableRandom random = new SplittableRandom();
    private final BitSet shopSeen = new BitSet();
    private final BitSet browserSeen = new BitSet();
    private String lastEvent;

    final AtomicLong generated = new AtomicLong();
    final AtomicLong accepted = new AtomicLong();
    final AtomicLong failedRequests = new AtomicLong();
    final AtomicLong dropped = new AtomicLong();
    final AtomicLong duplicatesSent = new AtomicLong();
    final AtomicLong shopUsersSeen = new AtomicLong();
    final AtomicLong browsersSeen = new AtomicLong();
    final AtomicLong lastAcceptedNanos = new AtomicLong();
    final AtomicLong readsOk = new AtomicLong();
    final AtomicLong readsFailed = new AtomicLong();
    final AtomicLong lastReadOkNanos = new AtomicLong();
    final AtomicLong streamMessages = new AtomicLong();
    final AtomicLong streamOpens = new AtomicLong();
    final AtomicLong streamFailures = new AtomicLong();
    final AtomicInteger streamsOpen = new AtomicInteger();

    Traffic(SoakOptions options) {
        this.options = options;
        this.run = UUID.randomUUID().toString().substring(0, 6);
        this.writeAuth = "Basic " + Base64.getEncoder().encodeToString((options.writeKey() + ":").getBytes(StandardCharsets.UTF_8));
    }

    String run() {
        return run;
    }

    void start() {
        startNanos = System.nanoTime();
        threads.add(Thread.ofPlatform().name("soak-pacer").daemon().start(this::pace));
        for (int i = 0; i < SENDERS; i++) {
            threads.add(Thread.ofPlatform().name("soak-sender-" + i).daemon().start(this::sendLoop));
        }
        if (options.readsPerSecond() > 0) {
            threads.add(Thread.ofPlatform().name("soak-reader").daemon().start(this::readLoop));
        }
        for (int i = 0; i < options.streams(); i++) {
            threads.add(Thread.ofVirtual().name("soak-stream-" + i).start(this::streamLoop));
        }
    }

    /** Batches not accepted yet (waiting to be sent, or again). */
    int backlog() {
        return queue.size();
    }

    long usersSeen() {
        return shopUsersSeen.get() + browsersSeen.get();
    }

    // ------------------------------------------------------------------ populations

    private double elapsed() {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    private int shopIndex() {
        return (int) (options.shopJoinPerSecond() * elapsed()) + random.nextInt(options.shopUsers());
    }

    private int browserIndex() {
        return (int) (options.browserJoinPerSecond() * elapsed()) + random.nextInt(options.browsers());
    }

    String shopUser(int index) {
        return "soak-" + run + "-s" + index;
    }

    String browser(int index) {
        return "soak-" + run + "-b" + index;
    }

    /** A live shop user / browser, for reads and streams (any thread). */
    String liveShopUser() {
        return shopUser((int) (options.shopJoinPerSecond() * elapsed()) + ThreadLocalRandom.current().nextInt(options.shopUsers()));
    }

    String liveBrowser() {
        return browser((int) (options.browserJoinPerSecond() * elapsed()) + ThreadLocalRandom.current().nextInt(options.browsers()));
    }

    // ------------------------------------------------------------------ events

    private String nextEvent() {
        if (lastEvent != null && random.nextDouble() < 0.005) {
            duplicatesSent.incrementAndGet();
            return lastEvent; // the same messageId again: segment-function must count it once
        }
        String event;
        if (random.nextDouble() < options.browserShare()) {
            int index = browserIndex();
            if (!browserSeen.get(index)) {
                browserSeen.set(index);
                browsersSeen.incrementAndGet();
            }
            event = page(browser(index));
        } else {
            int index = shopIndex();
            if (!shopSeen.get(index)) {
                shopSeen.set(index);
                shopUsersSeen.incrementAndGet();
            }
            event = shopEvent(shopUser(index));
        }
        lastEvent = event;
        return event;
    }

    /** ShopTraffic's mix: 3 % identify, 45 % views of group 0, 15 % add to cart, 7 % orders, 30 % views of group 1. */
    private String shopEvent(String user) {
        double pick = random.nextDouble();
        String category = CATEGORIES[random.nextInt(CATEGORIES.length)];
        if (pick < 0.03) {
            return head("identify", user, category) + ",\"traits\":{\"plan\":\"" + (random.nextInt(4) == 0 ? "free" : "pro")
                    + "\",\"age\":" + (18 + random.nextInt(50)) + ",\"country\":\"FR\",\"email\":\"" + user + "@example.com\"}}";
        } else if (pick < 0.48) {
            return view(user, SegmentCatalog.view(0), category);
        } else if (pick < 0.63) {
            return head("track", user, category) + ",\"event\":\"" + SegmentCatalog.cart(0) + "\",\"properties\":{\"sku\":\"SKU-"
                    + (1000 + random.nextInt(500)) + "\",\"price\":" + price(5, 150) + ",\"quantity\":" + (1 + random.nextInt(3))
                    + ",\"currency\":\"EUR\"}}";
        } else if (pick < 0.70) {
            return head("track", user, category) + ",\"event\":\"" + SegmentCatalog.buy(0) + "\",\"properties\":{\"orderId\":\"o-"
                    + random.nextInt(1_000_000) + "\",\"amount\":" + price(20, 300) + ",\"currency\":\"EUR\",\"items\":"
                    + (1 + random.nextInt(4)) + "}}";
        }
        return view(user, SegmentCatalog.view(1), category);
    }

    private String view(String user, String name, String category) {
        return head("track", user, category) + ",\"event\":\"" + name + "\",\"properties\":{\"sku\":\"SKU-" + (1000 + random.nextInt(500))
                + "\",\"category\":\"" + category + "\",\"name\":\"Classic " + category + "\",\"price\":" + price(5, 150)
                + ",\"currency\":\"EUR\"}}";
    }

    /** {@code analytics.page()}: counted under {@code page}, read only by the short-window segments. */
    private String page(String user) {
        String category = CATEGORIES[random.nextInt(CATEGORIES.length)];
        return head("page", user, category) + ",\"name\":\"Category " + category + "\",\"properties\":{\"path\":\"/" + category
                + "\",\"url\":\"https://shop.example/" + category + "\",\"title\":\"Shop - " + category
                + "\",\"referrer\":\"https://www.google.com/\"}}";
    }

    private String head(String type, String user, String category) {
        return "{\"type\":\"" + type + "\",\"messageId\":\"ajs-next-" + UUID.randomUUID() + "\",\"userId\":\"" + user
                + "\",\"anonymousId\":\"anon-" + Integer.toHexString(user.hashCode()) + "\",\"timestamp\":\"" + Instant.now()
                + "\",\"context\":{\"library\":{\"name\":\"analytics.js\",\"version\":\"next-1.70.0\"},\"page\":{\"path\":\"/"
                + category + "\",\"url\":\"https://shop.example/" + category + "\",\"title\":\"Shop - " + category
                + "\"},\"userAgent\":\"Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0\",\"locale\":\"de-DE\",\"ip\":\"10.1."
                + random.nextInt(256) + "." + random.nextInt(256) + "\"}";
    }

    private double price(int from, int to) {
        return Math.round((from + random.nextDouble() * (to - from)) * 100) / 100.0;
    }

    // ------------------------------------------------------------------ sending

    /** A batch every 100 ms, the rate's share of events (open loop: a slow ingest makes a backlog, not a lower rate). */
    private void pace() {
        double perTick = options.rate() / 10.0;
        double owed = 0;
        long tick = 0;
        while (running) {
            long due = startNanos + tick++ * 100_000_000L;
            long wait = due - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
            owed += perTick;
            int n = (int) owed;
            owed -= n;
            if (n == 0) {
                continue;
            }
            StringBuilder body = new StringBuilder(n * 700).append("{\"batch\":[");
            for (int i = 0; i < n; i++) {
                body.append(i == 0 ? "" : ",").append(nextEvent());
            }
            body.append("],\"sentAt\":\"").append(Instant.now()).append("\"}");
            generated.addAndGet(n);
            queue.add(new Batch(body.toString().getBytes(StandardCharsets.UTF_8), n, System.nanoTime()));
        }
    }

    private void sendLoop() {
        while (running || !queue.isEmpty()) {
            Batch batch;
            try {
                batch = queue.poll(200, java.util.concurrent.TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                return;
            }
            if (batch == null) {
                continue;
            }
            int status;
            try {
                HttpResponse<Void> response = http.send(HttpRequest.newBuilder(URI.create(options.ingestUrl() + "/v1/batch"))
                        .timeout(Duration.ofSeconds(10)).header("Authorization", writeAuth).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofByteArray(batch.body())).build(), HttpResponse.BodyHandlers.discarding());
                status = response.statusCode();
            } catch (InterruptedException e) {
                return;
            } catch (Exception e) {
                status = -1;
            }
            if (status == 200) {
                accepted.addAndGet(batch.events());
                lastAcceptedNanos.set(System.nanoTime());
                continue;
            }
            failedRequests.incrementAndGet();
            if (System.nanoTime() - batch.firstNanos() > RETRY_FOR_NANOS || !running) {
                dropped.addAndGet(batch.events());
                continue;
            }
            LockSupport.parkNanos(500_000_000L);
            queue.add(batch);
        }
    }

    // ------------------------------------------------------------------ reads

    private void readLoop() {
        long interval = 1_000_000_000L / options.readsPerSecond();
        long next = System.nanoTime();
        while (running) {
            next += interval;
            long wait = next - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            } else if (-wait > 1_000_000_000L) {
                next = System.nanoTime(); // a read that hung: no burst to catch up
            }
            try {
                HttpResponse<Void> response = http.send(HttpRequest.newBuilder(URI.create(options.apiUrl() + "/v1/users/"
                        + liveShopUser() + "/segments")).timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.discarding());
                if (response.statusCode() == 200) {
                    readsOk.incrementAndGet();
                    lastReadOkNanos.set(System.nanoTime());
                } else {
                    readsFailed.incrementAndGet();
                }
            } catch (InterruptedException e) {
                return;
            } catch (Exception e) {
                readsFailed.incrementAndGet();
            }
        }
    }

    /** One SSE stream at a time on a live browser, re-opened on another one every 2 minutes or when it ends. */
    private void streamLoop() {
        // spread the streams' re-opens over the 2 minutes
        LockSupport.parkNanos(ThreadLocalRandom.current().nextLong(1_000_000_000L, 20_000_000_000L));
        while (running) {
            long until = System.nanoTime() + Duration.ofMinutes(2).toNanos();
            boolean opened = false;
            try {
                HttpResponse<InputStream> response = http.send(HttpRequest.newBuilder(URI.create(options.apiUrl() + "/v1/users/"
                                + liveBrowser() + "/segments/stream")).timeout(Duration.ofSeconds(5)).header("Accept", "text/event-stream").GET().build(),
                        HttpResponse.BodyHandlers.ofInputStream());
                try (InputStream body = response.body();
                     BufferedReader lines = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
                    if (response.statusCode() != 200) {
                        streamFailures.incrementAndGet();
                    } else {
                        opened = true;
                        streamOpens.incrementAndGet();
                        streamsOpen.incrementAndGet();
                        // heartbeats every 20 s: readLine returns often enough to see the deadline
                        for (String line = lines.readLine(); line != null && running && System.nanoTime() < until; line = lines.readLine()) {
                            if (line.startsWith("data:")) {
                                streamMessages.incrementAndGet();
                            }
                        }
                        if (System.nanoTime() < until && running) {
                            streamFailures.incrementAndGet(); // ended by the server
                        }
                    }
                }
            } catch (InterruptedException e) {
                return;
            } catch (Exception e) {
                streamFailures.incrementAndGet();
            } finally {
                if (opened) {
                    streamsOpen.decrementAndGet();
                }
            }
            if (System.nanoTime() < until && running) {
                LockSupport.parkNanos(1_000_000_000L);
            }
        }
    }

    /** Stops generating; the senders finish what is queued (at most {@code drainSeconds}). */
    void stop(int drainSeconds) throws InterruptedException {
        running = false;
        long deadline = System.nanoTime() + drainSeconds * 1_000_000_000L;
        for (Thread thread : threads) {
            long left = Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
            thread.join(left);
        }
    }

    @Override
    public void close() {
        running = false;
        threads.forEach(Thread::interrupt);
        http.shutdownNow();
    }
}
