package io.segflow.core.profile;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProfileOpTest {

    @Test
    void trimsStaleBucketsAtMostOncePerPeriod() {
        Map<String, String> hash = new HashMap<>();
        String stale = ProfileFields.windowCount(Granularity.MINUTE, "view", 10);
        String fresh = ProfileFields.windowCount(Granularity.MINUTE, "view", 20);
        hash.put(stale, "1");
        hash.put(fresh, "1");
        LinkedHashMap<String, Long> keepFrom20 = new LinkedHashMap<>(Map.of(ProfileFields.bucketPrefix("w", Granularity.MINUTE), 20L));

        new ProfileOp.TrimBuckets(7, keepFrom20).applyTo(hash);
        assertThat(hash).doesNotContainKey(stale).containsKey(fresh);

        hash.put(stale, "1"); // a late event's bucket within the same minute stays until the next period
        new ProfileOp.TrimBuckets(7, keepFrom20).applyTo(hash);
        assertThat(hash).containsKey(stale);
        new ProfileOp.TrimBuckets(8, keepFrom20).applyTo(hash);
        assertThat(hash).doesNotContainKey(stale).containsKey(fresh);
    }

    @Test
    void scoreAddsLateEventsDecayedToItsTime() {
        Map<String, String> hash = new HashMap<>();
        long halfLife = 1_000;
        new ProfileOp.AddScore(ProfileFields.SCORE, 2_000, 4.0, halfLife).applyTo(hash);
        new ProfileOp.AddScore(ProfileFields.SCORE, 1_000, 4.0, halfLife).applyTo(hash); // one half-life earlier
        assertThat(hash.get(ProfileFields.SCORE)).isEqualTo("6.0 2000");
    }
}
