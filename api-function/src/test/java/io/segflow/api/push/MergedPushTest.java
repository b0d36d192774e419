package io.segflow.api.push;

import static io.segflow.api.push.SocketMessages.collector;
import static io.segflow.api.push.SocketMessages.next;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.junit.QuarkusTest;
import io.segflow.api.support.PushTest;
import io.segflow.api.support.SseClient;
import io.segflow.api.support.SseClient.Event;
import io.segflow.api.support.TestTokens;
import io.segflow.api.support.UserFixtures;
import io.segflow.core.identity.Identity;
import io.segflow.core.json.Json;
import io.segflow.core.membership.Memberships;
import io.segflow.core.membership.SegmentChange;
import io.segflow.core.profile.Profile;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Streams on an id merged into another user (an anonymousId after an identify): they carry that user's state and
 * changes, also when the merge happens while they are open, with event ids that name the user.
 */
@QuarkusTest
class MergedPushTest extends PushTest {

    private SseClient stream(String user, Map<String, String> headers) throws Exception {
        return SseClient.open(URI.create(base + "v1/users/" + encoded(user) + "/segments/stream"), headers);
    }

    private static Map<String, String> token(String user) {
        return Map.of("Authorization", "Bearer " + TestTokens.forUser(user));
    }

    private static JsonNode json(Event event) {
        return Json.read(event.data(), JsonNode.class);
    }

    /** A user id with a space, so that event ids show its URI encoding. */
    private static String newUser() {
        return "user " + UUID.randomUUID();
    }

    private static String encoded(String user) {
        return user.replace(" ", "%20");
    }

    /** Stores a user whose record lists {@code merged} as merged into it (its owner took that profile in). */
    private static void storeWithMerged(UserFixtures fixtures, String user, Map<String, Instant> segments, long version,
                                        String merged) {
        Identity identity = new Identity();
        identity.merged(merged);
        fixtures.store(user, new Memberships(segments, version), identity, new Profile(user));
    }

    /** The user (in vip at version 2) takes the merged id's profile in: it is listed, and brought browsing (version 3). */
    private static void takeTheMergedProfileIn(UserFixtures fixtures, String user, String merged) {
        Instant now = Instant.now();
        storeWithMerged(fixtures, user, Map.of("vip", now, "browsing", now), 3, merged);
        fixtures.publish(new SegmentChange(user, "browsing", SegmentChange.ENTERED, now, 3, SegmentChange.causedByMerge(merged)));
    }

    /** The next event is the user's state with the merge in; the merge's change is in it, so the next is the user's next. */
    private static void assertTheMergedStateIsSentOnce(SseClient client, UserFixtures fixtures, String user, String merged)
            throws InterruptedException {
        Event state = client.next();
        assertThat(state.name()).isEqualTo("state");
        assertThat(state.id()).as("version 3, [browsing, vip]").isEqualTo("3.d001da09@" + encoded(user));
        assertThat(json(state).get("mergedFrom").asText()).isEqualTo(merged);
        assertThat(json(state).get("segments").findValuesAsText("id")).containsExactly("browsing", "vip");
        fixtures.enter(user, "carts", 4);
        client.nextChange("4@" + encoded(user));
    }

    @Test
    void anOpenStreamMovesOnToTheUserItsIdIsMergedIntoWithoutTheMergesExits() throws Exception {
        String anonymous = "anon-" + UUID.randomUUID();
        String user = newUser();
        try (UserFixtures fixtures = new UserFixtures(redis)) {
            fixtures.store(anonymous, Map.of("browsing", Instant.now(), "carts", Instant.now()), 3);
            // The user's owner was quick: its record lists the merged id by the time the stream moves on.
            storeWithMerged(fixtures, user, Map.of("vip", Instant.now()), 5, anonymous);
            try (SseClient client = stream(anonymous, token(anonymous))) {
                Event first = client.next();
                assertThat(first.name()).isEqualTo("state");
                assertThat(first.version()).isEqualTo("3");

                // Exits of both memberships (versions 4, 5, cause merged-into:<user>), then the merged record (6).
                assertThat(fixtures.merge(anonymous, user)).isEqualTo(6);
                Event moved = client.next();
                assertThat(moved.name()).isEqualTo("state");
                assertThat(moved.version()).isEqualTo("5@" + encoded(user));
                JsonNode state = json(moved);
                assertThat(state.get("userId").asText()).isEqualTo(user);
                assertThat(state.get("mergedFrom").asText()).isEqualTo(anonymous);
                assertThat(state.get("segments").get(0).get("id").asText()).isEqualTo("vip");
                assertThat(state.get("version").asLong()).isEqualTo(5);

                // The user's own changes follow: those the merge caused (cause merged:<anonymous>), then later ones.
                fixtures.enter(user, "browsing", 6);
                fixtures.exit(user, "vip", 7);
                Event entered = client.next();
                assertThat(entered.name()).as("no exit of the merged id in between").isEqualTo("change");
                assertThat(entered.version()).isEqualTo("6@" + encoded(user));
                assertThat(json(entered).get("userId").asText()).isEqualTo(user);
                assertThat(json(entered).get("segmentId").asText()).isEqualTo("browsing");
                Event exited = client.next();
                assertThat(exited.version()).isEqualTo("7@" + encoded(user));
                assertThat(json(exited).get("change").asText()).isEqualTo("exited");
                // A record of the merged id republished after a crash changes nothing.
                fixtures.publish(SegmentChange.merged(anonymous, user, Instant.now(), 6));
                fixtures.enter(user, "carts", 8);
                assertThat(client.next().version()).isEqualTo("8@" + encoded(user));
            }
        }
    }

    @Test
    void anOpenStreamWaitsForTheUserToTakeTheMergedProfileInBeforeSendingItsState() throws Exception {
        String anonymous = "anon-" + UUID.randomUUID();
        String user = newUser();
        try (UserFixtures fixtures = new UserFixtures(redis)) {
            fixtures.store(anonymous, Map.of("browsing", Instant.now()), 1);
            fixtures.store(user, Map.of("vip", Instant.now()), 2);
            try (SseClient client = stream(anonymous, token(anonymous))) {
                assertThat(client.next().version()).isEqualTo("1");

                // The merged id's side (its exit, its merged record) while the user's record is still the one before.
                fixtures.merge(anonymous, user);
                await().atMost(Duration.ofSeconds(30)).until(() -> hub.openConnections(user) == 1);
                Thread.sleep(2 * PushSession.MERGE_RECHECK_MILLIS); // a few reads of the user without the merge
                assertThat(client.poll()).as("no state of the user before the merge is in").isNull();

                // The user's owner takes the profile in: the merged id is listed, the merge brought browsing back.
                takeTheMergedProfileIn(fixtures, user, anonymous);
                assertTheMergedStateIsSentOnce(client, fixtures, user, anonymous);
            }
        }
    }

    @Test
    void aStreamOpenedBeforeTheUserTookTheMergedProfileInWaitsForIt() throws Exception {
        String anonymous = "anon-" + UUID.randomUUID();
        String user = newUser();
        try (UserFixtures fixtures = new UserFixtures(redis)) {
            // The merged id is a forward already; the user's owner has not taken its profile in yet.
            fixtures.store(user, Map.of("vip", Instant.now()), 2);
            fixtures.forward(anonymous, 2, user);
            try (SseClient client = stream(anonymous, token(anonymous))) {
                assertThat(client.status()).isEqualTo(200);
                Thread.sleep(2 * PushSession.MERGE_RECHECK_MILLIS); // a few reads of the user without the merge
                assertThat(client.poll()).as("no state of the user before the merge is in").isNull();

                takeTheMergedProfileIn(fixtures, user, anonymous);
                assertTheMergedStateIsSentOnce(client, fixtures, user, anonymous);
            }
        }
    }

    @Test
    void aUsersExitsCausedByTakingInAMergedProfileAreSentAsChanges() throws Exception {
        String user = newUser();
        try (UserFixtures fixtures = new UserFixtures(redis)) {
            fixtures.store(user, Map.of("new-visitor", Instant.now()), 2);
            try (SseClient client = stream(user, token(user))) {
                assertThat(client.next().version()).isEqualTo("2");
                fixtures.store(user, Map.of(), 3);
                fixtures.publish(new SegmentChange(user, "new-visitor", SegmentChange.EXITED, Instant.now(), 3,
                        SegmentChange.causedByMerge("anon-" + UUID.randomUUID())));
                client.nextChange("3");
            }
        }
    }

    @Test
    void aStreamOpenedOnAMergedIdCarriesTheUsersChangesAndResumesByTheUsersVersion() throws Exception {
        String anonymous = "anon-" + UUID.randomUUID();
        String user = newUser();
        try (UserFixtures fixtures = new UserFixtures(redis)) {
            // The merged id ended at version 3, the user is at 3 too: "3" is not the user's 3.
            storeWithMerged(fixtures, user, Map.of("vip", Instant.now()), 3, anonymous);
            fixtures.forward(anonymous, 3, user);
            Map<String, String> resumeAtPlain3 = Map.of("Authorization", "Bearer " + TestTokens.forUser(anonymous),
                    "Last-Event-ID", "3");
            try (SseClient client = stream(anonymous, resumeAtPlain3)) {
                Event state = client.next();
                assertThat(state.name()).isEqualTo("state");
                assertThat(state.version()).isEqualTo("3@" + encoded(user));
                assertThat(json(state).get("userId").asText()).isEqualTo(user);
                fixtures.enter(user, "carts", 4);
                Event entered = client.next();
                assertThat(entered.version()).isEqualTo("4@" + encoded(user));
            }
            // The browser reconnects with the last id it had: nothing is resent, later changes come.
            Map<String, String> resume = Map.of("Authorization", "Bearer " + TestTokens.forUser(anonymous),
                    "Last-Event-ID", "4.7416d67d@" + encoded(user)); // [carts, vip]
            try (SseClient client = stream(anonymous, resume)) {
                fixtures.enter(user, "big-spender", 5);
                client.nextChange("5@" + encoded(user));
            }
            Map<String, String> bad = Map.of("Authorization", "Bearer " + TestTokens.forUser(anonymous),
                    "Last-Event-ID", "5@bad%zz");
            try (SseClient client = stream(anonymous, bad)) {
                assertThat(client.status()).isEqualTo(400);
            }
        }
    }

    @Test
    void aMergedRecordWithoutSegmentBreaksNothing() throws Exception {
        String user = "sse-" + UUID.randomUUID();
        String stranger = "anon-" + UUID.randomUUID();
        try (UserFixtures fixtures = new UserFixtures(redis)) {
            fixtures.store(user, Map.of("vip", Instant.now()), 1);
            try (SseClient client = stream(user, Map.of("Authorization",
                    "Bearer " + TestTokens.forUser(user, List.of("vip", "carts"))))) {
                assertThat(client.next().version()).isEqualTo("1");
                // A merged record of an id nobody listens to, one of this user at a version it has, and a malformed
                // one (merged, without cause): all pass without a message, a closed stream or a stuck consumer.
                fixtures.publish(SegmentChange.merged(stranger, user, Instant.now(), 1));
                fixtures.publish(SegmentChange.merged(user, "elsewhere", Instant.now(), 1));
                fixtures.publish(new SegmentChange(stranger, null, SegmentChange.MERGED, Instant.now(), 2, null));
                fixtures.enter(user, "carts", 2);
                client.nextChange("2");
            }
        }
        given().when().get("/q/health/ready").then().statusCode(200);
        given().header("Authorization", "Bearer " + TestTokens.forUser(stranger)).when()
                .get("/v1/users/" + stranger + "/segments").then().statusCode(200);
    }

    @Test
    void anErasureOfTheUserClosesStreamsOpenedOnIdsMergedIntoIt() throws Exception {
        String anonymous = "anon-" + UUID.randomUUID();
        String user = newUser();
        try (UserFixtures fixtures = new UserFixtures(redis); SseClient client = streamOnForward(fixtures, anonymous, user)) {
            redis.key().del(UserFixtures.key(user), UserFixtures.key(anonymous));
            fixtures.publish(new SegmentChange(user, "vip", SegmentChange.EXITED, Instant.now(), 3, SegmentChange.ERASURE));
            assertThat(client.next().version()).isEqualTo("3@" + encoded(user));
            fixtures.publish(SegmentChange.erased(user, Instant.now(), 4));
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30)).until(client::ended);
        }
    }

    @Test
    void anErasureOfAMergedIdClosesItsStreamsThatFollowTheUser() throws Exception {
        String anonymous = "anon-" + UUID.randomUUID();
        String user = newUser();
        try (UserFixtures fixtures = new UserFixtures(redis); SseClient client = streamOnForward(fixtures, anonymous, user)) {
            // Only the forward is erased (the request may have reached another instance): the user goes on.
            redis.key().del(UserFixtures.key(anonymous));
            fixtures.publish(SegmentChange.erased(anonymous, Instant.now(), 2));
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30)).until(client::ended);
        }
    }

    /** A stream opened on {@code anonymous}, merged into {@code user} (in vip at version 2), past its first state. */
    private SseClient streamOnForward(UserFixtures fixtures, String anonymous, String user) throws Exception {
        storeWithMerged(fixtures, user, Map.of("vip", Instant.now()), 2, anonymous);
        fixtures.forward(anonymous, 1, user);
        SseClient client = stream(anonymous, token(anonymous));
        assertThat(client.next().version()).isEqualTo("2@" + encoded(user));
        return client;
    }

    @Test
    void aWebSocketMovesOnToTheUserItsIdIsMergedInto() throws Exception {
        String anonymous = "anon-" + UUID.randomUUID();
        String user = newUser();
        BlockingQueue<String> messages = new LinkedBlockingQueue<>();
        try (UserFixtures fixtures = new UserFixtures(redis)) {
            fixtures.store(anonymous, Map.of("browsing", Instant.now()), 1);
            fixtures.store(user, Map.of("vip", Instant.now()), 4);
            URI uri = URI.create(base.toString().replaceFirst("^http", "ws") + "v1/users/" + anonymous
                    + "/segments/ws?access_token=" + TestTokens.forUser(anonymous));
            WebSocket ws = HttpClient.newHttpClient().newWebSocketBuilder().buildAsync(uri, collector(messages))
                    .get(20, TimeUnit.SECONDS);
            try {
                JsonNode first = Json.read(next(messages), JsonNode.class);
                assertThat(first.get("userId").asText()).isEqualTo(anonymous);
                assertThat(first.has("mergedFrom")).isFalse();

                // The user's record never lists the merged id (the merge was dropped on its side): after a few
                // seconds the socket is sent the user's state as it is.
                fixtures.merge(anonymous, user);
                JsonNode state = Json.read(next(messages), JsonNode.class);
                assertThat(state.get("type").asText()).isEqualTo("state");
                assertThat(state.get("userId").asText()).isEqualTo(user);
                assertThat(state.get("mergedFrom").asText()).isEqualTo(anonymous);
                assertThat(state.get("version").asLong()).isEqualTo(4);

                fixtures.enter(user, "carts", 5);
                JsonNode change = Json.read(next(messages), JsonNode.class);
                assertThat(change.get("type").asText()).isEqualTo("change");
                assertThat(change.get("userId").asText()).isEqualTo(user);
                assertThat(change.get("version").asLong()).isEqualTo(5);
            } finally {
                ws.sendClose(WebSocket.NORMAL_CLOSURE, "done");
            }
        }
    }

    @Test
    void aWebSocketWhoseIdIsMergedIntoALoopIsClosedWith4409() throws Exception {
        String anonymous = "anon-" + UUID.randomUUID();
        String user = newUser();
        BlockingQueue<String> messages = new LinkedBlockingQueue<>();
        CompletableFuture<String> closed = new CompletableFuture<>();
        try (UserFixtures fixtures = new UserFixtures(redis)) {
            fixtures.store(anonymous, Map.of("browsing", Instant.now()), 1);
            URI uri = URI.create(base.toString().replaceFirst("^http", "ws") + "v1/users/" + anonymous
                    + "/segments/ws?access_token=" + TestTokens.forUser(anonymous));
            WebSocket ws = HttpClient.newHttpClient().newWebSocketBuilder().buildAsync(uri, collector(messages, closed))
                    .get(20, TimeUnit.SECONDS);
            try {
                assertThat(Json.read(next(messages), JsonNode.class).get("userId").asText()).isEqualTo(anonymous);
                // The user the id is merged into is itself a forward back to the id: no user to serve.
                fixtures.forward(user, 1, anonymous);
                fixtures.merge(anonymous, user);
                assertThat(closed.get(20, TimeUnit.SECONDS)).as("as a socket opened on such an id")
                        .isEqualTo(SegmentSocket.MERGE_CHAIN_TOO_LONG + " merge_chain_too_long");
            } finally {
                ws.abort();
            }
        }
    }
}
