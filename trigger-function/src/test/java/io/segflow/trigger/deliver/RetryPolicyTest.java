package io.segflow.trigger.deliver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
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
    void aHugeRetryAfterIsCappedAndTheNextAttemptFallsOnTheDeadline() {
        Duration asked = ActionCalls.retryAfter("9223372036854775807");
        assertThat(asked).isEqualTo(ActionCalls.LONGEST_RETRY_AFTER);
        assertThat(ActionCalls.retryAfter(Long.toString(Long.MAX_VALUE / 1000))).isEqualTo(ActionCalls.LONGEST_RETRY_AFTER);
        assertThat(ActionCalls.retryAfter("Fri, 31 Dec 9999 23:59:59 GMT")).isEqualTo(ActionCalls.LONGEST_RETRY_AFTER);

        RetryPolicy policy = new RetryPolicy(List.of(Duration.ofSeconds(1)), 0, Duration.ofHours(24));
        long now = System.currentTimeMillis();
        assertThat(policy.next(1, asked, now, now)).as("no overflow: the wait is cut to the deadline").isEqualTo(policy.deadlineOf(now));
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

    /** Backoff 1 s then 10 s, deadline 5 s: attempts at 0, 1 s and 5 s (the 10 s wait cut to the deadline), then dead. */
    @Test
    void theLastAttemptIsMadeAtTheDeadlineAndOnlyItsFailureGivesUp() {
        RetryPolicy policy = new RetryPolicy(List.of(Duration.ofSeconds(1), Duration.ofSeconds(10)), 0, Duration.ofSeconds(5));
        long firedAt = 1_000_000;

        assertThat(policy.next(1, null, firedAt, firedAt)).isEqualTo(firedAt + 1_000);
        assertThat(policy.next(2, null, firedAt, firedAt + 1_000)).as("cut to the deadline, not given up").isEqualTo(firedAt + 5_000);
        assertThat(policy.next(3, null, firedAt, firedAt + 5_000)).isEqualTo(RetryPolicy.GIVE_UP);
        assertThat(policy.next(3, null, firedAt, firedAt + 5_020)).as("failed just after the deadline").isEqualTo(RetryPolicy.GIVE_UP);
    }

    @Test
    void aRetryAfterReachingPastTheDeadlineLeavesTheAttemptAtTheDeadline() {
        long hour = Duration.ofHours(1).toMillis();
        assertThat(exact.next(7, Duration.ofHours(2), 0, 23 * hour)).isEqualTo(24 * hour);
    }

    /** The defaults: the attempt due at 27h42 is made at 24 h instead of the firing being given up at 17h42. */
    @Test
    void withTheDefaultBackoffTheFiringIsRetriedUntilTheDeadline() {
        RetryPolicy defaults = new RetryPolicy(List.of(Duration.ofSeconds(5), Duration.ofSeconds(30), Duration.ofMinutes(2),
                Duration.ofMinutes(10), Duration.ofMinutes(30), Duration.ofHours(2), Duration.ofHours(5), Duration.ofHours(10)),
                0, Duration.ofHours(24));
        long now = 0;
        int failures = 0;
        List<Long> attempts = new ArrayList<>();
        while (now != RetryPolicy.GIVE_UP) {
            attempts.add(now);
            now = defaults.next(++failures, null, 0, now);
        }
        assertThat(attempts).hasSize(10).last().isEqualTo(Duration.ofHours(24).toMillis());
    }
}
