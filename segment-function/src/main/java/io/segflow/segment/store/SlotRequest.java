package io.segflow.segment.store;

import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Request;

/** A command with the key that decides its hash slot: every key of the command shares that key's slot. */
public record SlotRequest(String key, Request request) {
    /** {@code GET key}. */
    public static SlotRequest get(String key) {
        return new SlotRequest(key, Request.cmd(Command.GET).arg(key));
    }
}
