package io.segflow.ingest.fuzz;

import java.util.function.Predicate;

/**
 * Minimises a failing request while it keeps failing, so that a report shows what matters: first the plainest
 * transport (HTTP/1.1, declared length, no encoding, each kept only if the failure stays), then runs of body bytes
 * dropped, halves first, down to single bytes. Any failure counts, not only the first one's kind.
 */
final class RequestShrinker {
    private final Predicate<FuzzRequest> fails;
    private final int maxRuns;
    private int runs;

    RequestShrinker(Predicate<FuzzRequest> fails, int maxRuns) {
        this.fails = fails;
        this.maxRuns = maxRuns;
    }

    /** @param failing a request the predicate fails on */
    FuzzRequest shrink(FuzzRequest failing) {
        FuzzRequest current = failing;
        current = simplerIfStillFails(current, current.withTransport(current.encoding(), current.chunked(), false));
        current = simplerIfStillFails(current, current.withTransport(current.encoding(), false, current.http2()));
        current = simplerIfStillFails(current, current.withTransport(Encoding.NONE, current.chunked(), current.http2()));
        return dropBytes(current);
    }

    /** How many times the predicate ran. */
    int runs() {
        return runs;
    }

    private FuzzRequest dropBytes(FuzzRequest request) {
        FuzzRequest current = request;
        for (int chunk = current.plain().length / 2; chunk >= 1; chunk /= 2) {
            int from = 0;
            while (from < current.plain().length && runs < maxRuns) {
                byte[] plain = current.plain();
                int to = Math.min(from + chunk, plain.length);
                byte[] rest = new byte[plain.length - (to - from)];
                System.arraycopy(plain, 0, rest, 0, from);
                System.arraycopy(plain, to, rest, from, plain.length - to);
                FuzzRequest candidate = current.withPlain(rest);
                if (stillFails(candidate)) {
                    current = candidate; // the next chunk now starts at the same index
                } else {
                    from += chunk;
                }
            }
        }
        return current;
    }

    private FuzzRequest simplerIfStillFails(FuzzRequest current, FuzzRequest candidate) {
        return candidate.equals(current) || !stillFails(candidate) ? current : candidate;
    }

    private boolean stillFails(FuzzRequest candidate) {
        if (runs >= maxRuns) {
            return false; // out of budget: keep what we have
        }
        runs++;
        return fails.test(candidate);
    }
}
