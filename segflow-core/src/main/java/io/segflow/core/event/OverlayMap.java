package io.segflow.core.event;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;

/**
 * A read-only object made of a call's own fields over those a whole batch sets ({@code context},
 * {@code integrations}), without copying either: every call of a batch shares the batch's map, so a large batch
 * {@code context} is held once however many calls it has. The call's values win; the order is the batch's keys, then
 * the call's other keys (as a copy of the batch's map with the call's put over it would have).
 */
final class OverlayMap extends AbstractMap<String, Object> {
    private final Map<String, Object> own;
    private final Map<String, Object> batch;
    private int size = -1;

    OverlayMap(Map<String, Object> own, Map<String, Object> batch) {
        this.own = own;
        this.batch = batch;
    }

    @Override
    public Object get(Object key) {
        return own.containsKey(key) ? own.get(key) : batch.get(key);
    }

    @Override
    public boolean containsKey(Object key) {
        return own.containsKey(key) || batch.containsKey(key);
    }

    @Override
    public int size() {
        if (size < 0) {
            int onlyOwn = 0;
            for (String key : own.keySet()) {
                if (!batch.containsKey(key)) {
                    onlyOwn++;
                }
            }
            size = batch.size() + onlyOwn;
        }
        return size;
    }

    @Override
    public Set<Entry<String, Object>> entrySet() {
        return new AbstractSet<>() {
            @Override
            public Iterator<Entry<String, Object>> iterator() {
                return new Entries();
            }

            @Override
            public int size() {
                return OverlayMap.this.size();
            }
        };
    }

    /** The batch's keys (with the call's value where it has one), then the keys only the call has. */
    private final class Entries implements Iterator<Entry<String, Object>> {
        private final Iterator<Entry<String, Object>> batchEntries = batch.entrySet().iterator();
        private final Iterator<Entry<String, Object>> ownEntries = own.entrySet().iterator();
        private Entry<String, Object> next;

        @Override
        public boolean hasNext() {
            if (next != null) {
                return true;
            }
            if (batchEntries.hasNext()) {
                Entry<String, Object> entry = batchEntries.next();
                String key = entry.getKey();
                next = own.containsKey(key) ? new SimpleImmutableEntry<>(key, own.get(key)) : entry;
                return true;
            }
            while (ownEntries.hasNext()) {
                Entry<String, Object> entry = ownEntries.next();
                if (!batch.containsKey(entry.getKey())) {
                    next = entry;
                    return true;
                }
            }
            return false;
        }

        @Override
        public Entry<String, Object> next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            Entry<String, Object> entry = next;
            next = null;
            return entry;
        }
    }
}
