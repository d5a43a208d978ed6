package io.netfrag.internal.reassembly;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The queue index alone: lookups through chains of keys that share a hash, removal anywhere in a chain, and the pair
 * of recently used queues that spares two interleaved datagrams a hash lookup.
 */
class QueueIndexTest {
    /** A key whose hash is chosen, so that tests can make keys collide. */
    record Key(int id, long hash) implements FragmentKey<Key> {
        @Override
        public Key copy() {
            return this;
        }

        @Override
        public long hash(KeyHasher hasher) {
            return hash;
        }
    }

    private static FragmentQueue<Key> add(QueueIndex<Key> index, Key key) {
        assertNull(index.find(key), "new key " + key);
        FragmentQueue<Key> q = new FragmentQueue<>();
        q.key = key;
        index.add(q);
        return q;
    }

    @Test
    void collidingKeysAreFoundAndRemovedAnywhereInTheirChain() {
        QueueIndex<Key> index = new QueueIndex<>();
        List<FragmentQueue<Key>> qs = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            qs.add(add(index, new Key(i, 42)));
        }
        FragmentQueue<Key> other = add(index, new Key(9, 7));
        assertEquals(6, index.size());
        for (int i = 0; i < 5; i++) {
            assertSame(qs.get(i), index.find(new Key(i, 42)));
            assertTrue(index.contains(qs.get(i)));
        }
        index.remove(qs.get(2));
        index.remove(qs.get(0));
        assertFalse(index.contains(qs.get(2)));
        assertNull(index.find(new Key(2, 42)));
        assertNull(index.find(new Key(0, 42)));
        assertSame(qs.get(4), index.find(new Key(4, 42)));
        assertSame(other, index.find(new Key(9, 7)));
        for (int i : new int[] {1, 3, 4}) {
            index.remove(qs.get(i));
        }
        index.remove(other);
        assertEquals(0, index.size());
        assertNull(index.find(new Key(4, 42)));
    }

    @Test
    void theTwoMostRecentlyUsedQueuesAreKeptAndForgottenWhenRemoved() {
        QueueIndex<Key> index = new QueueIndex<>();
        FragmentQueue<Key> a = add(index, new Key(1, 1));
        FragmentQueue<Key> b = add(index, new Key(2, 2));
        FragmentQueue<Key> c = add(index, new Key(3, 3));
        assertNull(index.lastUsed());
        index.used(a);
        assertSame(a, index.lastUsed());
        index.used(b);
        assertSame(b, index.lastUsed());
        index.used(a);
        assertSame(a, index.lastUsed());
        index.used(c); // replaces the less recent of the pair, b
        assertSame(c, index.lastUsed());
        index.forgetLast();
        assertNull(index.lastUsed());
        index.used(a);
        assertSame(a, index.lastUsed());
        index.remove(a);
        assertNull(index.lastUsed(), "a removed queue is never handed out again");
        assertNull(index.find(new Key(1, 1)));
        assertSame(c, index.find(new Key(3, 3)));
        assertSame(b, index.find(new Key(2, 2)));
    }
}
