package io.segflow.bench.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class HashedIdsTest {

    @Test
    void anIdAddedAgainIsNotNew() {
        HashedIds ids = new HashedIds();
        assertThat(ids.add("user-1")).isTrue();
        assertThat(ids.add("user-2")).isTrue();
        assertThat(ids.add("user-1")).isFalse();
        assertThat(ids.size()).isEqualTo(2);
    }

    @Test
    void aChangeIsItsUserAndVersion() {
        HashedIds changes = new HashedIds();
        assertThat(changes.add("user-1", 1)).isTrue();
        assertThat(changes.add("user-1", 2)).as("the user's next version").isTrue();
        assertThat(changes.add("user-2", 1)).as("another user's same version").isTrue();
        assertThat(changes.add("user-1", 2)).as("a duplicate").isFalse();
        assertThat(changes.size()).isEqualTo(3);
    }

    @Test
    void keepsEveryIdAcrossGrowing() {
        HashedIds ids = new HashedIds();
        int count = 300_000; // past several doublings of the 65,536 slots it starts with
        for (int i = 0; i < count; i++) {
            assertThat(ids.add("user-" + i)).isTrue();
        }
        for (int i = 0; i < count; i += 997) {
            assertThat(ids.add("user-" + i)).as("user-" + i + " again").isFalse();
        }
        assertThat(ids.size()).isEqualTo(count);
    }
}
