package io.segflow.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.segflow.core.Topics;
import io.segflow.core.json.Json;
import io.segflow.core.membership.SegmentChange;
import io.segflow.core.state.UserRecord;
import io.segflow.system.FaultStack.Function;
import io.segflow.system.TickSegments.TickSegment;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.LongStream;

/**
 * Once the load has stopped: every event ingest acknowledged counts exactly once in its user's stored profile,
 * memberships and member indexes are what the counts imply, each user's change records are a gapless history in
 * version order, and every change has its trigger record.
 */
final class ExactCounts {
    private static final Duration DRAIN = Duration.ofMinutes(2);

    private ExactCounts() {
    }

    /**
     * Processed: no lag on segment-function's group, no user's stored count short of its acknowledged events, every
     * stored version of a user's memberships published, and every published change with its trigger record. Not
     * trigger-function's committed offsets: it commits only every {@link FaultStack#TRIGGER_COMMIT_INTERVAL}, so
     * waiting for them would add up to that to each drill for no check of its own ({@link Recovery} waits for them
     * after a fault).
     */
    static void awaitProcessed(FaultStack stack, SteadyLoad load) {
        Map<String, Long> delivered = load.delivered();
        Set<String> ours = Set.copyOf(load.users());
        await("every acknowledged event processed " + stack.evidence()).atMost(DRAIN).pollInterval(Duration.ofMillis(500))
                .ignoreExceptions()
                .untilAsserted(() -> {
                    assertThat(stack.offsets().lag(EngineProgress.GROUP, Topics.EVENTS)).as("segment-function's lag").isZero();
                    Map<String, UserRecord> stored = stack.state().users(load.users());
                    assertThat(load.users()).as("users whose stored count is short")
                            .filteredOn(user -> ticks(stored.get(user)) < delivered.getOrDefault(user, 0L)).isEmpty();
                    Map<String, List<SegmentChange>> changes = ChangeLog.read(stack.kafkaBootstrapServers(), ours::contains);
                    assertThat(stored).as("users whose stored memberships are not all published")
                            .allSatisfy((user, record) -> assertThat(publishedVersions(changes.get(user)))
                                    .containsAll(LongStream.rangeClosed(1, record.memberships().version()).boxed().toList()));
                    assertThat(triggerIds(stack, ours)).as("trigger records of the published changes").containsAll(changeIds(changes));
                });
    }

    static void assertExact(FaultStack stack, SteadyLoad load) {
        String evidence = " " + stack.evidence();
        assertThat(load.undelivered()).as("events ingest never acknowledged, however often they were sent" + evidence).isZero();
        Map<String, Long> delivered = load.delivered();
        List<String> users = load.users();
        Map<String, UserRecord> stored = stack.state().users(users);

        Map<String, String> wrongCounts = new TreeMap<>();
        Map<String, String> wrongMemberships = new TreeMap<>();
        for (String user : users) {
            long expected = delivered.getOrDefault(user, 0L);
            if (ticks(stored.get(user)) != expected) {
                wrongCounts.put(user, "acknowledged " + expected + ", stored " + ticks(stored.get(user)));
            }
            Set<String> segments = stored.containsKey(user) ? stored.get(user).memberships().since().keySet() : Set.of();
            if (!segments.equals(TickSegments.at(expected))) {
                wrongMemberships.put(user, "expected " + TickSegments.at(expected) + ", stored " + segments);
            }
        }
        assertThat(wrongCounts).as("users whose count is not the events ingest acknowledged for them" + evidence).isEmpty();
        assertThat(wrongMemberships).as("users whose memberships are not what their count implies" + evidence).isEmpty();

        Set<String> ours = Set.copyOf(users);
        Map<String, List<SegmentChange>> changes = ChangeLog.read(stack.kafkaBootstrapServers(), ours::contains);
        Map<String, List<String>> wrongHistories = new TreeMap<>();
        for (String user : users) {
            List<SegmentChange> published = changes.getOrDefault(user, List.of());
            if (stored.containsKey(user)) {
                List<String> problems = ChangeHistory.problems(published, stored.get(user).memberships(),
                        TickSegments.transitionsUpTo(delivered.getOrDefault(user, 0L)));
                if (!problems.isEmpty()) {
                    wrongHistories.put(user, problems);
                }
            } else if (!published.isEmpty()) {
                wrongHistories.put(user, List.of("changes published for a user with no stored record: " + published));
            }
        }
        assertThat(wrongHistories).as("users whose change records are not a gapless history in version order" + evidence).isEmpty();

        for (TickSegment segment : TickSegments.ALL) {
            Set<String> members = stack.state().members(segment.id()).stream().filter(ours::contains).collect(Collectors.toSet());
            Set<String> expected = users.stream().filter(user -> segment.holdsAt(delivered.getOrDefault(user, 0L))).collect(Collectors.toSet());
            assertThat(members).as("member index of " + segment.id() + evidence).isEqualTo(expected);
        }

        // Triggers are at least once (downstream deduplicates on the id): each change has one, none is made up.
        assertThat(triggerIds(stack, ours)).as("ids of the trigger records of these users' changes" + evidence)
                .isEqualTo(changeIds(changes));
    }

    /** The ids the trigger records of these changes carry: user, segment and version. */
    private static Set<String> changeIds(Map<String, List<SegmentChange>> changes) {
        Set<String> ids = new HashSet<>();
        changes.forEach((user, published) -> published.forEach(change -> ids.add(user + ":" + change.segmentId() + ":" + change.version())));
        return ids;
    }

    /** The ids of the trigger records on {@code segflow.triggers} for these users. */
    private static Set<String> triggerIds(FaultStack stack, Set<String> users) {
        return ChangeLog.read(stack.kafkaBootstrapServers(), Topics.TRIGGERS, users::contains,
                        value -> Json.read(value, JsonNode.class).get("id").asText())
                .values().stream().flatMap(List::stream).collect(Collectors.toSet());
    }

    private static Set<Long> publishedVersions(List<SegmentChange> published) {
        return published == null ? Set.of() : published.stream().map(SegmentChange::version).collect(Collectors.toSet());
    }

    /** The api reads the same memberships as are stored, for every user of the load. */
    static void assertApiReadsStoredMemberships(FaultStack stack, SteadyLoad load) throws Exception {
        Map<String, Long> delivered = load.delivered();
        Map<String, String> wrong = new TreeMap<>();
        try (HttpClient http = HttpClient.newHttpClient()) {
            for (String user : load.users()) {
                HttpRequest request = HttpRequest.newBuilder(URI.create(stack.url(Function.API) + "/v1/users/" + user + "/segments"))
                        .header("Authorization", "Bearer " + FaultStack.SERVER_KEY).build();
                HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
                Set<String> segments = new HashSet<>();
                if (response.statusCode() == 200) {
                    Json.read(response.body(), JsonNode.class).get("segments").forEach(segment -> segments.add(segment.get("id").asText()));
                }
                if (response.statusCode() != 200 || !segments.equals(TickSegments.at(delivered.getOrDefault(user, 0L)))) {
                    wrong.put(user, response.statusCode() + " " + response.body());
                }
            }
        }
        assertThat(wrong).as("users whose segments the api reads differently from their count " + stack.evidence()).isEmpty();
    }

    private static long ticks(UserRecord record) {
        return record == null ? 0 : record.profile().count(SteadyLoad.EVENT);
    }
}
