package io.segflow.api.triggers;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;

import com.sun.net.httpserver.HttpServer;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import io.segflow.core.json.Json;
import io.segflow.core.trigger.DeliveryEntry;
import io.segflow.core.trigger.Firing;
import io.segflow.core.trigger.TriggerKeys;
import io.segflow.testkit.KafkaAndRedisResource;
import io.segflow.testkit.RebindingNames;
import jakarta.inject.Inject;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(value = KafkaAndRedisResource.class, restrictToAnnotatedClass = false)
class TriggersResourceTest {
    private static final String SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private static final String TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    @Inject
    RedisDataSource redis;

    private static RequestSpecification admin() {
        return given().header("Authorization", "Bearer dev-admin-key").contentType(ContentType.JSON);
    }

    private static String newId() {
        return "trg-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static String reminder(String url) {
        return """
                {"name": "Cart reminder", "when": {"segment": "cart-abandoners", "change": "entered"},
                 "delay": "30m", "cooldown": "24h", "cap": {"count": 3, "per": "7d"},
                 "action": {"type": "webhook", "url": "%s", "secret": "%s"}, "enabled": true}""".formatted(url, SECRET);
    }

    @Test
    void aTriggerOnASegmentNoOneDefinedIsSavedWithAWarningNamingIt() {
        String id = newId();
        String segment = "seg-" + UUID.randomUUID().toString().substring(0, 8);
        String body = reminder("https://hooks.example.com/cart").replace("cart-abandoners", segment);
        admin().body(body).when().put("/v1/triggers/" + id)
                .then().statusCode(201).body("warnings.field", equalTo(List.of("when.segment")))
                .body("warnings[0].reason", containsString(segment));
        admin().when().get("/v1/triggers/" + id).then().statusCode(200).body("when.segment", equalTo(segment))
                .body("warnings", nullValue());

        admin().body("{\"condition\": \"count(\\\"add_to_cart\\\") >= 2\"}").when().put("/v1/segments/" + segment)
                .then().statusCode(201);
        admin().body(body).when().put("/v1/triggers/" + id).then().statusCode(200).body("warnings", nullValue());

        admin().when().delete("/v1/triggers/" + id).then().statusCode(204);
        admin().when().delete("/v1/segments/" + segment).then().statusCode(204);
    }

    @Test
    void theCartReminderIsCreatedReadListedReplacedAndDeleted() {
        String id = newId();
        long revision = revision();
        admin().body(reminder("https://hooks.example.com/cart")).when().put("/v1/triggers/" + id)
                .then().statusCode(201).body("id", equalTo(id)).body("when.segment", equalTo("cart-abandoners"))
                .body("delay", equalTo("30m")).body("cap.count", equalTo(3)).body("action.secret", equalTo(SECRET));
        assertThat(revision()).isGreaterThan(revision);
        String created = generation(id);
        assertThat(created).as("the revision its creation bumped").isEqualTo(String.valueOf(revision()));

        admin().when().get("/v1/triggers/" + id).then().statusCode(200).body("name", equalTo("Cart reminder"));
        admin().when().get("/v1/triggers").then().statusCode(200).body("triggers.id", hasItem(id));
        admin().body(reminder("https://hooks.example.com/cart2").replace("\"enabled\": true", "\"enabled\": false"))
                .when().put("/v1/triggers/" + id).then().statusCode(200).body("enabled", equalTo(false));
        assertThat(generation(id)).as("a replace keeps it: waiting firings go on").isEqualTo(created);

        admin().when().delete("/v1/triggers/" + id).then().statusCode(204);
        assertThat(generation(id)).isNull();
        admin().when().get("/v1/triggers/" + id).then().statusCode(404).body("field", equalTo("id"));
        admin().when().delete("/v1/triggers/" + id).then().statusCode(404);
        admin().when().get("/v1/triggers").then().body("triggers.id", not(hasItem(id)));

        admin().body(reminder("https://hooks.example.com/cart")).when().put("/v1/triggers/" + id).then().statusCode(201);
        assertThat(Long.parseLong(generation(id))).as("created again: the deleted one's firings are dropped")
                .isGreaterThan(Long.parseLong(created));
        admin().when().delete("/v1/triggers/" + id).then().statusCode(204);
    }

    /** A trigger stored without a generation gets 0, which keeps its per-user state under its bare id. */
    @Test
    void aTriggerStoredWithoutAGenerationGetsGenerationZeroWhenSavedAgain() {
        String id = newId();
        admin().body(reminder("https://hooks.example.com/cart")).when().put("/v1/triggers/" + id).then().statusCode(201);
        redis.hash(String.class).hdel(TriggerKeys.GENERATIONS, id); // stored without a generation

        admin().body(reminder("https://hooks.example.com/cart2")).when().put("/v1/triggers/" + id).then().statusCode(200);

        assertThat(generation(id)).isEqualTo("0");
        admin().when().delete("/v1/triggers/" + id).then().statusCode(204);
    }

    private String generation(String id) {
        return redis.hash(String.class).hget(TriggerKeys.GENERATIONS, id);
    }

    @Test
    void aBlankNameIsTheIdAsForSegments() {
        String id = newId();
        admin().body(reminder("https://hooks.example.com/cart").replace("\"Cart reminder\"", "\"\""))
                .when().put("/v1/triggers/" + id).then().statusCode(201).body("name", equalTo(id));
        admin().body(reminder("https://hooks.example.com/cart").replace("\"Cart reminder\"", "\"  \""))
                .when().put("/v1/triggers/" + id).then().statusCode(200).body("name", equalTo(id));
        admin().when().get("/v1/triggers/" + id).then().statusCode(200).body("name", equalTo(id));
        admin().when().delete("/v1/triggers/" + id).then().statusCode(204);
    }

    @Test
    void deletingAnUnknownTriggerLeavesTheRevisionAlone() {
        long revision = revision();
        admin().when().delete("/v1/triggers/" + newId()).then().statusCode(404).body("field", equalTo("id"));
        assertThat(revision()).isEqualTo(revision);
    }

    @Test
    void deletingATriggerDeletesItsDeliveriesLog() {
        String id = newId();
        admin().body(reminder("https://hooks.example.com/cart")).when().put("/v1/triggers/" + id).then().statusCode(201);
        redis.hash(String.class).hset(TriggerKeys.log(id), "d1", "{}");
        redis.sortedSet(String.class).zadd(TriggerKeys.recent(id), 1, "d1");
        admin().when().delete("/v1/triggers/" + id).then().statusCode(204);
        assertThat(redis.key().exists(TriggerKeys.log(id), TriggerKeys.recent(id))).isZero();
    }

    @Test
    void aWebhookWithoutSecretGetsANewOne() {
        admin().body("""
                {"when": {"segment": "vip", "change": "exited"}, "action": {"type": "webhook", "url": "https://h.example/x"}}""")
                .when().put("/v1/triggers/" + newId())
                .then().statusCode(201).body("action.secret", startsWith("whsec_"));
    }

    @Test
    void replacingAWebhookWithoutSecretKeepsItsSecretsSoReceiversStillVerify() {
        String id = newId();
        String body = """
                {"when": {"segment": "vip", "change": "exited"}, %s
                 "action": {"type": "webhook", "url": "https://h.example/x"}}""";
        String generated = admin().body(body.formatted("")).when().put("/v1/triggers/" + id)
                .then().statusCode(201).extract().path("action.secret");
        admin().body(body.formatted("\"cooldown\": \"1h\",")).when().put("/v1/triggers/" + id)
                .then().statusCode(200).body("cooldown", equalTo("1h")).body("action.secret", equalTo(generated));

        admin().body(reminder("https://h.example/x").replace("\"secret\": \"" + SECRET + "\"",
                "\"secrets\": [\"" + SECRET + "\", \"" + generated + "\"]")).when().put("/v1/triggers/" + id).then().statusCode(200);
        admin().body(body.formatted("")).when().put("/v1/triggers/" + id)
                .then().statusCode(200).body("action.secrets", equalTo(List.of(SECRET, generated)));
        // A trigger whose action becomes a webhook has no secret to keep: it gets a new one.
        String kafka = newId();
        admin().body("{\"when\": {\"segment\": \"vip\", \"change\": \"exited\"}, \"action\": {\"type\": \"kafka\"}}")
                .when().put("/v1/triggers/" + kafka).then().statusCode(201);
        admin().body(body.formatted("")).when().put("/v1/triggers/" + kafka)
                .then().statusCode(200).body("action.secret", startsWith("whsec_"));
        admin().when().delete("/v1/triggers/" + id).then().statusCode(204);
        admin().when().delete("/v1/triggers/" + kafka).then().statusCode(204);
    }

    @Test
    void badDefinitionsAreRefusedNamingTheField() {
        String id = newId();
        admin().body(reminder("ftp://hooks.example.com/cart")).when().put("/v1/triggers/" + id)
                .then().statusCode(400).body("error", equalTo("invalid_trigger")).body("field", equalTo("action.url"));
        admin().body("{\"when\": {\"segment\": \"a\", \"change\": \"left\"}, \"action\": {\"type\": \"kafka\"}}")
                .when().put("/v1/triggers/" + id).then().statusCode(400).body("field", equalTo("when.change"));
        admin().body("{\"when\": {\"event\": \"Order Completed\", \"condition\": \"event.properties.revenue >\"}, \"action\": {\"type\": \"kafka\"}}")
                .when().put("/v1/triggers/" + id).then().statusCode(400).body("error", equalTo("invalid_condition"))
                .body("field", equalTo("when.condition")).body("column", greaterThan(1));
        admin().body("[]").when().put("/v1/triggers/" + id).then().statusCode(400).body("field", equalTo("$"));
        admin().body(reminder("https://h.example/x")).when().put("/v1/triggers/bad id").then().statusCode(400).body("field", equalTo("id"));
        admin().when().get("/v1/triggers/" + id).then().statusCode(404);
        admin().when().get("/v1/triggers/" + id + "/deliveries").then().statusCode(404);
    }

    @Test
    void aMisspelledOrMisplacedFieldIsRefusedNotDropped() {
        // Dropped, "dealy" would fire the reminder at once, and a delay inside "when" would too.
        String id = newId();
        admin().body(reminder("https://hooks.example.com/cart").replace("\"delay\"", "\"dealy\""))
                .when().put("/v1/triggers/" + id).then().statusCode(400)
                .body("error", equalTo("invalid_trigger")).body("field", equalTo("dealy"));
        admin().body(reminder("https://hooks.example.com/cart").replace("\"change\": \"entered\"}", "\"change\": \"entered\", \"delay\": \"30m\"}"))
                .when().put("/v1/triggers/" + id).then().statusCode(400).body("field", equalTo("when.delay"));
        admin().body(reminder("https://hooks.example.com/cart").replace("\"per\"", "\"pre\""))
                .when().put("/v1/triggers/" + id).then().statusCode(400).body("field", equalTo("cap.pre"));
        admin().body(reminder("https://hooks.example.com/cart").replace("\"secret\"", "\"secert\""))
                .when().put("/v1/triggers/" + id).then().statusCode(400).body("field", equalTo("action.secert"));
        admin().when().get("/v1/triggers/" + id).then().statusCode(404);

        // What GET answers can be sent back as it is.
        admin().body(reminder("https://hooks.example.com/cart")).when().put("/v1/triggers/" + id).then().statusCode(201);
        String answered = admin().when().get("/v1/triggers/" + id).then().statusCode(200).extract().asString();
        admin().body(answered).when().put("/v1/triggers/" + id).then().statusCode(200);
        admin().when().delete("/v1/triggers/" + id).then().statusCode(204);
    }

    @Test
    void aSecretGivenInAnotherFormIsMalformedNotMissing() {
        String id = newId();
        for (String secret : new String[] {"\"nope\"", "42"}) {
            admin().body(reminder("https://hooks.example.com/cart").replace("\"" + SECRET + "\"", secret))
                    .when().put("/v1/triggers/" + id)
                    .then().statusCode(400).body("error", equalTo("invalid_trigger")).body("field", equalTo("action.secret"))
                    .body("reason", startsWith("is malformed")).body("reason", containsString("whsec_"))
                    .body("reason", not(containsString("required")));
        }
        admin().body(reminder("https://hooks.example.com/cart").replace("\"secret\": \"" + SECRET + "\"",
                        "\"secrets\": [\"" + SECRET + "\", \"nope\"]"))
                .when().put("/v1/triggers/" + id)
                .then().statusCode(400).body("field", equalTo("action.secrets[1]")).body("reason", startsWith("is malformed"));
        admin().when().get("/v1/triggers/" + id).then().statusCode(404);
    }

    @Test
    void aTestDeliveryThatCannotConnectSaysWhyInWords() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        String id = newId();
        admin().body(reminder("http://127.0.0.1:" + closedPort + "/hook")).when().put("/v1/triggers/" + id).then().statusCode(201);
        admin().when().post("/v1/triggers/" + id + "/test")
                .then().statusCode(200).body("delivered", equalTo(false)).body("status", nullValue())
                .body("error", equalTo("connection refused by 127.0.0.1:" + closedPort));

        String unresolvable = newId();
        admin().body(reminder("https://hooks.segflow.invalid/cart")).when().put("/v1/triggers/" + unresolvable).then().statusCode(201);
        admin().when().post("/v1/triggers/" + unresolvable + "/test")
                .then().statusCode(200).body("delivered", equalTo(false))
                .body("error", equalTo("refused: cannot resolve hooks.segflow.invalid"));
    }

    @Test
    void aTriggerDisabledByA410ShowsEnabledFalseUntilSavedAgain() {
        String id = newId();
        admin().body(reminder("https://hooks.example.com/cart")).when().put("/v1/triggers/" + id).then().statusCode(201);
        // As trigger-function records it when the endpoint answered 410.
        redis.hash(String.class).hset(TriggerKeys.DISABLED, id,
                Json.write(Map.of("reason", "the endpoint answered 410 Gone", "at", "2026-11-26T10:00:00Z")));

        admin().when().get("/v1/triggers/" + id).then().statusCode(200)
                .body("enabled", equalTo(false)).body("disabled.reason", containsString("410"))
                .body("disabled.at", equalTo("2026-11-26T10:00:00Z"));
        admin().when().get("/v1/triggers").then()
                .body("triggers.find { it.id == '" + id + "' }.enabled", equalTo(false));

        admin().body(reminder("https://hooks.example.com/cart")).when().put("/v1/triggers/" + id)
                .then().statusCode(200).body("enabled", equalTo(true)).body("disabled", nullValue());
        admin().when().get("/v1/triggers/" + id).then().body("enabled", equalTo(true)).body("disabled", nullValue());
        admin().when().delete("/v1/triggers/" + id).then().statusCode(204);
    }

    @Test
    void aStoredTriggerThatNoLongerReadsIsShownAsNotFiringAndCanBeSavedAgain() {
        String good = newId();
        String stale = newId();
        admin().body(reminder("https://hooks.example.com/cart")).when().put("/v1/triggers/" + good).then().statusCode(201);
        // A definition in Redis that the codec refuses (here a condition that does not parse): trigger-function skips it.
        redis.hash(String.class).hset(TriggerKeys.DEFINITIONS, stale, """
                {"id": "%s", "name": "Stale", "when": {"event": "x", "condition": "count("},
                 "action": {"type": "kafka", "topic": "segflow.triggers"}, "enabled": true}""".formatted(stale));

        admin().when().get("/v1/triggers").then().statusCode(200)
                .body("triggers.find { it.id == '" + good + "' }.enabled", equalTo(true))
                .body("triggers.find { it.id == '" + stale + "' }.enabled", equalTo(false))
                .body("triggers.find { it.id == '" + stale + "' }.invalid.field", equalTo("when.condition"));
        admin().when().get("/v1/triggers/" + stale).then().statusCode(200)
                .body("name", equalTo("Stale")).body("enabled", equalTo(false))
                .body("invalid.field", equalTo("when.condition")).body("invalid.reason", not(nullValue()));
        admin().when().get("/v1/triggers/" + stale + "/deliveries").then().statusCode(200);
        admin().when().post("/v1/triggers/" + stale + "/test").then().statusCode(409).body("field", equalTo("when.condition"));

        admin().body(reminder("https://hooks.example.com/cart")).when().put("/v1/triggers/" + stale)
                .then().statusCode(200).body("enabled", equalTo(true)).body("invalid", nullValue());
        admin().when().delete("/v1/triggers/" + stale).then().statusCode(204);
        admin().when().delete("/v1/triggers/" + good).then().statusCode(204);
    }

    @Test
    void aDeliveryOfADisabledTriggerIsNotReplayedUntilTheTriggerIsEnabled() {
        String id = newId();
        String disabled = reminder("https://hooks.example.com/cart").replace("\"enabled\": true", "\"enabled\": false");
        admin().body(disabled).when().put("/v1/triggers/" + id).then().statusCode(201);
        Instant at = Instant.parse("2026-11-26T10:00:00Z");
        Firing firing = new Firing(Firing.idOf(id, "u1", "3"), id, "u1", Firing.ENTERED, "cart-abandoners", 3L, null, at,
                "event:m1", null, TriggerKeys.changesShard(0), Firing.Stage.DELIVER, 1, at, null, null);
        redis.hash(String.class).hset(TriggerKeys.log(id), firing.id(), Json.write(new DeliveryEntry(firing.id(), "u1",
                DeliveryEntry.Status.DEAD, 1, 410, "HTTP 410", 12L, null, null, at, firing)));

        // trigger-function would only cancel it: say so instead of "scheduled".
        admin().when().post("/v1/triggers/" + id + "/deliveries/" + firing.id() + "/replay")
                .then().statusCode(409).body("error", equalTo("trigger_disabled")).body("field", equalTo("enabled"));
        admin().body(reminder("https://hooks.example.com/cart")).when().put("/v1/triggers/" + id).then().statusCode(200);
        // As trigger-function records a 410.
        redis.hash(String.class).hset(TriggerKeys.DISABLED, id, Json.write(Map.of("reason", "410", "at", "2026-11-26T10:00:00Z")));
        admin().when().post("/v1/triggers/" + id + "/deliveries/" + firing.id() + "/replay").then().statusCode(409);
        assertThat(redis.hash(String.class).hget(TriggerKeys.jobs(firing.shard()), firing.id())).isNull();

        admin().body(reminder("https://hooks.example.com/cart")).when().put("/v1/triggers/" + id).then().statusCode(200);
        admin().when().post("/v1/triggers/" + id + "/deliveries/" + firing.id() + "/replay")
                .then().statusCode(202).body("status", equalTo("scheduled"));
        redis.sortedSet(String.class).zrem(TriggerKeys.due(firing.shard()), firing.id());
        redis.hash(String.class).hdel(TriggerKeys.jobs(firing.shard()), firing.id());
        admin().when().delete("/v1/triggers/" + id).then().statusCode(204);
    }

    @Test
    void triggersNeedTheAdminKey() {
        given().when().get("/v1/triggers").then().statusCode(401).body("field", equalTo("Authorization"));
        given().header("Authorization", "Bearer test-server-key-0123456789").when().get("/v1/triggers")
                .then().statusCode(403);
    }

    @Test
    void aTestDeliveryIsSignedAsStandardWebhooksSays() throws Exception {
        List<Map<String, String>> received = new CopyOnWriteArrayList<>();
        HttpServer receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/hook", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            received.add(Map.of("id", exchange.getRequestHeaders().getFirst("webhook-id"),
                    "timestamp", exchange.getRequestHeaders().getFirst("webhook-timestamp"),
                    "signature", exchange.getRequestHeaders().getFirst("webhook-signature"),
                    "body", new String(body, StandardCharsets.UTF_8)));
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        receiver.start();
        try {
            String id = newId();
            admin().body(reminder("http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook"))
                    .when().put("/v1/triggers/" + id).then().statusCode(201);

            admin().when().post("/v1/triggers/" + id + "/test")
                    .then().statusCode(200).body("delivered", equalTo(true)).body("status", equalTo(204)).body("error", nullValue());

            assertThat(received).hasSize(1);
            Map<String, String> call = received.get(0);
            assertThat(call.get("body")).contains("\"type\":\"trigger.test\"").contains(id);
            assertThat(call.get("signature")).isEqualTo("v1," + hmac(call.get("id") + "." + call.get("timestamp") + "." + call.get("body")));
        } finally {
            receiver.stop(0);
        }
    }

    @Test
    void aTestDeliveryConnectsToTheAddressTheGuardCheckedNotToWhatASecondLookupSays() throws Exception {
        List<String> hosts = new CopyOnWriteArrayList<>();
        HttpServer receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/hook", exchange -> {
            hosts.add(exchange.getRequestHeaders().getFirst("Host"));
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        receiver.start();
        try {
            // The name answers the receiver's address to one lookup and an address where nothing listens to the next.
            String host = "hooks-" + UUID.randomUUID().toString().substring(0, 8) + RebindingNames.SUFFIX;
            String id = newId();
            admin().body(reminder("http://" + host + ":" + receiver.getAddress().getPort() + "/hook"))
                    .when().put("/v1/triggers/" + id).then().statusCode(201);

            admin().when().post("/v1/triggers/" + id + "/test")
                    .then().statusCode(200).body("delivered", equalTo(true)).body("status", equalTo(204));

            assertThat(hosts).singleElement().asString().startsWith(host + ":");
        } finally {
            receiver.stop(0);
        }
    }

    @Test
    void aLoggedDeliveryIsReplayedIntoItsShardsScheduleWithTheSameId() {
        String id = newId();
        admin().body(reminder("https://hooks.example.com/cart")).when().put("/v1/triggers/" + id).then().statusCode(201);
        Instant at = Instant.parse("2026-11-26T10:00:00Z");
        Firing firing = new Firing(Firing.idOf(id, "u1", "3"), id, "u1", Firing.ENTERED, "cart-abandoners", 3L, null, at,
                "event:m1", TRACEPARENT, TriggerKeys.changesShard(0), Firing.Stage.DELIVER, 7, at.plusSeconds(1800), null, 1L);
        DeliveryEntry dead = new DeliveryEntry(firing.id(), "u1", DeliveryEntry.Status.DEAD, 7, 500, "HTTP 500", 12L, null,
                null, at, firing);
        redis.hash(String.class).hset(TriggerKeys.log(id), firing.id(), Json.write(dead));
        redis.sortedSet(String.class).zadd(TriggerKeys.recent(id), at.toEpochMilli(), firing.id());

        admin().when().get("/v1/triggers/" + id + "/deliveries").then().statusCode(200)
                .body("triggerId", equalTo(id)).body("keySet()", containsInAnyOrder("triggerId", "deliveries"))
                .body("deliveries[0].id", equalTo(firing.id())).body("deliveries[0].status", equalTo("dead"))
                .body("deliveries[0].lastStatus", equalTo(500))
                // What fired and when, with its trace; not where trigger-function keeps it.
                .body("deliveries[0].firing.keySet()", containsInAnyOrder("kind", "segmentId", "version", "at", "cause",
                        "firedAt", "traceparent"))
                .body("deliveries[0].firing.kind", equalTo("segment.entered"))
                .body("deliveries[0].firing.firedAt", equalTo("2026-11-26T10:30:00Z"))
                .body("deliveries[0].firing.traceparent", equalTo(TRACEPARENT));
        admin().when().post("/v1/triggers/" + id + "/deliveries/" + firing.id() + "/replay")
                .then().statusCode(202).body("status", equalTo("scheduled"))
                .body("firing.keySet()", not(hasItem("shard"))).body("firing.keySet()", not(hasItem("stage")));

        Firing scheduled = Json.read(redis.hash(String.class).hget(TriggerKeys.jobs(firing.shard()), firing.id()), Firing.class);
        assertThat(scheduled.id()).isEqualTo(firing.id());
        assertThat(scheduled.attempts()).isZero();
        assertThat(scheduled.generation()).as("delivered by the trigger as it is now").isNull();
        assertThat(redis.sortedSet(String.class).zscore(TriggerKeys.due(firing.shard()), firing.id())).isPresent();
        admin().when().post("/v1/triggers/" + id + "/deliveries/nope/replay").then().statusCode(404).body("field", equalTo("deliveryId"));
        admin().when().get("/v1/triggers/" + id + "/deliveries?limit=0").then().statusCode(400).body("field", equalTo("limit"));
        redis.sortedSet(String.class).zrem(TriggerKeys.due(firing.shard()), firing.id());
        redis.hash(String.class).hdel(TriggerKeys.jobs(firing.shard()), firing.id());
    }

    /** An independent check: HMAC-SHA256 under the base64-decoded secret, as the specification words it. */
    private static String hmac(String content) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(Base64.getDecoder().decode(SECRET.substring("whsec_".length())), "HmacSHA256"));
        return Base64.getEncoder().encodeToString(mac.doFinal(content.getBytes(StandardCharsets.UTF_8)));
    }

    private long revision() {
        String stored = redis.value(String.class).get(TriggerKeys.REVISION);
        return stored == null ? 0 : Long.parseLong(stored);
    }
}
