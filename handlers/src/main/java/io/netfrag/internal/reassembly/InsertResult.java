package io.netfrag.internal.reassembly;

import io.netfrag.reassembly.ReassemblyLimits;

/**
 * Outcome of {@link ReassemblyTable#insert}. In every case the fragment buffer was consumed (held, copied and
 * released, or dropped and released).
 */
public enum InsertResult {
    /** Held; the datagram is still incomplete. */
    QUEUED,
    /** The datagram is complete: take it with {@link ReassemblyTable#takeCompleted()}. */
    COMPLETE,
    /** Lies entirely within data already received: dropped, queue kept. */
    DUPLICATE,
    /** Overlaps data already received: the whole datagram was discarded (RFC 5722). */
    OVERLAP,
    /** Zero length, a conflicting last fragment or data beyond the known end: the datagram was discarded. */
    INVALID,
    /**
     * No queue could be created: pinned memory above the high threshold, or above the low threshold for a fragment
     * smaller than {@link ReassemblyLimits#minFragmentUnderPressure()}.
     */
    NO_MEMORY
}
