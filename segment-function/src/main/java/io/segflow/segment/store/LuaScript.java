package io.segflow.segment.store;

import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Request;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** A Lua script, sent by its SHA1; its text goes to Redis only when Redis does not know it yet. */
public final class LuaScript {
    private final String source;
    private final String sha1;

    public LuaScript(String source) {
        this.source = source;
        try {
            this.sha1 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(source.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The start of a call with {@code keyCount} keys: append the keys, then the arguments. */
    public Request call(int keyCount) {
        return Request.cmd(Command.EVALSHA).arg(sha1).arg(keyCount);
    }

    Request load() {
        return Request.cmd(Command.SCRIPT).arg("LOAD").arg(source);
    }
}
