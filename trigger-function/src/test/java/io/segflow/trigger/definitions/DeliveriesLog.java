package io.segflow.trigger.definitions;

import com.fasterxml.jackson.databind.JsonNode;
import io.segflow.core.json.Json;
import io.segflow.core.trigger.TriggerKeys;
import io.segflow.testkit.RespClient;
import java.net.URI;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** A trigger's deliveries log as trigger-function keeps it in Redis, read as the admin API reads it. */
final class DeliveriesLog {
    private DeliveriesLog() {
    }

    /** The users whose firing of the trigger is logged with {@code status} ({@code scheduled}, {@code delivered}, ...). */
    static Set<String> users(String redisUrl, String triggerId, String status) {
        try (RespClient redis = new RespClient(URI.create(redisUrl).getPort())) {
            List<?> log = (List<?>) redis.call("HGETALL", TriggerKeys.log(triggerId));
            Set<String> users = new HashSet<>();
            for (int i = 1; i < log.size(); i += 2) {
                JsonNode entry = Json.read((String) log.get(i), JsonNode.class);
                if (status.equals(entry.path("status").asText())) {
                    users.add(entry.path("userId").asText());
                }
            }
            return users;
        }
    }
}
