package io.netfrag.internal.reassembly;

import io.netfrag.reassembly.ReassemblyLimits;

/**
 * The bytes all queues of a table pin ({@link Pinning}: what a buffer keeps from being reused, plus each queue's
 * bookkeeping), with each queue's share on the queue itself so that letting a queue go subtracts exactly what it was
 * charged. The account returns to zero when every queue is gone.
 *
 * <p>The thresholds are Linux's rules: above the high threshold no new queue is made and the oldest are evicted down
 * to the low threshold; above the low threshold a fragment smaller than
 * {@link ReassemblyLimits#minFragmentUnderPressure()} does not start a datagram.
 */
final class MemoryAccount {
    private final ReassemblyLimits limits;
    private long pinnedBytes;
    private long peakPinnedBytes;

    MemoryAccount(ReassemblyLimits limits) {
        this.limits = limits;
    }

    /** Bytes pinned now. */
    long pinnedBytes() {
        return pinnedBytes;
    }

    /** The highest {@link #pinnedBytes()} seen. */
    long peakPinnedBytes() {
        return peakPinnedBytes;
    }

    /** Whether pinned memory is above the high threshold. */
    boolean aboveHigh() {
        return pinnedBytes > limits.highThresholdBytes();
    }

    /** Whether pinned memory is above the low threshold. */
    boolean aboveLow() {
        return pinnedBytes > limits.lowThresholdBytes();
    }

    /** Whether {@code bytes} more would take pinned memory above the low threshold. */
    boolean wouldPassLow(long bytes) {
        return pinnedBytes + bytes > limits.lowThresholdBytes();
    }

    /**
     * Whether a fragment of {@code length} data bytes may not start a datagram now: pinned memory is above the high
     * threshold, or above the low threshold and the fragment is smaller than
     * {@link ReassemblyLimits#minFragmentUnderPressure()} (FragmentSmack's fragments; zero-length fragments are judged
     * by the rules, not here).
     */
    boolean refusesNewQueue(int length) {
        return aboveHigh() || refusesTinyNewQueue(length);
    }

    /** The tiny-fragment half of {@link #refusesNewQueue}. */
    boolean refusesTinyNewQueue(int length) {
        return length < limits.minFragmentUnderPressure() && length != 0 && aboveLow();
    }

    /** Charges {@code bytes} (negative to give some back) to {@code q} and the table. */
    void charge(FragmentQueue<?> q, long bytes) {
        q.pinnedBytes += bytes;
        pinnedBytes += bytes;
        if (pinnedBytes > peakPinnedBytes) {
            peakPinnedBytes = pinnedBytes;
        }
    }

    /** Gives back everything {@code q} was charged. */
    void uncharge(FragmentQueue<?> q) {
        pinnedBytes -= q.pinnedBytes;
        q.pinnedBytes = 0;
    }
}
