package io.segflow.segment.apply;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class UserCacheTest {

    private static byte[] value(int b) {
        return new byte[] {4, (byte) b};
    }

    @Test
    void evictsTheLeastRecentlyUsedUserBeyondItsCapacity() {
        UserCache cache = new UserCache(2);
        cache.put("a", value(1));
        cache.put("b", value(2));
        cache.get("a"); // a used after b: b is the eldest
        cache.put("c", value(3));

        assertThat(cache.get("b")).isNull();
        assertThat(cache.get("a")).containsExactly(value(1));
        assertThat(cache.get("c")).containsExactly(value(3));
        assertThat(cache.size()).isEqualTo(2);
    }

    @Test
    void aNewValueReplacesTheUsersOldOne() {
        UserCache cache = new UserCache(10);
        cache.put("a", value(1));
        cache.put("a", value(2));

        assertThat(cache.get("a")).containsExactly(value(2));
        assertThat(cache.size()).isEqualTo(1);
    }

    @Test
    void removesOneUserOrEveryUserOfAPartition() {
        UserCache cache = new UserCache(10);
        for (String user : new String[] {"p0-a", "p0-b", "p1-a"}) {
            cache.put(user, value(user.length()));
        }
        cache.remove("p1-a");
        cache.remove("absent");
        assertThat(cache.get("p1-a")).isNull();

        cache.put("p1-a", value(9));
        cache.removePartition(0, user -> user.startsWith("p0-") ? 0 : 1);

        assertThat(cache.get("p0-a")).isNull();
        assertThat(cache.get("p0-b")).isNull();
        assertThat(cache.get("p1-a")).containsExactly(value(9));
    }
}
