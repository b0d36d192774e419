package io.segflow.core.redis;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.segflow.core.json.Json;
import io.segflow.core.membership.Memberships;
import io.segflow.core.profile.CelValues;
import io.segflow.core.profile.Profile;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Reads and writes profile and membership values in the layout of {@link RedisKeys}. */
public final class RedisCodec {
    private RedisCodec() {
    }

    /** Traits as HSET arguments: name, JSON value, name, JSON value... */
    public static List<String> traitArguments(Map<String, Object> traits) {
        List<String> args = new ArrayList<>();
        if (traits != null) {
            traits.forEach((name, value) -> {
                args.add(name);
                args.add(Json.write(value));
            });
        }
        return args;
    }

    /** A profile from the flat field/value lists HGETALL returns for the profile and traits hashes. */
    public static Profile profile(String userId, List<String> profilePairs, List<String> traitPairs) {
        Map<String, String> fields = new HashMap<>();
        for (int i = 0; i + 1 < profilePairs.size(); i += 2) {
            fields.put(profilePairs.get(i), profilePairs.get(i + 1));
        }
        Map<String, Object> traits = new HashMap<>();
        for (int i = 0; i + 1 < traitPairs.size(); i += 2) {
            Object value = jsonValue(traitPairs.get(i + 1));
            if (value != null) {
                traits.put(traitPairs.get(i), CelValues.fromJson(value));
            }
        }
        return new Profile(userId, fields, traits);
    }

    /** Memberships from the members hash; '@' fields are not segments (unknown ones are skipped, for later versions). */
    public static Memberships memberships(List<String> memberPairs) {
        Map<String, Instant> since = new HashMap<>();
        long version = 0;
        long catalogRevision = Memberships.NEVER_FULLY_EVALUATED;
        for (int i = 0; i + 1 < memberPairs.size(); i += 2) {
            String field = memberPairs.get(i);
            String value = memberPairs.get(i + 1);
            if (RedisKeys.VERSION_FIELD.equals(field)) {
                version = Long.parseLong(value);
            } else if (RedisKeys.CATALOG_FIELD.equals(field)) {
                catalogRevision = Long.parseLong(value);
            } else if (!RedisKeys.isMembersMetaField(field)) {
                since.put(field, Instant.ofEpochMilli(Long.parseLong(value)));
            }
        }
        return new Memberships(since, version, catalogRevision);
    }

    private static Object jsonValue(String json) {
        try {
            return Json.MAPPER.readValue(json, Object.class);
        } catch (JsonProcessingException e) {
            return null;
        }
    }
}
