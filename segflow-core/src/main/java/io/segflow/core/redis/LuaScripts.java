package io.segflow.core.redis;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** The Lua scripts that keep a user's keys consistent; their contracts are in their headers. */
public final class LuaScripts {
    public static final String APPLY_EVENT = load("apply-event.lua");
    public static final String APPLY_MEMBERSHIPS = load("apply-memberships.lua");
    public static final String READ_USER = load("read-user.lua");
    public static final String CLAIM_OUTBOX = load("claim-outbox.lua");
    public static final String BEGIN_PUBLISH = load("begin-publish.lua");
    public static final String ACK_OUTBOX = load("ack-outbox.lua");
    public static final String RELEASE_OUTBOX = load("release-outbox.lua");
    public static final String CLAIM_DUE = load("claim-due.lua");
    public static final String RESCHEDULE = load("reschedule.lua");
    public static final String CLAIM_BACKFILL = load("claim-backfill.lua");
    public static final String ADVANCE_BACKFILL = load("advance-backfill.lua");

    private LuaScripts() {
    }

    private static String load(String name) {
        try (InputStream in = LuaScripts.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing script " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
