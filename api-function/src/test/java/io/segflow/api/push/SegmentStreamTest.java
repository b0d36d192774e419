package io.segflow.api.push;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.junit.QuarkusTest;
import io.segflow.api.support.PushTest;
import io.segflow.api.support.SseClient;
import io.segflow.api.support.SseClient.Event;
import io.segflow.api.support.TestTokens;
import io.segflow.api.support.UserFixtures;
import io.segflow.core.json.Json;
import io.segflow.core.membership.SegmentChange;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

@QuarkusTest
class SegmentStreamTest extends PushTest {

    private SseClient stream(String user, Map<String, String> headers) throws Exception {
        return SseClient.open(URI.create(base + "v1/users/" + user + "/segments/stream"), headers);
    }

    private static Map<String, String> token(String user) {
        return Map.of("Authorization", "Bearer " + TestTokens.forUser(user));
    }

    /** The user's token, and the id of the last event the client had. */
    private static Map<String, String> resumingFrom(String user, String lastEventId) {
        return Map.of("Authorization", "Bearer " + TestTokens.forUser(user), "Last-Event-ID", lastEventId);
    }

    @Test
    void firstTheStateThenEachChangeWithTheVersionAndTheSegmentsHeldAsId() throws Exception {
        String user = "sse-" + UUID.randomUUID();
        try (UserFixtures fixtures = new UserFixtures(redis)) {
            fixtures.store(user, Map.of("vip", Instant.now()), 4);
            try (SseClient client = stream(user, token(user))) {
                Event state = client.next();
                assertThat(state.name()).isEqualTo("state");
                assertThat(state.id()).as("version 4, [vip]").isEqualTo("4.bec09dce");
                JsonNode body = Json.read(state.data(), JsonNode.class);
                assertThat(body.get("segments").get(0).get("id").asText()).isEqualTo("vip");

                fixtures.enter(user, "carts", 5);
                Event entered = nextChange(client, user, "5");
                assertThat(entered.id()).as("version 5, [carts, vip]").isEqualTo("5.7416d67d");
                JsonNode change = Json.read(entered.data(), JsonNode.class);
                assertThat(change.get("segmentId").asText()).isEqualTo("carts");
                assertThat(change.get("change").asText()).isEqualTo("entered");

                fixtures.exit(user, "vip", 6);
                Event exited = client.next();
                assertThat(exited.id()).as("version 6, [carts]").isEqualTo("6.8cf2511a");
                assertThat(Json.read(exited.data(), JsonNode.class).get("change").asText()).isEqualTo("exited");
            }
        }
    }

    @Test
    void eventsOnTheWireAreIdEventRetryAndDataOnly() throws Exception {
        String user = "sse-" + UUID.randomUUID();
        Instant since = Instant.parse("2026-11-26T04:33:16.364Z");
        try (UserFixtures fixtures = new UserFixtures(redis)) {
            fixtures.store(user, Map.of("vip", since), 4);
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            HttpResponse<InputStream> response = http.send(HttpRequest.newBuilder(URI.create(base + "v1/users/" + user + "/segments/stream"))
                    .header("Authorization", "Bearer " + TestTokens.forUser(user)).build(), HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream body = response.body()) {
                assertThat(response.headers().firstValue("Content-Type")).hasValue("text/event-stream");
                assertThat(nextEvent(body)).isEqualTo("id:4.bec09dce\nevent:state\nretry:2000\ndata:{\"userId\":\"" + user
                        + "\",\"segments\":[{\"id\":\"vip\",\"since\":\"2026-11-26T04:33:16.364Z\"}],\"version\":4}\n\n");
                SegmentChange entered = fixtures.enter(user, "carts", 5);
                assertThat(nextEvent(body)).isEqualTo("id:5.7416d67d\nevent:change\ndata:{\"userId\":\"" + user
                        + "\",\"segmentId\":\"carts\",\"change\":\"entered\",\"at\":\"" + entered.at() + "\",\"version\":5}\n\n");
            } finally {
                http.shutdownNow();
            }
        }
    }

    /** The raw text of the next event up to and including its blank line; heartbeat comments are skipped. */
    private static String nextEvent(InputStream body) throws Exception {
        while (true) {
            ByteArrayOutputStream event = new ByteArrayOutputStream();
            int previous = -1;
            for (int b = body.read(); b >= 0; b = body.read()) {
                event.write(b);
                if (b == '\n' && previous == '\n') {
                    break;
                }
                previous = b;
            }
            String text = event.toString(StandardCharsets.UTF_8);
            if (!text.startsWith(":")) {
                return text;
            }
        }
    }

    @Test
    void anotherUsersChangesAreNotSent() throws Exception {
        String user = "sse-" + UUID.randomUUID();
        String other = "sse-" + UUID.randomUUID();
        try (UserFixtures fixtures = new UserFixtures(redis); SseClient client = stream(user, token(user))) {
            assertThat(client.next().name()).isEqualTo("state");
            fixtures.enter(other, "vip", 1);
            fixtures.enter(user, "carts", 1);
            Event next = client.next();
            assertThat(Json.read(next.data(), JsonNode.class).get("userId").asText()).isEqualTo(user);
        }
    }

    @Test
    void anUnreadableRecordIsSkippedAndTheChangeAfterItInTheBatchIsPushed() throws Exception {
        String user = "sse-" + UUID.randomUUID();
        try (UserFixtures fixtures = new UserFixtures(redis); SseClient client = stream(user, token(user))) {
            assertThat(client.next().name()).isEqualTo("state");
            // In one batch: the unreadable record must not cost the change after it.
            fixtures.store(user, Map.of("carts", Instant.now()), 1);
            fixtures.publishRaw(user, "{not a change",
                    Json.write(new SegmentChange(user, "carts", SegmentChange.ENTERED, Instant.now(), 1, "event:x")));
            nextChange(client, user, "1");
        }
    }

    @Test
    void aChangeRecordWithoutAKeyIsPushedByItsUserId() throws Exception {
        String user = "sse-" + UUID.randomUUID();
        try (UserFixtures fixtures = new UserFixtures(redis); SseClient client = stream(user, token(user))) {
            assertThat(client.next().name()).isEqualTo("state");
            fixtures.store(user, Map.of("carts", Instant.now()), 1);
            fixtures.publishRaw(null, Json.write(new SegmentChange(user, "carts", SegmentChange.ENTERED, Instant.now(), 1, "event:x")));
            nextChange(client, user, "1");
        }
    }

    @Test
    void resumingAtTheCurrentVersionSendsOnlyLaterChanges() throws Exception {
        String user = "sse-" + UUID.randomUUID();
        try (UserFixtures fixtures = new UserFixtures(redis)) {
            fixtures.store(user, Map.of("vip", Instant.now()), 7);
            Map<String, String> headers = resumingFrom(user, "7.bec09dce");
            try (SseClient client = stream(user, headers)) {
                fixtures.enter(user, "carts", 8);
                assertThat(nextChange(client, user, "8").id()).isEqualTo("8.7416d67d");
            }
        }
    }

    @Test
    void resumingWithAVersionAloneSendsTheState() throws Exception {
        String user = "sse-" + UUID.randomUUID();
        try (UserFixtures fixtures = new UserFixtures(redis)) {
            fixtures.store(user, Map.of("vip", Instant.now()), 7);
            // The segments the client holds are unknown: it gets them.
            Map<String, String> headers = resumingFrom(user, "7");
            try (SseClient client = stream(user, headers)) {
                Event state = client.next();
                assertThat(state.name()).isEqualTo("state");
                assertThat(state.id()).isEqualTo("7.bec09dce");
            }
        }
    }

    @Test
    void resumingAtTheVersionOfAnErasedProfileSendsTheNewProfilesState() throws Exception {
        String user = "sse-" + UUID.randomUUID();
        try (UserFixtures fixtures = new UserFixtures(redis)) {
            fixtures.store(user, Map.of("viewers", Instant.now()), 1);
            try (SseClient client = stream(user, token(user))) {
                assertThat(client.next().id()).isEqualTo("1.ce6812da");
            }
            // Erased, then a new profile whose versions start again from 1: version 1 again, other segments.
            fixtures.store(user, Map.of("buyers", Instant.now()), 1);
            Map<String, String> headers = resumingFrom(user, "1.ce6812da");
            try (SseClient client = stream(user, headers)) {
                fixtures.enter(user, "carts", 2);
                Event state = client.next();
                assertThat(state.name()).as("the new profile's state, before its next change").isEqualTo("state");
                assertThat(state.id()).isEqualTo("1.c443a251");
                assertThat(Json.read(state.data(), JsonNode.class).get("segments").findValuesAsText("id")).containsExactly("buyers");
            }
        }
    }

    @Test
    void resumingFromAnOlderVersionSendsTheCurrentStateSoNothingIsLost() throws Exception {
        String user = "sse-" + UUID.randomUUID();
        try (UserFixtures fixtures = new UserFixtures(redis)) {
            // Versions 8 and 9 were published while the browser was away.
            fixtures.store(user, Map.of("vip", Instant.now(), "carts", Instant.now()), 9);
            Map<String, String> headers = resumingFrom(user, "7");
            try (SseClient client = stream(user, headers)) {
                Event state = client.next();
                assertThat(state.name()).isEqualTo("state");
                assertThat(state.version()).isEqualTo("9");
                assertThat(Json.read(state.data(), JsonNode.class).get("segments").size()).isEqualTo(2);
            }
        }
    }

    @Test
    void aGapInVersionsSendsTheStateAgain() throws Exception {
        String user = "sse-" + UUID.randomUUID();
        try (UserFixtures fixtures = new UserFixtures(redis); SseClient client = stream(user, token(user))) {
            assertThat(client.next().version()).isEqualTo("0");
            fixtures.store(user, Map.of("vip", Instant.now(), "carts", Instant.now()), 2);
            fixtures.publish(new SegmentChange(user, "carts", SegmentChange.ENTERED, Instant.now(), 2, "event:x"));
            Event state = client.next();
            assertThat(state.name()).isEqualTo("state");
            assertThat(state.version()).isEqualTo("2");
        }
    }

    @Test
    void aRepublishedChangeIsNotSentTwice() throws Exception {
        String user = "sse-" + UUID.randomUUID();
        try (UserFixtures fixtures = new UserFixtures(redis)) {
            fixtures.store(user, Map.of("vip", Instant.now()), 1);
            try (SseClient client = stream(user, token(user))) {
                assertThat(client.next().version()).isEqualTo("1");
                SegmentChange entered = fixtures.enter(user, "carts", 2);
                assertThat(client.next().version()).isEqualTo("2");
                // segment-function publishes at least once: after a crash the same (userId, version) comes again.
                // One user's records keep their order, so had the copy been sent it would come before version 3.
                fixtures.publish(entered);
                fixtures.exit(user, "vip", 3);
                nextChange(client, user, "3");
            }
        }
    }

    @Test
    void anErasureRequestClosesTheUsersStreams() throws Exception {
        String user = "sse-" + UUID.randomUUID();
        try (SseClient client = stream(user, token(user))) {
            assertThat(client.next().name()).isEqualTo("state");
            given().header("Authorization", "Bearer dev-admin-key").when().delete("/v1/users/" + user).then().statusCode(202);
            await().atMost(Duration.ofSeconds(30)).until(client::ended);
        }
    }

    @Test
    void theExitsOfAnErasureAreSentThenItsErasedRecordClosesTheStreamSoTheNextVersionsFromOneArrive() throws Exception {
        String user = "sse-" + UUID.randomUUID();
        try (UserFixtures fixtures = new UserFixtures(redis)) {
            fixtures.store(user, Map.of("vip", Instant.now()), 4);
            try (SseClient client = stream(user, token(user))) {
                assertThat(client.next().version()).isEqualTo("4");
                // What segment-function does on an erasure: the record goes, the exits continue the user's versions.
                redis.key().del(UserFixtures.key(user));
                fixtures.publish(new SegmentChange(user, "vip", SegmentChange.EXITED, Instant.now(), 5, SegmentChange.ERASURE));
                Event exited = client.next();
                assertThat(exited.version()).isEqualTo("5");
                assertThat(Json.read(exited.data(), JsonNode.class).get("change").asText()).isEqualTo("exited");
                fixtures.publish(SegmentChange.erased(user, Instant.now(), 6));
                await().atMost(Duration.ofSeconds(30)).until(client::ended);
            }
            // The browser reconnects with the last id it had; the erased user starts again from version 0.
            Map<String, String> headers = resumingFrom(user, "5");
            try (SseClient client = stream(user, headers)) {
                Event state = client.next();
                assertThat(state.name()).isEqualTo("state");
                assertThat(state.version()).isEqualTo("0");
                fixtures.enter(user, "carts", 1);
                assertThat(client.next().version()).isEqualTo("1");
            }
        }
    }

    @Test
    void theErasedRecordOfAUserWithoutMembershipsClosesItsStreamsToo() throws Exception {
        String user = "sse-" + UUID.randomUUID();
        try (UserFixtures fixtures = new UserFixtures(redis)) {
            fixtures.store(user, Map.of(), 4); // entered and exited before: nothing to exit on erasure
            try (SseClient client = stream(user, token(user))) {
                assertThat(client.next().version()).isEqualTo("4");
                redis.key().del(UserFixtures.key(user));
                fixtures.publish(SegmentChange.erased(user, Instant.now(), 5));
                await().atMost(Duration.ofSeconds(30)).until(client::ended);
            }
            // Had it stayed open, the next profile's versions 1 to 4 would have been dropped as already sent.
            try (SseClient client = stream(user, token(user))) {
                assertThat(client.next().version()).isEqualTo("0");
                fixtures.enter(user, "carts", 1);
                assertThat(client.next().version()).isEqualTo("1");
            }
        }
    }

    @Test
    void onlyAllowListedSegmentsAreStreamed() throws Exception {
        String user = "sse-" + UUID.randomUUID();
        Map<String, String> headers = Map.of("Authorization", "Bearer " + TestTokens.forUser(user, List.of("carts")));
        try (UserFixtures fixtures = new UserFixtures(redis)) {
            fixtures.store(user, Map.of("vip", Instant.now()), 1);
            try (SseClient client = stream(user, headers)) {
                assertThat(Json.read(client.next().data(), JsonNode.class).get("segments").size()).isZero();
                fixtures.enter(user, "secret-segment", 2);
                fixtures.enter(user, "carts", 3);
                Event next = client.next();
                assertThat(next.version()).isEqualTo("3");
                assertThat(Json.read(next.data(), JsonNode.class).get("segmentId").asText()).isEqualTo("carts");
            }
        }
    }

    @Test
    void theTokenMayComeAsAQueryParameterAndIsChecked() throws Exception {
        String user = "sse-" + UUID.randomUUID();
        try (SseClient ok = SseClient.open(URI.create(base + "v1/users/" + user + "/segments/stream?access_token="
                + TestTokens.forUser(user)), Map.of())) {
            assertThat(ok.next().name()).isEqualTo("state");
        }
        try (SseClient none = stream(user, Map.of())) {
            assertThat(none.status()).isEqualTo(401);
            assertThat(none.body()).contains("\"field\":\"token\"");
        }
        try (SseClient other = stream(user, token("someone-else"))) {
            assertThat(other.status()).isEqualTo(403);
        }
        try (SseClient bad = stream(user, resumingFrom(user, "soon"))) {
            assertThat(bad.status()).isEqualTo(400);
            assertThat(bad.body()).contains("Last-Event-ID");
        }
    }

    @Test
    void heartbeatsKeepIdleStreamsAlive() throws Exception {
        String user = "sse-" + UUID.randomUUID();
        try (SseClient client = stream(user, token(user))) {
            assertThat(client.nextComment().comment()).isEqualTo("heartbeat");
        }
    }

    @Test
    void aClosedStreamIsForgotten() throws Exception {
        String user = "sse-" + UUID.randomUUID();
        SseClient client = stream(user, token(user));
        client.next();
        // Counted per user: the streams of other tests may still be closing, and the total moves with them.
        assertThat(hub.openConnections(user)).isEqualTo(1);
        client.close();
        await().atMost(Duration.ofSeconds(30)).until(() -> hub.openConnections(user) == 0);
    }
}
