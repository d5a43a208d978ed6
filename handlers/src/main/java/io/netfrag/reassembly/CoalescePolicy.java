package io.netfrag.reassembly;

/**
 * How fragment data joins the datagram being reassembled, and when. The lesson behind it (Linux "inet: frags:
 * re-introduce skb coalescing for local delivery"): a reassembler that keeps every fragment's receive buffer until the
 * datagram completes lets lost fragments pin the receive ring.
 */
public enum CoalescePolicy {
    /**
     * Keep every fragment buffer as received; the datagram is a chain of them (Netty's
     * {@link io.netty.buffer.CompositeByteBuf}, as Linux's {@code frag_list}). Zero copy, but every receive buffer
     * stays pinned until the user releases the datagram.
     */
    NONE,
    /**
     * Keep fragment buffers as parts of the datagram's chain up to the component budget
     * ({@link ReassemblyLimits#componentBudget()}, Linux: 17 page frags); beyond it, copy.
     */
    COMPOSITE,
    /**
     * Copy each fragment's bytes into a buffer owned by the queue and release the fragment at once, on arrival.
     * A stalled datagram then pins only its own bytes, never receive buffers; a complete one is contiguous.
     */
    COPY,
    /**
     * Copy a fragment whose buffer pins much more than it carries (more than twice its readable bytes: a slice of a
     * recvmmsg/GRO batch, a small fragment in a big buffer); otherwise behave as {@link #COMPOSITE} — but a datagram
     * still incomplete after the adaptive hold time ({@link ReassemblyLimits#adaptiveHoldNanos()}, default 1 ms),
     * or after 64 fragments of other datagrams arrived ({@link ReassemblyLimits#adaptiveHoldFragments()}), whichever
     * comes first, is taken for stalled: its held fragments are copied into its own buffer and released, so lost
     * fragments never pin receive buffers for long, even when a bounded receive ring turns over in less than the hold
     * time. The default.
     */
    ADAPTIVE
}
