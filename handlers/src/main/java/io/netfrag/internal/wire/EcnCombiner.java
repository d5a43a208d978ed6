package io.netfrag.internal.wire;

/**
 * Combines the ECN codepoints of fragments as RFC 3168 §5.3 requires, with Linux's {@code ip_frag_ecn_table}: each
 * fragment contributes the bit {@code 1 << ecn}; CE with ECT makes the datagram CE; Not-ECT mixed with ECT or CE drops
 * it.
 */
public final class EcnCombiner {
    /** Result meaning the datagram must be dropped. */
    public static final int DROP = -1;

    private static final int NOT_ECT = 1;
    private static final int ECT_1 = 2;
    private static final int ECT_0 = 4;
    private static final int CE = 8;

    private EcnCombiner() {
    }

    /** The bit a fragment with ECN codepoint {@code ecn} (0..3) contributes. */
    public static int bit(int ecn) {
        return 1 << (ecn & 3);
    }

    /**
     * The ECN bits to OR into the reassembled header, or {@link #DROP}.
     *
     * @param bits the OR of {@link #bit(int)} over all fragments
     */
    public static int combine(int bits) {
        int b = bits & 0xf;
        if ((b & NOT_ECT) != 0 && (b & (ECT_0 | ECT_1 | CE)) != 0) {
            return DROP;
        }
        if ((b & CE) != 0 && (b & (ECT_0 | ECT_1)) != 0) {
            return 3; // INET_ECN_CE
        }
        return 0;
    }
}
