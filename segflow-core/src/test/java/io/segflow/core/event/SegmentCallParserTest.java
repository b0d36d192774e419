package io.segflow.core.event;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import io.segflow.core.event.SegmentCallParser.BatchDefaults;
import io.segflow.core.json.Json;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class SegmentCallParserTest {
    private static final Instant RECEIVED = Instant.parse("2026-11-26T10:00:10Z");

    private static JsonNode json(String text) throws Exception {
        return Json.MAPPER.readTree(text);
    }

    private static Event parse(String text, EventType type) throws Exception {
        return SegmentCallParser.parse(json(text), type, BatchDefaults.NONE, RECEIVED, "web");
    }

    @Test
    void parsesTrackAndGeneratesMessageId() throws Exception {
        Event event = parse("{\"userId\":\"u1\",\"event\":\"add_to_cart\",\"properties\":{\"sku\":\"x\"}}", EventType.TRACK);
        assertThat(event.type()).isEqualTo("track");
        assertThat(event.profileKey()).isEqualTo("u1");
        assertThat(event.event()).isEqualTo("add_to_cart");
        assertThat(event.properties()).containsEntry("sku", "x");
        assertThat(event.messageId()).isNotBlank();
        assertThat(event.receivedAt()).isEqualTo(RECEIVED);
        assertThat(event.timestamp()).isEqualTo(RECEIVED);
        assertThat(event.source()).isEqualTo("web");
    }

    @Test
    void correctsClientClockSkew() throws Exception {
        // The client's clock is an hour ahead; it sent the event 5 s after it happened.
        Event event = parse("{\"anonymousId\":\"a1\",\"event\":\"x\",\"timestamp\":\"2026-11-26T11:00:00Z\","
                + "\"sentAt\":\"2026-11-26T11:00:05Z\",\"messageId\":\"m1\"}", EventType.TRACK);
        assertThat(event.timestamp()).isEqualTo(Instant.parse("2026-11-26T10:00:05Z"));
        assertThat(event.originalTimestamp()).isEqualTo(Instant.parse("2026-11-26T11:00:00Z"));
        assertThat(event.messageId()).isEqualTo("m1");
        assertThat(event.profileKey()).isEqualTo("a1");
    }

    @Test
    void batchItemsTakeTheirTypeAndMergeBatchContext() throws Exception {
        BatchDefaults defaults = BatchDefaults.of(json("{\"context\":{\"ip\":\"1.2.3.4\",\"locale\":\"de\"}}"))
                .withClientIp("9.9.9.9");
        Event event = SegmentCallParser.parse(json("{\"type\":\"identify\",\"userId\":\"u1\",\"traits\":{\"plan\":\"pro\"},"
                + "\"context\":{\"locale\":\"fr\"}}"), null, defaults, RECEIVED, "web");
        assertThat(event.type()).isEqualTo("identify");
        assertThat(event.traits()).containsEntry("plan", "pro");
        assertThat(event.context()).containsEntry("ip", "1.2.3.4");
        assertThat(event.context()).containsEntry("locale", "fr");
    }

    @Test
    void theBatchContextIsSharedByItsCallsAndEachCallsOwnKeysWin() throws Exception {
        BatchDefaults defaults = BatchDefaults.of(json("{\"context\":{\"locale\":\"de\",\"app\":{\"v\":1}},"
                + "\"integrations\":{\"All\":false}}")).withClientIp("9.9.9.9");
        Event plain = SegmentCallParser.parse(json("{\"type\":\"page\",\"userId\":\"u1\"}"), null, defaults, RECEIVED, "web");
        Event own = SegmentCallParser.parse(json("{\"type\":\"page\",\"userId\":\"u1\",\"context\":{\"locale\":\"fr\","
                + "\"ip\":\"1.1.1.1\"},\"integrations\":{\"Mixpanel\":true}}"), null, defaults, RECEIVED, "web");

        assertThat(Json.write(plain.context())).isEqualTo("{\"locale\":\"de\",\"app\":{\"v\":1},\"ip\":\"9.9.9.9\"}");
        assertThat(Json.write(own.context())).isEqualTo("{\"locale\":\"fr\",\"app\":{\"v\":1},\"ip\":\"1.1.1.1\"}");
        assertThat(own.context()).hasSize(3).containsEntry("locale", "fr").doesNotContainKey("missing");
        assertThat(Json.write(own.integrations())).isEqualTo("{\"All\":false,\"Mixpanel\":true}");
        assertThat(plain.integrations()).as("one map for every call, not a copy each").isSameAs(defaults.integrations());
    }

    @Test
    void numbersCarriedThroughKeepTheirDigits() throws Exception {
        byte[] body = ("{\"context\":{\"total\":12345678901234567.89,\"huge\":1e400,\"price\":1.50},"
                + "\"batch\":[{\"type\":\"track\",\"userId\":\"u1\",\"event\":\"e\",\"context\":{\"rate\":0.1000},"
                + "\"properties\":{\"amount\":98765432109876543.21}}]}").getBytes(java.nio.charset.StandardCharsets.UTF_8);
        SegmentRequest request = SegmentRequestReader.read(body, true);

        Event event = SegmentCallParser.parseAll(request.calls(), null, BatchDefaults.of(request.envelope()), RECEIVED, "web")
                .accepted().get(0);
        String written = new String(EventRecords.write(event), java.nio.charset.StandardCharsets.UTF_8);

        assertThat(written).contains("\"total\":12345678901234567.89", "\"price\":1.50", "\"rate\":0.1000",
                "\"amount\":98765432109876543.21").doesNotContain("Infinity");
        assertThat(Json.EXACT_NUMBERS.readTree(written).at("/context/huge").decimalValue()).isEqualByComparingTo("1e400");
    }

    @Test
    void aBatchContextLargerThanACallIsRefused() throws Exception {
        String big = "{\"context\":{\"padding\":\"" + "x".repeat(SegmentLimits.MAX_EVENT_BYTES) + "\"}}";
        assertThatThrownBy(() -> BatchDefaults.of(json(big)))
                .isInstanceOfSatisfying(InvalidEventException.class, e -> assertThat(e.field()).isEqualTo("context"));
    }

    @Test
    void aDateTimeOutsideTheFourDigitYearsIsRefusedNotOverflowed() {
        assertField("{\"userId\":\"u1\",\"event\":\"x\",\"timestamp\":\"+999999999-12-31T23:59:59Z\","
                + "\"sentAt\":\"2000-01-01T00:00:00Z\"}", EventType.TRACK, "timestamp");
        assertField("{\"userId\":\"u1\",\"event\":\"x\",\"timestamp\":\"2000-01-01T00:00:00Z\","
                + "\"sentAt\":\"-999999999-01-01T00:00:00Z\"}", EventType.TRACK, "sentAt");
    }

    @Test
    void aCorrectionBeyondTheFourDigitYearsStopsAtTheirEdge() throws Exception {
        Event event = parse("{\"userId\":\"u1\",\"event\":\"x\",\"timestamp\":\"0000-01-01T00:00:00Z\","
                + "\"sentAt\":\"9999-12-31T23:59:59Z\"}", EventType.TRACK);
        assertThat(event.timestamp()).isEqualTo(Instant.parse("0000-01-01T00:00:00Z"));
        assertThat(EventRecords.read(EventRecords.write(event)).timestamp()).isEqualTo(event.timestamp());
    }

    @Test
    void namesTheFieldThatIsWrong() {
        assertField("{\"event\":\"x\"}", EventType.TRACK, "userId");
        assertField("{\"userId\":\"u1\"}", EventType.TRACK, "event");
        assertField("{\"userId\":\"u1\",\"event\":5}", EventType.TRACK, "event");
        assertField("{\"userId\":{},\"event\":\"x\"}", EventType.TRACK, "userId");
        assertField("{\"userId\":\"u1\",\"event\":\"x\",\"properties\":[]}", EventType.TRACK, "properties");
        assertField("{\"userId\":\"u1\",\"event\":\"x\",\"timestamp\":\"yesterday\"}", EventType.TRACK, "timestamp");
        assertField("{\"userId\":\"u1\",\"messageId\":\"" + "m".repeat(100) + "\"}", EventType.IDENTIFY, "messageId");
        assertField("{\"userId\":\"u1\"}", null, "type");
        assertField("{\"userId\":\"u1\",\"type\":\"shout\"}", null, "type");
        assertField("{\"userId\":\"u1\"}", EventType.GROUP, "groupId");
        assertField("{\"userId\":\"u1\"}", EventType.ALIAS, "previousId");
        assertField("{\"userId\":\"u\\u0001\",\"event\":\"x\"}", EventType.TRACK, "userId");
        assertField("{\"anonymousId\":\".\",\"event\":\"x\"}", EventType.TRACK, "anonymousId");
        assertField("{\"userId\":\"u1\",\"previousId\":\"..\"}", EventType.ALIAS, "previousId");
    }

    @Test
    void onlyTheIdsOfProfilesAreHeldToTheUserIdRule() throws Exception {
        assertThat(SegmentCallParser.userIdProblem("..")).contains("\"..\"");
        assertThat(SegmentCallParser.userIdProblem("...")).isNull();
        assertThat(SegmentCallParser.userIdProblem(".a.")).isNull();
        assertThat(parse("{\"userId\":\"u1\",\"groupId\":\".\"}", EventType.GROUP).groupId()).isEqualTo(".");
    }

    @Test
    void idsMayBeStringsOrIntegersKeptAsTheirDecimalText() throws Exception {
        Event event = parse("{\"userId\":42,\"anonymousId\":12345678901234567890,\"groupId\":7,\"previousId\":-9,"
                + "\"messageId\":5}", EventType.GROUP);
        assertThat(event.userId()).isEqualTo("42");
        assertThat(event.anonymousId()).isEqualTo("12345678901234567890");
        assertThat(event.groupId()).isEqualTo("7");
        assertThat(event.previousId()).isEqualTo("-9");
        assertThat(event.messageId()).isEqualTo("5");
    }

    @Test
    void anIdThatIsNeitherStringNorIntegerIsRefusedSayingWhatItMayBe() {
        for (String field : new String[] {"userId", "anonymousId", "groupId", "previousId", "messageId"}) {
            for (String value : new String[] {"1.5", "true", "{}", "[\"u1\"]"}) {
                String call = "{\"userId\":\"u1\",\"event\":\"x\",\"" + field + "\":" + value + "}";
                assertThatThrownBy(() -> parse(call, EventType.TRACK))
                        .as(call)
                        .isInstanceOfSatisfying(InvalidEventException.class, e -> {
                            assertThat(e.field()).isEqualTo(field);
                            assertThat(e.reason()).isEqualTo("must be a string or an integer");
                        });
            }
        }
    }

    @Test
    void aNumericMessageIdIsHeldToTheMessageIdLength() {
        assertField("{\"userId\":\"u1\",\"messageId\":" + "9".repeat(100) + "}", EventType.IDENTIFY, "messageId");
    }

    @Test
    void aDateTimeThatCannotBeReadIsRefusedSayingWhatIsWrong() {
        assertTimestampReason("10000-01-01T00:00:00Z", "must be within the years 0000 to 9999");
        assertTimestampReason("+10000-01-01T00:00:00Z", "must be within the years 0000 to 9999");
        assertTimestampReason("2026-12-06T10:00:00", "has no zone offset: end it with Z (UTC) or an offset such as +01:00");
        assertTimestampReason("2026-12-06T10:00:00.123", "has no zone offset: end it with Z (UTC) or an offset such as +01:00");
        assertTimestampReason("2026-12-06", "is a date without a time: send a date-time such as 2026-12-06T10:00:00Z");
        // The JDK's own words for the value out of range follow.
        assertThat(timestampReason("2026-02-30T10:00:00Z")).startsWith("is not a valid date-time: ").contains("FEBRUARY 30");
        assertThat(timestampReason("2026-13-01T10:00:00Z")).startsWith("is not a valid date-time: ").contains("MonthOfYear");
        assertTimestampReason("yesterday", "must be an ISO-8601 date-time string");
        assertTimestampReason("2026-12-06 10:00:00Z", "must be an ISO-8601 date-time string");
    }

    @Test
    void theBatchsSentAtGetsTheSameReasons() throws Exception {
        assertThatThrownBy(() -> BatchDefaults.of(json("{\"sentAt\":\"2026-12-06T10:00:00\"}")))
                .isInstanceOfSatisfying(InvalidEventException.class, e -> {
                    assertThat(e.field()).isEqualTo("sentAt");
                    assertThat(e.reason()).startsWith("has no zone offset");
                });
    }

    private static void assertTimestampReason(String timestamp, String reason) {
        assertThat(timestampReason(timestamp)).as(timestamp).isEqualTo(reason);
    }

    private static String timestampReason(String timestamp) {
        String call = "{\"userId\":\"u1\",\"event\":\"x\",\"timestamp\":\"" + timestamp + "\"}";
        InvalidEventException refused = catchThrowableOfType(InvalidEventException.class, () -> parse(call, EventType.TRACK));
        assertThat(refused).as(timestamp).isNotNull();
        assertThat(refused.field()).isEqualTo("timestamp");
        return refused.reason();
    }

    private static void assertField(String text, EventType type, String field) {
        assertThatThrownBy(() -> parse(text, type))
                .isInstanceOfSatisfying(InvalidEventException.class, e -> assertThat(e.field()).isEqualTo(field));
    }
}
