package io.netfrag.internal.reassembly;

/**
 * Queues in creation order, an intrusive list through {@link FragmentQueue#older} and {@link FragmentQueue#newer}.
 * The timeout is fixed from creation and never extended, so creation order is expiry order: one timer on the oldest
 * serves them all, and eviction takes the oldest first; neither allocates.
 *
 * @param <K> key type
 */
final class QueueList<K> {
    private FragmentQueue<K> oldest;
    private FragmentQueue<K> newest;

    /** The oldest queue, or {@code null}. */
    FragmentQueue<K> oldest() {
        return oldest;
    }

    /** Deadline of the oldest queue, or {@link Long#MAX_VALUE} when there is none. */
    long nextDeadlineNanos() {
        return oldest == null ? Long.MAX_VALUE : oldest.deadlineNanos;
    }

    /** Appends {@code q} as the newest. */
    void link(FragmentQueue<K> q) {
        q.older = newest;
        if (newest != null) {
            newest.newer = q;
        } else {
            oldest = q;
        }
        newest = q;
    }

    /** Takes {@code q} out. */
    void unlink(FragmentQueue<K> q) {
        if (q.older != null) {
            q.older.newer = q.newer;
        } else {
            oldest = q.newer;
        }
        if (q.newer != null) {
            q.newer.older = q.older;
        } else {
            newest = q.older;
        }
        q.older = null;
        q.newer = null;
    }
}
