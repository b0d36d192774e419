package io.segflow.system;

import io.segflow.testkit.Ports;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

import io.opentelemetry.proto.trace.v1.Span.SpanKind;
import io.restassured.http.ContentType;
import io.segflow.core.Topics;
import io.segflow.testkit.TestServices;
import io.segflow.testkit.TopicReader;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * One trace per event, as Jaeger would show it: the four packaged functions export their spans over OTLP/HTTP to a
 * collector in the test, and an event's trace runs from ingest's HTTP request through segment-function to
 * trigger-function and the api's push, each function's span under the one before it. Time-driven changes have a
 * trace of their own.
 */
class TraceIT {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String INGEST = "ingest-function";
    private static final String SEGMENT = "segment-function";
    private static final String TRIGGER = "trigger-function";
    private static final String API = "api-function";
    private static final String WRITE_KEY = "trace-write-key";
    private static final String ADMIN_KEY = "trace-admin-key";

    private static final List<FunctionProcess> FUNCTIONS = new ArrayList<>();
    private static OtlpReceiver collector;
    private static String kafka;
    private static FunctionProcess ingest;
    private static FunctionProcess api;

    @BeforeAll
    static void startTracedStack() throws Exception {
        collector = OtlpReceiver.start();
        kafka = TestServices.kafkaBootstrapServers();
        Map<String, String> shared = new HashMap<>(Map.of(
                "KAFKA_BOOTSTRAP_SERVERS", kafka,
                "QUARKUS_REDIS_HOSTS", TestServices.redisUrl(),
                "QUARKUS_OTEL_SDK_DISABLED", "false",
                "QUARKUS_OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", collector.endpoint(),
                "QUARKUS_OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "http/protobuf",
                // Spans reach the collector within a fraction of a second instead of the default 5 s.
                "QUARKUS_OTEL_BSP_SCHEDULE_DELAY", "100ms"));
        ingest = start(INGEST, with(shared, "SEGFLOW_WRITE_KEYS", "web:" + WRITE_KEY));
        start(SEGMENT, shared);
        start(TRIGGER, shared);
        api = start(API, with(with(shared, "SEGFLOW_ADMIN_KEY", ADMIN_KEY), "SEGFLOW_TOKENS_SECRET", FaultStack.TOKENS_SECRET));
        FunctionProcess.awaitAllReady(FUNCTIONS, Duration.ofSeconds(60));
    }

    @AfterAll
    static void stopTracedStack() throws InterruptedException {
        FunctionProcess.closeAll(FUNCTIONS);
        if (collector != null) {
            collector.close();
        }
    }

    @Test
    void aTrackedEventIsOneTraceFromIngestThroughSegmentTriggerAndPush() throws Exception {
        String user = "traced-" + UUID.randomUUID();
        String event = "checkout_" + UUID.randomUUID().toString().substring(0, 8);
        String segment = defineSegment("count(\"" + event + "\") >= 1");
        try (TopicReader events = new TopicReader(kafka, Topics.EVENTS);
             TopicReader changes = new TopicReader(kafka, Topics.SEGMENT_CHANGES);
             TopicReader triggers = new TopicReader(kafka, Topics.TRIGGERS);
             EventStream stream = EventStream.open(api.url(), user, tokenFor(user))) {
            stream.awaitEvent("state", WAIT);

            track(user, event);
            stream.awaitEvent("change", WAIT);

            // The records along the way all carry the one trace.
            Traceparent eventRecord = Traceparent.of(first(events, user, r -> true));
            Traceparent change = Traceparent.of(first(changes, user, r -> r.value().contains(segment)));
            Traceparent trigger = Traceparent.of(first(triggers, user, r -> r.value().contains(segment)));
            String traceId = eventRecord.traceId();
            assertThat(change.traceId()).isEqualTo(traceId);
            assertThat(trigger.traceId()).isEqualTo(traceId);

            TraceTree trace = awaitTrace(traceId, tree -> !tree.of(INGEST).isEmpty() && !tree.of(SEGMENT).isEmpty()
                    && !tree.of(TRIGGER).isEmpty() && !tree.of(API).isEmpty());
            ReceivedSpan request = only(trace, INGEST, span -> span.kind() == SpanKind.SPAN_KIND_SERVER);
            ReceivedSpan processing = only(trace, SEGMENT, span -> span.name().equals(Topics.EVENTS + " process"));
            ReceivedSpan routing = only(trace, TRIGGER, span -> span.name().equals(Topics.SEGMENT_CHANGES + " process"));

            assertThat(request.isRoot()).as("the trace starts at ingest" + trace).isTrue();
            assertThat(trace.descendsFrom(processing, request)).as("segment-function under ingest" + trace).isTrue();
            assertThat(change.spanId()).as("the change record carries the processing span").isEqualTo(processing.spanId());
            assertThat(trace.descendsFrom(routing, processing)).as("trigger-function under segment-function" + trace).isTrue();
            assertThat(trigger.spanId()).as("the trigger record carries trigger-function's span").isEqualTo(routing.spanId());
            assertThat(trace.of(API)).as("the api's push under segment-function" + trace)
                    .anySatisfy(push -> assertThat(trace.descendsFrom(push, processing)).isTrue());
            assertThat(trace.spans()).extracting(ReceivedSpan::service).containsOnly(INGEST, SEGMENT, TRIGGER, API);
        }
    }

    @Test
    void aChangeThatTimeCausesHasATraceOfItsOwn() throws Exception {
        String user = "windowed-" + UUID.randomUUID();
        String event = "ping_" + UUID.randomUUID().toString().substring(0, 8);
        String segment = defineSegment("count(\"" + event + "\", \"3s\") >= 1");
        try (TopicReader changes = new TopicReader(kafka, Topics.SEGMENT_CHANGES);
             TopicReader triggers = new TopicReader(kafka, Topics.TRIGGERS)) {
            track(user, event);

            Traceparent entered = Traceparent.of(first(changes, user, r -> r.value().contains(segment) && r.value().contains("\"entered\"")));
            ConsumerRecord<String, String> exitRecord = first(changes, user, r -> r.value().contains(segment) && r.value().contains("\"exited\""));
            Traceparent exited = Traceparent.of(exitRecord);
            assertThat(exited.traceId()).as("the exit on time is not part of the event's trace").isNotEqualTo(entered.traceId());

            Traceparent trigger = Traceparent.of(first(triggers, user, r -> r.value().contains(segment) && r.value().contains("segment.exited")));
            TraceTree trace = awaitTrace(exited.traceId(), tree -> !tree.of(SEGMENT).isEmpty() && !tree.of(TRIGGER).isEmpty());
            ReceivedSpan flips = trace.of(SEGMENT).stream().filter(span -> span.spanId().equals(exited.spanId())).findFirst()
                    .orElseThrow(() -> new AssertionError("no span " + exited.spanId() + " of segment-function in" + trace));
            assertThat(flips.name()).as("a flip whose wake an event set has a span of its own").isEqualTo("segflow time flip");
            assertThat(flips.isRoot()).as("time, not a request, starts it" + trace).isTrue();
            assertThat(trace.of(INGEST)).as("no ingest span in a time-driven trace").isEmpty();
            assertThat(trace.of(TRIGGER)).as("trigger-function continues the time-driven trace" + trace)
                    .anySatisfy(span -> {
                        assertThat(span.spanId()).isEqualTo(trigger.spanId());
                        assertThat(trace.descendsFrom(span, flips)).isTrue();
                    });
        }
    }

    @Test
    void aChangeThatTimeCausesLinksToTheTraceOfTheEventThatScheduledIt() throws Exception {
        String user = "windowed-" + UUID.randomUUID();
        String event = "ping_" + UUID.randomUUID().toString().substring(0, 8);
        String segment = defineSegment("count(\"" + event + "\", \"3s\") >= 1");
        try (TopicReader changes = new TopicReader(kafka, Topics.SEGMENT_CHANGES)) {
            track(user, event);

            Traceparent entered = Traceparent.of(first(changes, user, r -> r.value().contains(segment) && r.value().contains("\"entered\"")));
            Traceparent exited = Traceparent.of(first(changes, user, r -> r.value().contains(segment) && r.value().contains("\"exited\"")));
            TraceTree trace = awaitTrace(exited.traceId(), tree -> !tree.of(SEGMENT).isEmpty());
            assertThat(trace.of(SEGMENT)).as("the flip links to the event's trace" + trace)
                    .anySatisfy(span -> assertThat(span.linkedTraceIds()).contains(entered.traceId()));
        }
    }

    private static String defineSegment(String condition) {
        String segment = "traced-" + UUID.randomUUID().toString().substring(0, 8);
        given().baseUri(api.url()).header("Authorization", "Bearer " + ADMIN_KEY).contentType(ContentType.JSON)
                .body(Map.of("name", segment, "condition", condition))
                .when().put("/v1/segments/" + segment)
                .then().statusCode(201);
        return segment;
    }

    private static String tokenFor(String user) {
        return given().baseUri(api.url()).header("Authorization", "Bearer " + ADMIN_KEY).contentType(ContentType.JSON)
                .body(Map.of("userId", user))
                .when().post("/v1/tokens")
                .then().statusCode(200).extract().path("token");
    }

    private static void track(String user, String event) {
        given().baseUri(ingest.url()).auth().preemptive().basic(WRITE_KEY, "").contentType(ContentType.JSON)
                .body(Map.of("userId", user, "event", event))
                .when().post("/v1/track")
                .then().statusCode(200).body("success", equalTo(true));
    }

    private static ConsumerRecord<String, String> first(TopicReader reader, String user, Predicate<ConsumerRecord<String, String>> wanted) {
        return reader.await(r -> user.equals(r.key()) && r.value() != null && wanted.test(r), 1, WAIT).get(0);
    }

    /** The trace's spans once they are all exported (the functions export in batches, so they come in a while). */
    private static TraceTree awaitTrace(String traceId, Predicate<TraceTree> complete) {
        TraceTree[] last = {new TraceTree(List.of())};
        await().atMost(WAIT).pollInterval(Duration.ofMillis(200)).alias("spans of trace " + traceId).until(() -> {
            last[0] = new TraceTree(collector.trace(traceId));
            return complete.test(last[0]);
        });
        return last[0];
    }

    private static ReceivedSpan only(TraceTree trace, String service, Predicate<ReceivedSpan> wanted) {
        List<ReceivedSpan> matching = trace.of(service).stream().filter(wanted).toList();
        assertThat(matching).as("the span of " + service + " in" + trace).hasSize(1);
        return matching.get(0);
    }

    private static FunctionProcess start(String module, Map<String, String> env) throws Exception {
        FunctionProcess process = FunctionProcess.start(module, "traced-" + module, freePort(), env);
        FUNCTIONS.add(process);
        return process;
    }

    private static Map<String, String> with(Map<String, String> env, String key, String value) {
        Map<String, String> copy = new HashMap<>(env);
        copy.put(key, value);
        return copy;
    }

    private static int freePort() {
        return Ports.free();
    }
}
