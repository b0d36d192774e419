package io.segflow.core.identity;

import io.segflow.core.state.CompactReader;
import io.segflow.core.state.CompactWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Who a profile is, beyond its key: whether the key is a known user id (an event carried it as {@code userId}), and
 * the other ids linked to it — requested (an identify or alias named them; the merge is on its way) or merged (their
 * profile is in this one). Stored in the user's record; one byte for a user with no links.
 */
public final class Identity {
    private boolean known;
    /** Linked id → merged (true) or requested (false); sorted, so that a user always encodes to the same bytes. */
    private final Map<String, Boolean> linked = new TreeMap<>();

    /** An event carried the profile's key as its userId: the key is a known user, not only an anonymous id. */
    public boolean known() {
        return known;
    }

    public void markKnown() {
        known = true;
    }

    /** Whether a merge of {@code id} was requested or done: a second identify naming it asks for nothing. */
    public boolean isLinked(String id) {
        return linked.containsKey(id);
    }

    public boolean isMerged(String id) {
        return Boolean.TRUE.equals(linked.get(id));
    }

    public void requested(String id) {
        linked.putIfAbsent(id, false);
    }

    public void merged(String id) {
        linked.put(id, true);
    }

    /**
     * The merged id's forward was erased: it is a visitor of its own again, which a later identify or alias may merge
     * anew. What it brought stays in this profile. A request still on its way is kept: its profile is yet to come.
     *
     * @return whether the id was merged into this one
     */
    public boolean unlink(String id) {
        return linked.remove(id, Boolean.TRUE);
    }

    /** The ids whose profile was merged into this one, sorted. */
    public List<String> mergedIds() {
        List<String> ids = new ArrayList<>();
        linked.forEach((id, merged) -> {
            if (merged) {
                ids.add(id);
            }
        });
        return ids;
    }

    /** Every linked id, merged or requested: an erasure of this user erases those merged into it. */
    public List<String> linkedIds() {
        return List.copyOf(linked.keySet());
    }

    public boolean isEmpty() {
        return !known && linked.isEmpty();
    }

    /** A varint of (links · 2 + known), then per link its id and state. */
    public void writeTo(CompactWriter out) {
        out.writeVarLong((long) linked.size() << 1 | (known ? 1 : 0));
        linked.forEach((id, merged) -> {
            out.writeString(id);
            out.writeByte(merged ? 1 : 0);
        });
    }

    public static Identity readFrom(CompactReader in) {
        Identity identity = new Identity();
        long head = in.readVarLong();
        identity.known = (head & 1) != 0;
        for (long i = head >>> 1; i > 0; i--) {
            String id = in.readString();
            identity.linked.put(id, in.readByte() != 0);
        }
        return identity;
    }

    /** Adds the links of a profile merged into this one (its known flag stays its own). */
    public void absorb(Identity other) {
        other.linked.forEach((id, merged) -> {
            if (merged) {
                linked.put(id, true);
            } else {
                linked.putIfAbsent(id, false);
            }
        });
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Identity other && known == other.known && linked.equals(other.linked);
    }

    @Override
    public int hashCode() {
        return linked.hashCode() * 2 + (known ? 1 : 0);
    }
}
