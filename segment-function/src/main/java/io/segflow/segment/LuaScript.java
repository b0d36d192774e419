package io.segflow.segment;

import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Request;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/** A Lua script, sent by its SHA1; its text goes to Redis only when Redis does not know it yet. */
final class LuaScript {
    private final String source;
    private final String sha1;

    LuaScript(String source) {
        this.source = source;
        try {
            this.sha1 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(source.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The script as one request; {@link RedisPipeline} loads it when Redis does not know it (after a restart). */
    Request request(List<String> keys, List<String> args) {
        Request request = Request.cmd(Command.EVALSHA).arg(sha1).arg(keys.size());
        keys.forEach(request::arg);
        args.forEach(request::arg);
        return request;
    }

    Request load() {
        return Request.cmd(Command.SCRIPT).arg("LOAD").arg(source);
    }
}
