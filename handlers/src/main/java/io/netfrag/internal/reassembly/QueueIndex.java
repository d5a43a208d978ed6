package io.netfrag.internal.reassembly;

import io.netty.util.collection.IntObjectHashMap;

/**
 * Finds a datagram's queue by its key. Queues live in an open-addressing map of ints, their keys' keyed hashes
 * ({@link KeyHasher}, under a secret of the index, so a sender cannot make keys collide) folded to 32 bits; the rare
 * queues whose folded hashes are equal hang off the first one on {@link FragmentQueue#sameHash}. A lookup that misses
 * (every new datagram, every attack identification) probes an int array and touches no queue.
 *
 * <p>Two recently used queues are tried before the map: fragments of one datagram arrive back to back, or interleaved
 * with one other datagram's. They are rewritten only when a queue found in the map replaces one of them: each write
 * of a young queue into this long-lived object costs a GC write barrier, per fragment if done on every insert.
 *
 * @param <K> key type
 */
final class QueueIndex<K extends FragmentKey<K>> {
    private final IntObjectHashMap<FragmentQueue<K>> queues = new IntObjectHashMap<>();
    private final KeyHasher hasher = new KeyHasher();
    private int size;
    /** The folded hash of the key the last {@link #find} looked up in the map (valid when it returned null). */
    private int lookupHash;
    private FragmentQueue<K> hot;
    private FragmentQueue<K> warm;
    /** Which of {@link #hot} and {@link #warm} was used last. */
    private boolean hotIsRecent;
    /** Which of the two the last {@link #used} made recent: 1 hot, 2 warm, 0 none since {@link #forgetLast()}. */
    private int lastSlot;

    /** Number of queues. */
    int size() {
        return size;
    }

    /**
     * The live queue of {@code key}, or {@code null}.
     *
     * @param key borrowed
     */
    FragmentQueue<K> find(K key) {
        if (hot != null && hot.key.equals(key)) {
            return hot;
        }
        if (warm != null && warm.key.equals(key)) {
            return warm;
        }
        long h64 = key.hash(hasher);
        int h = (int) (h64 ^ (h64 >>> 32));
        lookupHash = h;
        for (FragmentQueue<K> q = queues.get(h); q != null; q = q.sameHash) {
            if (q.key.equals(key)) {
                return q;
            }
        }
        return null;
    }

    /** Adds a new queue for the key the last {@link #find} missed. */
    void add(FragmentQueue<K> q) {
        int h = lookupHash;
        q.hash = h;
        FragmentQueue<K> head = queues.get(h);
        if (head == null) {
            queues.put(h, q);
        } else {
            q.sameHash = head.sameHash;
            head.sameHash = q;
        }
        size++;
    }

    /** Whether {@code q} is in the index. */
    boolean contains(FragmentQueue<K> q) {
        for (FragmentQueue<K> p = queues.get(q.hash); p != null; p = p.sameHash) {
            if (p == q) {
                return true;
            }
        }
        return false;
    }

    /** Takes {@code q} out of the index and the recent pair. */
    void remove(FragmentQueue<K> q) {
        FragmentQueue<K> head = queues.get(q.hash);
        if (head == q) {
            if (q.sameHash == null) {
                queues.remove(q.hash);
            } else {
                queues.put(q.hash, q.sameHash);
            }
        } else {
            FragmentQueue<K> p = head;
            while (p.sameHash != q) {
                p = p.sameHash;
            }
            p.sameHash = q.sameHash;
        }
        q.sameHash = null;
        size--;
        if (hot == q) {
            hot = null;
        }
        if (warm == q) {
            warm = null;
        }
    }

    /** {@code q} took a fragment and stays: it becomes the most recent of the pair. */
    void used(FragmentQueue<K> q) {
        if (q == hot) {
            hotIsRecent = true;
            lastSlot = 1;
        } else if (q == warm) {
            hotIsRecent = false;
            lastSlot = 2;
        } else if (hotIsRecent) {
            warm = q;
            hotIsRecent = false;
            lastSlot = 2;
        } else {
            hot = q;
            hotIsRecent = true;
            lastSlot = 1;
        }
    }

    /** The next {@link #lastUsed()} is {@code null} unless {@link #used} is called first. */
    void forgetLast() {
        lastSlot = 0;
    }

    /** The queue the last {@link #used} was for, since {@link #forgetLast()}; {@code null} if none. */
    FragmentQueue<K> lastUsed() {
        return lastSlot == 1 ? hot : lastSlot == 2 ? warm : null;
    }
}
