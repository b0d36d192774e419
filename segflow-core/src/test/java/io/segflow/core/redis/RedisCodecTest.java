package io.segflow.core.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.segflow.core.membership.Memberships;
import io.segflow.core.profile.Profile;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RedisCodecTest {
    @Test
    void traitsRoundTripAsCelValues() {
        List<String> args = RedisCodec.traitArguments(Map.of("age", 30, "score", 1.5, "address", Map.of("zip", 10115)));
        Profile profile = RedisCodec.profile("u1", List.of(io.segflow.core.profile.ProfileFields.count("page"), "3"), args);
        assertThat(profile.count("page")).isEqualTo(3L);
        assertThat(profile.traits()).containsEntry("age", 30L).containsEntry("score", 1.5)
                .containsEntry("address", Map.of("zip", 10115L));
    }

    @Test
    void membershipsKeepVersionApart() {
        Memberships memberships = RedisCodec.memberships(List.of("vip", "1000", RedisKeys.VERSION_FIELD, "7"));
        assertThat(memberships.version()).isEqualTo(7);
        assertThat(memberships.since()).containsOnly(Map.entry("vip", Instant.ofEpochMilli(1000)));
    }

    @Test
    void membershipsKeepTheCatalogRevisionApartAndSkipUnknownAtFields() {
        Memberships memberships = RedisCodec.memberships(List.of("vip", "1000", RedisKeys.CATALOG_FIELD, "12",
                RedisKeys.VERSION_FIELD, "7", "@later", "3"));
        assertThat(memberships.catalogRevision()).isEqualTo(12);
        assertThat(memberships.version()).isEqualTo(7);
        assertThat(memberships.since()).containsOnly(Map.entry("vip", Instant.ofEpochMilli(1000)));
        assertThat(RedisCodec.memberships(List.of("vip", "1000")).catalogRevision()).isEqualTo(Memberships.NEVER_FULLY_EVALUATED);
    }

    @Test
    void usersShardsHaveTagsOfTheirOwn() {
        assertThat(RedisKeys.users(3)).isEqualTo("sf:{users:3}:ids");
        assertThat(RedisKeys.usersBackfill(3)).startsWith("sf:{users:3}:");
        assertThat(RedisKeys.userShard("u:1")).isBetween(0, RedisKeys.USER_SHARDS - 1);
    }

    @Test
    void everyKeyOfAUserSharesOneHashTag() {
        assertThat(List.of(RedisKeys.profile("u:1"), RedisKeys.traits("u:1"), RedisKeys.members("u:1"), RedisKeys.seen("u:1", "m")))
                .allMatch(key -> key.startsWith("sf:{u:1}:"));
    }
}
