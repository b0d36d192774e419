package io.segflow.segment.apply;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
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

    @Test
    void usersSeenOnceLeaveBeforeTheOnesUsedAgain() {
        UserCache cache = new UserCache(10);
        for (int i = 0; i < 5; i++) {
            cache.put("regular-" + i, value(i));
            cache.get("regular-" + i); // a later round used it again
        }
        for (int i = 0; i < 9; i++) {
            cache.put("once-" + i, value(i)); // four more than there is room for
        }

        for (int i = 0; i < 5; i++) {
            assertThat(cache.valueOf("regular-" + i)).as("regular-%d", i).containsExactly(value(i));
        }
        assertThat(cache.size()).isEqualTo(10);
        assertThat(cache.valueOf("once-0")).as("the first seen once goes first").isNull();
        assertThat(cache.valueOf("once-8")).containsExactly(value(8));
    }

    @Test
    void aUserUsedSinceTheLastEvictionIsKeptOverOneThatWasNot() {
        UserCache cache = new UserCache(3);
        cache.put("a", value(1));
        cache.put("b", value(2));
        cache.put("c", value(3));
        cache.put("d", value(4)); // every user unused: the first goes
        cache.get("b");

        cache.put("e", value(5)); // b has its second chance, c goes

        assertThat(cache.valueOf("a")).isNull();
        assertThat(cache.valueOf("c")).isNull();
        assertThat(cache.valueOf("b")).containsExactly(value(2));
        assertThat(cache.valueOf("d")).containsExactly(value(4));
        assertThat(cache.valueOf("e")).containsExactly(value(5));
    }

    /**
     * Random puts, uses and removals of a few hundred users in a cache of fewer: whatever memory gives back for a user
     * is the last value put for that user, removed users are gone, and the size counts the users it holds.
     */
    @Test
    void givesBackOnlyAUsersLastValueThroughEvictionsAndRemovals() {
        for (int seed = 0; seed < 20; seed++) {
            Random random = new Random(seed);
            int capacity = 1 + random.nextInt(64);
            UserCache cache = new UserCache(capacity);
            Map<String, byte[]> last = new HashMap<>();
            for (int step = 0; step < 3_000; step++) {
                String user = "shop-" + random.nextInt(200);
                int op = random.nextInt(20);
                if (op < 12) {
                    byte[] value = new byte[1 + random.nextInt(random.nextInt(10) == 0 ? 3000 : 40)];
                    random.nextBytes(value);
                    cache.put(user, value);
                    last.put(user, value.clone());
                    assertThat(cache.valueOf(user)).as("seed %d step %d: the user just put", seed, step).isEqualTo(value);
                } else if (op < 17) {
                    cache.get(user);
                } else if (op < 19) {
                    cache.remove(user);
                    last.remove(user);
                } else {
                    int partition = random.nextInt(4);
                    cache.removePartition(partition, id -> id.hashCode() & 3);
                    last.keySet().removeIf(id -> (id.hashCode() & 3) == partition);
                }
                int held = 0;
                for (int u = 0; u < 200; u++) {
                    String id = "shop-" + u;
                    byte[] value = cache.valueOf(id);
                    if (value != null) {
                        held++;
                        assertThat(value).as("seed %d step %d: %s", seed, step, id).isEqualTo(last.get(id));
                    }
                }
                assertThat(cache.size()).as("seed %d step %d", seed, step).isEqualTo(held).isLessThanOrEqualTo(capacity);
            }
        }
    }
}
