package io.segflow.api;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

@ConfigMapping(prefix = "segflow")
public interface ApiConfig {

    /** The bearer key of the admin API (env {@code SEGFLOW_ADMIN_KEY}); no default outside dev and test. */
    String adminKey();

    /**
     * Read-only bearer keys for the customer's backend (env {@code SEGFLOW_SERVER_KEYS}, comma-separated): they read
     * any user's memberships and profile without a user token, and change nothing (admin calls answer 403).
     * Each at least {@value io.segflow.api.auth.ApiKeys#MIN_SERVER_KEY_LENGTH} characters; none by default.
     */
    Optional<List<String>> serverKeys();

    Tokens tokens();

    Cache cache();

    Push push();

    Demo demo();

    Triggers triggers();

    /** How many Redis replicas must hold an admin write before it is answered (checked at startup, see ReplicatedWrites). */
    RedisReplicas redisReplicas();

    /** Per-user tokens (JWT) with which browsers read their own segments. */
    interface Tokens {
        /** Whether user reads need a token; false only in dev, so a page can try segflow without a backend. */
        @WithDefault("true")
        boolean required();

        /** HS256 shared secret (at least 32 bytes); without it and without a public key, one is derived from the admin key. */
        Optional<String> secret();

        /** RS256 public key (PEM or base64 DER): tokens are then minted by the customer's backend only. */
        Optional<String> publicKey();

        /** The {@code iss} of tokens minted by {@code POST /v1/tokens}; verification accepts any issuer. */
        @WithDefault("segflow")
        String issuer();

        /** At most {@link #maxTtl()} (checked at startup when tokens are minted here). */
        @WithDefault("1h")
        Duration defaultTtl();

        /**
         * The longest lifetime of any token, minted here or by the customer's backend: {@code exp - iat} (and
         * {@code exp - now}) above it is refused.
         */
        @WithDefault("30d")
        Duration maxTtl();
    }

    /** Cache-Control of {@code GET /v1/users/{id}/segments}. */
    interface Cache {
        @WithDefault("private")
        CacheMode mode();

        @WithDefault("5s")
        Duration maxAge();

        @WithDefault("30s")
        Duration staleWhileRevalidate();

        /** Shared-cache lifetime in {@code cdn} mode. */
        @WithDefault("5s")
        Duration sMaxAge();
    }

    enum CacheMode {
        /** Only the browser caches: {@code private, max-age, stale-while-revalidate}. */
        PRIVATE,
        /** A CDN may cache too: {@code public, s-maxage}. Both modes vary on the token and the origin. */
        CDN
    }

    interface Push {
        /** SSE comment / WebSocket ping interval, below the idle timeouts of common proxies (60 s). */
        @WithDefault("20s")
        Duration heartbeat();
    }

    /**
     * The {@code /demo/} shop. Off by default; on in dev mode, in tests and in the local stack only: its
     * {@code /demo/session} defines the demo's segments and mints tokens for {@code demo-} users without the admin key.
     */
    interface Demo {
        /** Env {@code SEGFLOW_DEMO_ENABLED}; never set it on a deployment that serves real users. */
        @WithDefault("false")
        boolean enabled();

        @WithDefault("http://localhost:8081")
        String ingestUrl();

        @WithDefault("dev-write-key")
        String writeKey();
    }

    /** Test deliveries of triggers ({@code POST /v1/triggers/{id}/test}): which addresses they may call (SSRF). */
    interface Triggers {
        /** Calls loopback, private and link-local addresses too; on in dev, tests and the local stack only. */
        @WithDefault("false")
        boolean allowPrivate();

        /** Internal address ranges (CIDR) calls may go to all the same, e.g. a receiver inside the cluster. */
        Optional<List<String>> allow();
    }

    /**
     * Redis replicates asynchronously: a master that fails over to a replica a few writes behind forgets a definition
     * the admin API already answered as saved. With {@code acks} set, every admin write (segment and trigger
     * definitions, scoring, replays) ends with {@code WAIT acks timeout} on its connection and is answered once that
     * many replicas hold it (or the timeout passed).
     */
    interface RedisReplicas {
        /** Replicas that must acknowledge a write (the master's replica count, usually 1); 0 waits for none. */
        @WithDefault("0")
        int acks();

        /**
         * The longest wait for them, under {@code quarkus.redis.timeout} and {@code quarkus.redis.tcp.idle-timeout}. A
         * write the replicas did not acknowledge in time stands (the master has it) and is answered as a success all
         * the same: counted in {@code segflow_api_replica_wait_timeouts_total} and logged.
         */
        @WithDefault("1s")
        Duration timeout();
    }
}
