package io.segflow.trigger.deliver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {
    private final RetryPolicy exact = new RetryPolicy(List.of(Duration.ofSeconds(5), Duration.ofSeconds(30)), 0, Duration.ofHours(24));

    @Test
    void theNthFailureWaitsTheNthBackoffAndTheLastRepeats() {
        assertThat(exact.wait(1, null)).isEqualTo(Duration.ofSeconds(5));
        assertThat(exact.wait(2, null)).isEqualTo(Duration.ofSeconds(30));
        assertThat(exact.wait(9, null)).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void aReceiversRetryAfterWins() {
        assertThat(exact.wait(1, Duration.ofSeconds(120))).isEqualTo(Duration.ofSeconds(120));
    }

    @Test
    void jitterStaysWithinItsShare() {
        RetryPolicy jittered = new RetryPolicy(List.of(Duration.ofSeconds(10)), 0.2, Duration.ofHours(1));
        for (int i = 0; i < 1_000; i++) {
            assertThat(jittered.wait(1, null)).isBetween(Duration.ofSeconds(8), Duration.ofSeconds(12));
        }
    }

    @Test
    void theDeadlineCountsFromTheFiring() {
        assertThat(exact.deadlineOf(1_000)).isEqualTo(1_000 + Duration.ofHours(24).toMillis());
    }

    @Test
    void nonsenseSettingsStopTheStart() {
        assertThatThrownBy(() -> new RetryPolicy(List.of(), 0, Duration.ofHours(1))).hasMessageContaining("backoff");
        assertThatThrownBy(() -> new RetryPolicy(List.of(Duration.ofSeconds(1)), 0.9, Duration.ofHours(1))).hasMessageContaining("jitter");
        assertThatThrownBy(() -> new RetryPolicy(List.of(Duration.ofSeconds(1)), 0, Duration.ZERO)).hasMessageContaining("deadline");
    }

    @Test
    void retryAfterIsReadInSecondsOrAsAnHttpDate() {
        assertThat(ActionCalls.retryAfter("7")).isEqualTo(Duration.ofSeconds(7));
        String inAMinute = ZonedDateTime.now().plusSeconds(60).format(DateTimeFormatter.RFC_1123_DATE_TIME);
        assertThat(ActionCalls.retryAfter(inAMinute)).isBetween(Duration.ofSeconds(55), Duration.ofSeconds(60));
        assertThat(ActionCalls.retryAfter("soon")).isNull();
    }

    @Test
    void aHugeRetryAfterIsCappedSoThatTheDeadlineStillGivesUp() {
        Duration asked = ActionCalls.retryAfter("9223372036854775807");
        assertThat(asked).isEqualTo(ActionCalls.LONGEST_RETRY_AFTER);
        assertThat(ActionCalls.retryAfter(Long.toString(Long.MAX_VALUE / 1000))).isEqualTo(ActionCalls.LONGEST_RETRY_AFTER);
        assertThat(ActionCalls.retryAfter("Fri, 31 Dec 9999 23:59:59 GMT")).isEqualTo(ActionCalls.LONGEST_RETRY_AFTER);

        RetryPolicy policy = new RetryPolicy(List.of(Duration.ofSeconds(1)), 0, Duration.ofHours(24));
        long now = System.currentTimeMillis();
        long next = now + policy.wait(1, asked).toMillis();
        assertThat(next).as("no overflow: the due time is past the 24 h deadline, so the firing is given up")
                .isGreaterThan(policy.deadlineOf(now));
    }

    @Test
    void aRetryAfterTooLargeForALongIsCappedAtAWeek() {
        assertThat(ActionCalls.retryAfter("99999999999999999999")).isEqualTo(ActionCalls.LONGEST_RETRY_AFTER);
        assertThat(ActionCalls.retryAfter(" 18446744073709551616 ")).isEqualTo(ActionCalls.LONGEST_RETRY_AFTER);
    }

    @Test
    void aRetryAfterOfZeroANegativeNumberOrAPastDateWaitsTheFirstBackoffNotNothing() {
        String past = ZonedDateTime.now().minusMinutes(5).format(DateTimeFormatter.RFC_1123_DATE_TIME);
        for (String value : List.of("0", "-5", "-99999999999999999999", past)) {
            // The first backoff wait even after later failures: the receiver asked to come back soon.
            assertThat(exact.wait(3, ActionCalls.retryAfter(value))).as(value).isEqualTo(Duration.ofSeconds(5));
        }
    }

    @Test
    void aRetryAfterShorterThanTheFirstBackoffWaitsTheFirstBackoff() {
        assertThat(exact.wait(1, Duration.ofSeconds(1))).isEqualTo(Duration.ofSeconds(5));
    }
}
