package io.segflow.segment.store;

import io.vertx.mutiny.redis.client.Response;

/** Which master serves each hash slot, from a {@code CLUSTER SLOTS} answer: a cluster pipeline goes per master. */
final class SlotOwners {
    private final String[] masterOfSlot = new String[HashSlot.SLOTS];

    /** Each entry of the answer: first slot, last slot, then the master (host, port, id, ...) and its replicas. */
    SlotOwners(Response clusterSlots) {
        for (Response range : clusterSlots) {
            Response master = range.get(2);
            String address = master.get(0).toString() + ":" + master.get(1).toString();
            for (int slot = range.get(0).toInteger(); slot <= range.get(1).toInteger(); slot++) {
                masterOfSlot[slot] = address;
            }
        }
    }

    /** The master's host:port, or "unassigned" (a command there fails as Redis answers it: CLUSTERDOWN). */
    String masterOf(String key) {
        String master = masterOfSlot[HashSlot.of(key)];
        return master == null ? "unassigned" : master;
    }
}
