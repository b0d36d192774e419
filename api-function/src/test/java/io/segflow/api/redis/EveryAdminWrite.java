package io.segflow.api.redis;

import static io.restassured.RestAssured.given;

import io.quarkus.redis.datasource.RedisDataSource;
import io.restassured.http.ContentType;
import io.segflow.core.json.Json;
import io.segflow.core.redis.RedisKeys;
import io.segflow.core.trigger.DeliveryEntry;
import io.segflow.core.trigger.Firing;
import io.segflow.core.trigger.TriggerKeys;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;

/**
 * One of each admin write of shared state, sent together without waiting for the answers: the writes the replica wait
 * must hold back. Prepares what they need first (a segment and a trigger to delete, a logged delivery to replay) and
 * removes what they leave behind.
 */
final class EveryAdminWrite implements AutoCloseable {
    private static final String ADMIN = "Bearer dev-admin-key";
    private static final String TRIGGER = "{\"when\": {\"segment\": \"vip\", \"change\": \"entered\"}, \"action\": {\"type\": \"kafka\"}}";

    /** A write sent: its answer when it comes, the status it should have, and whether Redis's master holds it. */
    record Write(String name, int status, CompletableFuture<HttpResponse<String>> answer, BooleanSupplier stored) {
    }

    private final URL base;
    private final RedisDataSource redis;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final String newSegment = id();
    private final String oldSegment = id();
    private final String newTrigger = id();
    private final String oldTrigger = id();
    private final String replayedTrigger = id();
    private final String weight = id();
    private final String scoringBefore;
    private final Firing firing;

    EveryAdminWrite(URL base, RedisDataSource redis) {
        this.base = base;
        this.redis = redis;
        this.scoringBefore = redis.value(String.class).get(RedisKeys.SCORING);
        admin("PUT", "/v1/segments/" + oldSegment, "{\"condition\":\"true\"}", 201);
        admin("PUT", "/v1/triggers/" + oldTrigger, TRIGGER, 201);
        admin("PUT", "/v1/triggers/" + replayedTrigger, TRIGGER, 201);
        Instant at = Instant.now();
        firing = new Firing(Firing.idOf(replayedTrigger, "u1", "1"), replayedTrigger, "u1", Firing.ENTERED, "vip", 1L, null, at,
                "event:m1", null, TriggerKeys.changesShard(0), Firing.Stage.DELIVER, 7, at, null, null);
        DeliveryEntry dead = new DeliveryEntry(firing.id(), "u1", DeliveryEntry.Status.DEAD, 7, 500, "HTTP 500", 12L, null,
                null, at, firing);
        redis.hash(String.class).hset(TriggerKeys.log(replayedTrigger), firing.id(), Json.write(dead));
        redis.sortedSet(String.class).zadd(TriggerKeys.recent(replayedTrigger), at.toEpochMilli(), firing.id());
    }

    /** Sends every write at once; returns without waiting for their answers. */
    List<Write> send() {
        var hashes = redis.hash(String.class);
        List<Write> writes = new ArrayList<>();
        writes.add(new Write("segment created", 201, send("PUT", "/v1/segments/" + newSegment, "{\"condition\":\"true\"}"),
                () -> hashes.hget(RedisKeys.SEGMENTS, newSegment) != null));
        writes.add(new Write("segment deleted", 204, send("DELETE", "/v1/segments/" + oldSegment, null),
                () -> hashes.hget(RedisKeys.SEGMENTS, oldSegment) == null));
        writes.add(new Write("trigger created", 201, send("PUT", "/v1/triggers/" + newTrigger, TRIGGER),
                () -> hashes.hget(TriggerKeys.DEFINITIONS, newTrigger) != null));
        writes.add(new Write("trigger deleted", 204, send("DELETE", "/v1/triggers/" + oldTrigger, null),
                () -> hashes.hget(TriggerKeys.DEFINITIONS, oldTrigger) == null));
        writes.add(new Write("scoring", 200, send("PUT", "/v1/scoring", "{\"halfLife\":\"7d\",\"weights\":{\"" + weight + "\":1}}"),
                () -> String.valueOf(redis.value(String.class).get(RedisKeys.SCORING)).contains(weight)));
        writes.add(new Write("replay", 202, send("POST", "/v1/triggers/" + replayedTrigger + "/deliveries/" + firing.id() + "/replay", null),
                () -> hashes.hget(TriggerKeys.jobs(firing.shard()), firing.id()) != null));
        return writes;
    }

    private CompletableFuture<HttpResponse<String>> send(String method, String path, String body) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(base + path.substring(1)))
                .header("Authorization", ADMIN).header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .build();
        return http.sendAsync(request, HttpResponse.BodyHandlers.ofString());
    }

    private static void admin(String method, String path, String body, int status) {
        given().header("Authorization", ADMIN).contentType(ContentType.JSON).body(body)
                .when().request(method, path).then().statusCode(status);
    }

    @Override
    public void close() {
        var hashes = redis.hash(String.class);
        hashes.hdel(RedisKeys.SEGMENTS, newSegment, oldSegment);
        hashes.hdel(TriggerKeys.DEFINITIONS, newTrigger, oldTrigger, replayedTrigger);
        redis.key().del(TriggerKeys.log(replayedTrigger), TriggerKeys.recent(replayedTrigger));
        hashes.hdel(TriggerKeys.jobs(firing.shard()), firing.id());
        redis.sortedSet(String.class).zrem(TriggerKeys.due(firing.shard()), firing.id());
        if (scoringBefore == null) {
            redis.key().del(RedisKeys.SCORING);
        } else {
            redis.value(String.class).set(RedisKeys.SCORING, scoringBefore);
        }
        http.close();
    }

    private static String id() {
        return "wait-" + UUID.randomUUID().toString().substring(0, 8);
    }
}
