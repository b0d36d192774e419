package io.segflow.segment.apply;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
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

        assertThat(cache.valueOf("b")).isNull();
        assertThat(cache.valueOf("a")).containsExactly(value(1));
        assertThat(cache.valueOf("c")).containsExactly(value(3));
        assertThat(cache.size()).isEqualTo(2);
    }

    @Test
    void aNewValueReplacesTheUsersOldOne() {
        UserCache cache = new UserCache(10);
        cache.put("a", value(1));
        cache.put("a", value(2));

        assertThat(cache.valueOf("a")).containsExactly(value(2));
        assertThat(cache.size()).isEqualTo(1);
    }

    @Test
    void keepsACopyOfTheValueInTheBufferItHasWhileTheValueFits() {
        UserCache cache = new UserCache(10);
        byte[] first = new byte[100];
        Arrays.fill(first, (byte) 1);
        cache.put("a", first);
        first[0] = 9; // the caller reuses its array
        byte[] buffer = cache.get("a").buffer();
        assertThat(buffer.length).isEqualTo(UserCache.capacityFor(100)).isGreaterThan(100);
        assertThat(cache.valueOf("a")[0]).isEqualTo((byte) 1);

        byte[] grown = new byte[UserCache.capacityFor(100)];
        Arrays.fill(grown, (byte) 2);
        cache.put("a", grown);
        assertThat(cache.get("a").buffer()).isSameAs(buffer);
        assertThat(cache.valueOf("a")).containsExactly(grown);

        byte[] shorter = new byte[90];
        cache.put("a", shorter);
        assertThat(cache.get("a").buffer()).isSameAs(buffer);
        assertThat(cache.valueOf("a")).containsExactly(shorter);

        byte[] tooLong = new byte[UserCache.capacityFor(100) + 1];
        Arrays.fill(tooLong, (byte) 3);
        cache.put("a", tooLong);
        assertThat(cache.get("a").buffer()).isNotSameAs(buffer);
        assertThat(cache.valueOf("a")).containsExactly(tooLong);
    }

    @Test
    void aValueFarSmallerThanItsBufferGetsASmallerOne() {
        UserCache cache = new UserCache(10);
        cache.put("a", new byte[3000]);
        cache.put("a", value(1));

        assertThat(cache.get("a").buffer().length).isEqualTo(UserCache.capacityFor(2));
        assertThat(cache.valueOf("a")).containsExactly(value(1));
    }

    @Test
    void aUserNewToMemoryTakesTheBufferOfAnEvictedOne() {
        UserCache cache = new UserCache(1);
        byte[] first = new byte[600];
        Arrays.fill(first, (byte) 1);
        cache.put("a", first);
        byte[] buffer = cache.get("a").buffer();

        cache.put("b", value(2)); // evicts a, once b is in
        cache.put("c", value(3)); // evicts b

        assertThat(cache.valueOf("a")).isNull();
        assertThat(cache.valueOf("b")).isNull();
        assertThat(cache.get("c").buffer()).isSameAs(buffer);
        assertThat(cache.valueOf("c")).containsExactly(value(3));
    }

    @Test
    void removesOneUserOrEveryUserOfAPartition() {
        UserCache cache = new UserCache(10);
        for (String user : new String[] {"p0-a", "p0-b", "p1-a"}) {
            cache.put(user, value(user.length()));
        }
        cache.remove("p1-a");
        cache.remove("absent");
        assertThat(cache.valueOf("p1-a")).isNull();

        cache.put("p1-a", value(9));
        cache.removePartition(0, user -> user.startsWith("p0-") ? 0 : 1);

        assertThat(cache.valueOf("p0-a")).isNull();
        assertThat(cache.valueOf("p0-b")).isNull();
        assertThat(cache.valueOf("p1-a")).containsExactly(value(9));
    }
}
