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

    private final long timeoutNanos;
    private final int componentBudget;
    private final long adaptiveHoldNanos;
    private final int adaptiveHoldFragments;

    private ReassemblyLimits(long highThresholdBytes, long lowThresholdBytes, long timeoutNanos, int componentBudget) {
        this(highThresholdBytes, lowThresholdBytes, timeoutNanos, componentBudget, DEFAULT_ADAPTIVE_HOLD_NANOS,
                DEFAULT_ADAPTIVE_HOLD_FRAGMENTS);
    }

    private ReassemblyLimits(long highThresholdBytes, long lowThresholdBytes, long timeoutNanos, int componentBudget,
            long adaptiveHoldNanos, int adaptiveHoldFragments) {
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
                adaptiveHoldFragments);
    }

    /**
     * A copy with another adaptive hold time: how long {@link CoalescePolicy#ADAPTIVE} lets an incomplete datagram
     * keep fragment buffers before copying them into its own buffer and releasing them.
     */
    public ReassemblyLimits withAdaptiveHold(Duration hold) {
        return new ReassemblyLimits(highThresholdBytes, lowThresholdBytes, timeoutNanos, componentBudget,
                hold.toNanos(), adaptiveHoldFragments);
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
                adaptiveHoldNanos, fragments);
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
                adaptiveHoldNanos, adaptiveHoldFragments);
    }

    /** A copy with another component budget. */
    public ReassemblyLimits withComponentBudget(int budget) {
        return new ReassemblyLimits(highThresholdBytes, lowThresholdBytes, timeoutNanos, budget, adaptiveHoldNanos,
                adaptiveHoldFragments);
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
                + Duration.ofNanos(adaptiveHoldNanos) + " or " + adaptiveHoldFragments + " fragments)";
    }
}
