package io.netfrag.stats;

import java.util.Arrays;

/**
 * Mutable counters of one handler: {@link MibCounter}s and drops by {@link DropReason}. Written only from the
 * handler's event loop; {@link #snapshot()} may be called from any thread and sees values at least as new as the last
 * write the event loop published (each field is read once; a snapshot is not atomic across fields).
 */
public final class Counters {
    private final long[] mib = new long[MibCounter.values().length];
    private final long[] drops = new long[DropReason.values().length];

    /** Adds one to {@code counter}. */
    public void increment(MibCounter counter) {
        mib[counter.ordinal()]++;
    }

    /** Adds {@code n} to {@code counter}. */
    public void add(MibCounter counter, long n) {
        mib[counter.ordinal()] += n;
    }

    /** Adds one to the drops of {@code reason}. */
    public void drop(DropReason reason) {
        drops[reason.ordinal()]++;
    }

    /** Current value of {@code counter}. */
    public long get(MibCounter counter) {
        return mib[counter.ordinal()];
    }

    /** Current drops of {@code reason}. */
    public long get(DropReason reason) {
        return drops[reason.ordinal()];
    }

    /** An immutable copy. */
    public CounterSnapshot snapshot() {
        return new CounterSnapshot(Arrays.copyOf(mib, mib.length), Arrays.copyOf(drops, drops.length));
    }
}
