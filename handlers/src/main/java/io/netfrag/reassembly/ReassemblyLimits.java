package io.netfrag.reassembly;

import java.time.Duration;

/**
 * Limits of one reassembly table, as one value object (gVisor style). Defaults are Linux's: high threshold 4 MiB, low
 * threshold 3 MiB ({@code net.ipv6.ip6frag_high_thresh} / {@code _low_thresh}), the timeout given by the protocol
 * (IPv6 60 s, IPv4 30 s), and a component budget of 17 (Linux {@code MAX_SKB_FRAGS}).
 */
public final class ReassemblyLimits {
    /** Default high threshold: 4 MiB. */
    public static final long DEFAULT_HIGH_THRESHOLD_BYTES = 4L << 20;
    /** Default low threshold: 3 MiB. */
    public static final long DEFAULT_LOW_THRESHOLD_BYTES = 3L << 20;
    /** Default component budget for {@link CoalescePolicy#COMPOSITE} and {@link CoalescePolicy#ADAPTIVE}. */
    public static final int DEFAULT_COMPONENT_BUDGET = 17;

    private final long highThresholdBytes;
    private final long lowThresholdBytes;
    /** Default time {@link CoalescePolicy#ADAPTIVE} lets an incomplete datagram hold receive buffers: 1 ms. */
    public static final long DEFAULT_ADAPTIVE_HOLD_NANOS = 1_000_000;

    /**
     * Default number of fragments of <em>other</em> datagrams {@link CoalescePolicy#ADAPTIVE} lets arrive while an
     * incomplete datagram holds receive buffers: 64 (about one and a half 64 KB datagrams at MTU 1500).
     */
    public static final int DEFAULT_ADAPTIVE_HOLD_FRAGMENTS = 64;
    /**
     * Default {@link #minFragmentUnderPressure()}: 256 data bytes. Below what any path MTU in use carries per fragment
     * (IPv6 links carry at least 1280 bytes, RFC 8200; IPv4 paths of 296-byte MTUs carry 272 data bytes per fragment),
     * far above FragmentSmack's 8-byte fragments.
     */
    public static final int DEFAULT_MIN_FRAGMENT_UNDER_PRESSURE = 256;

    private final long timeoutNanos;
    private final int componentBudget;
    private final long adaptiveHoldNanos;
    private final int adaptiveHoldFragments;
    private final int minFragmentUnderPressure;

    private ReassemblyLimits(long highThresholdBytes, long lowThresholdBytes, long timeoutNanos, int componentBudget) {
        this(highThresholdBytes, lowThresholdBytes, timeoutNanos, componentBudget, DEFAULT_ADAPTIVE_HOLD_NANOS,
                DEFAULT_ADAPTIVE_HOLD_FRAGMENTS, DEFAULT_MIN_FRAGMENT_UNDER_PRESSURE);
    }

    private ReassemblyLimits(long highThresholdBytes, long lowThresholdBytes, long timeoutNanos, int componentBudget,
            long adaptiveHoldNanos, int adaptiveHoldFragments, int minFragmentUnderPressure) {
        if (minFragmentUnderPressure < 0) {
            throw new IllegalArgumentException("minFragmentUnderPressure must be >= 0 bytes: "
                    + minFragmentUnderPressure);
        }
        this.minFragmentUnderPressure = minFragmentUnderPressure;
        if (adaptiveHoldNanos < 0) {
            throw new IllegalArgumentException("adaptive hold must be >= 0: " + adaptiveHoldNanos + " ns");
        }
        if (adaptiveHoldFragments < 0) {
            throw new IllegalArgumentException("adaptive hold must be >= 0 fragments: " + adaptiveHoldFragments);
        }
        this.adaptiveHoldNanos = adaptiveHoldNanos;
        this.adaptiveHoldFragments = adaptiveHoldFragments;
        if (highThresholdBytes <= 0) {
            throw new IllegalArgumentException("highThresholdBytes must be positive: " + highThresholdBytes);
        }
        if (lowThresholdBytes < 0 || lowThresholdBytes > highThresholdBytes) {
            throw new IllegalArgumentException("lowThresholdBytes must be in [0, highThresholdBytes]: "
                    + lowThresholdBytes + " (high " + highThresholdBytes + ')');
        }
        if (timeoutNanos <= 0) {
            throw new IllegalArgumentException("timeout must be positive: " + timeoutNanos + " ns");
        }
        if (componentBudget < 1) {
            throw new IllegalArgumentException("componentBudget must be at least 1: " + componentBudget);
        }
        this.highThresholdBytes = highThresholdBytes;
        this.lowThresholdBytes = lowThresholdBytes;
        this.timeoutNanos = timeoutNanos;
        this.componentBudget = componentBudget;
    }

    /** Linux defaults with the given timeout. */
    public static ReassemblyLimits defaults(Duration timeout) {
        return new ReassemblyLimits(DEFAULT_HIGH_THRESHOLD_BYTES, DEFAULT_LOW_THRESHOLD_BYTES, timeout.toNanos(),
                DEFAULT_COMPONENT_BUDGET);
    }

    /** A copy with other memory thresholds. */
    public ReassemblyLimits withThresholds(long highBytes, long lowBytes) {
        return new ReassemblyLimits(highBytes, lowBytes, timeoutNanos, componentBudget, adaptiveHoldNanos,
                adaptiveHoldFragments, minFragmentUnderPressure);
    }

    /**
     * A copy with another adaptive hold time: how long {@link CoalescePolicy#ADAPTIVE} lets an incomplete datagram
     * keep fragment buffers before copying them into its own buffer and releasing them.
     */
    public ReassemblyLimits withAdaptiveHold(Duration hold) {
        return new ReassemblyLimits(highThresholdBytes, lowThresholdBytes, timeoutNanos, componentBudget,
                hold.toNanos(), adaptiveHoldFragments, minFragmentUnderPressure);
    }

    /**
     * A copy with another adaptive hold in fragments: how many fragments of other datagrams
     * {@link CoalescePolicy#ADAPTIVE} lets arrive while an incomplete datagram keeps fragment buffers, before it takes
     * the datagram for stalled and copies them. This bounds the receive buffers stalled datagrams pin when traffic is
     * fast (a bounded receive ring of a few hundred buffers turns over in well under the hold time at Gbit/s rates);
     * {@link Integer#MAX_VALUE} leaves only the time criterion.
     */
    public ReassemblyLimits withAdaptiveHoldFragments(int fragments) {
        return new ReassemblyLimits(highThresholdBytes, lowThresholdBytes, timeoutNanos, componentBudget,
                adaptiveHoldNanos, fragments, minFragmentUnderPressure);
    }

    /** How many fragments of other datagrams {@link CoalescePolicy#ADAPTIVE} lets arrive while holding buffers. */
    public int adaptiveHoldFragments() {
        return adaptiveHoldFragments;
    }

    /** How long {@link CoalescePolicy#ADAPTIVE} lets an incomplete datagram hold fragment buffers. */
    public long adaptiveHoldNanos() {
        return adaptiveHoldNanos;
    }

    /** A copy with another timeout. */
    public ReassemblyLimits withTimeout(Duration timeout) {
        return new ReassemblyLimits(highThresholdBytes, lowThresholdBytes, timeout.toNanos(), componentBudget,
                adaptiveHoldNanos, adaptiveHoldFragments, minFragmentUnderPressure);
    }

    /** A copy with another component budget. */
    public ReassemblyLimits withComponentBudget(int budget) {
        return new ReassemblyLimits(highThresholdBytes, lowThresholdBytes, timeoutNanos, budget, adaptiveHoldNanos,
                adaptiveHoldFragments, minFragmentUnderPressure);
    }

    /**
     * A copy with another {@link #minFragmentUnderPressure()}; 0 turns the rule off (every fragment may start a queue
     * while pinned memory is at or below the high threshold, evicting the oldest queues to make room).
     *
     * @throws IllegalArgumentException if {@code bytes} is negative
     */
    public ReassemblyLimits withMinFragmentUnderPressure(int bytes) {
        return new ReassemblyLimits(highThresholdBytes, lowThresholdBytes, timeoutNanos, componentBudget,
                adaptiveHoldNanos, adaptiveHoldFragments, bytes);
    }

    /**
     * While pinned memory is above the low threshold, a fragment that would start a new datagram and carries fewer
     * data bytes than this is dropped ({@code DropReason.TINY_FRAGMENT_UNDER_PRESSURE}, counted as ReasmFails) instead
     * of getting a queue and, in time, evicting an older datagram. Default
     * {@value #DEFAULT_MIN_FRAGMENT_UNDER_PRESSURE}.
     *
     * <p>Why: a flood of tiny fragments on fresh identifications (FragmentSmack's cheapest form: 28 to 64 bytes a
     * packet) makes a queue per packet once memory is full, and each such queue costs the receiver about two ordinary
     * packets' worth of CPU (the queue's memory, its map entry, and the eviction of a cold old queue), so a CPU-bound
     * receiver loses legitimate goodput at twice the rate of any other packet flood. Refused on arrival, such a
     * fragment costs a lookup. A legitimate datagram is affected only when memory is already under pressure and the
     * first of its fragments to arrive is smaller than this: with the default, only on paths whose MTU is under 296
     * bytes, or when a sender sends a small last fragment first (it is then dropped; the datagram's other fragments
     * start a queue that cannot complete). Linux refuses every fragment that would start a datagram once memory is
     * above its high threshold, whatever its size; this rule refuses only tiny ones, and from the low threshold.
     */
    public int minFragmentUnderPressure() {
        return minFragmentUnderPressure;
    }

    /** Above this many pinned bytes no new queue is created and the oldest queues are evicted. */
    public long highThresholdBytes() {
        return highThresholdBytes;
    }

    /** Eviction stops at or below this many pinned bytes. */
    public long lowThresholdBytes() {
        return lowThresholdBytes;
    }

    /** Lifetime of a queue from its creation; never extended. */
    public long timeoutNanos() {
        return timeoutNanos;
    }

    /** Most held fragment buffers per datagram before {@code COMPOSITE}/{@code ADAPTIVE} copy instead. */
    public int componentBudget() {
        return componentBudget;
    }

    @Override
    public String toString() {
        return "ReassemblyLimits(high " + highThresholdBytes + " B, low " + lowThresholdBytes + " B, timeout "
                + Duration.ofNanos(timeoutNanos) + ", componentBudget " + componentBudget + ", adaptiveHold "
                + Duration.ofNanos(adaptiveHoldNanos) + " or " + adaptiveHoldFragments + " fragments, minFragmentUnderPressure "
                + minFragmentUnderPressure + " B)";
    }
}
