package io.netfrag.internal.reassembly;

import io.netfrag.reassembly.OverlapPolicy;
import io.netty.buffer.ByteBuf;

/**
 * One fragment as the reassembly core takes it: where its data is, where it falls in the datagram, and what the core
 * keeps from it. The protocol handler owns one instance and fills it in for each packet (nothing is allocated per
 * fragment); {@link ReassemblyTable#insert} reads it and clears the buffer reference. Not thread-safe.
 */
public final class Fragment {
    ByteBuf buf;
    int dataIndex;
    int offset;
    int length;
    boolean last;
    int headerIndex;
    int headerLength;
    int flags;
    boolean forwarding;
    OverlapPolicy overlapPolicy = OverlapPolicy.DROP;
    boolean decryptedNext;

    /**
     * The fragment's data.
     *
     * @param buf the packet; ownership moves to the table with the insert (held, copied and released, or dropped and
     *     released)
     * @param dataIndex absolute index of the fragment data in {@code buf}
     * @param offset where the data starts in the datagram's fragmentable part, a multiple of 8
     * @param length data bytes
     * @param last whether this is the last fragment (M / MF clear)
     * @return this
     */
    public Fragment data(ByteBuf buf, int dataIndex, int offset, int length, boolean last) {
        this.buf = buf;
        this.dataIndex = dataIndex;
        this.offset = offset;
        this.length = length;
        this.last = last;
        return this;
    }

    /**
     * The header the datagram keeps from its first fragment (the unfragmentable part, without the Fragment header);
     * its length is also the headroom reserved in front of a copy buffer.
     *
     * @param index absolute index of that header in the buffer
     * @param length its length
     * @return this
     */
    public Fragment header(int index, int length) {
        this.headerIndex = index;
        this.headerLength = length;
        return this;
    }

    /**
     * Protocol bits ORed into the queue's {@link FragmentQueue#flags()} (e.g. the ECN codepoints seen).
     *
     * @return this
     */
    public Fragment flags(int flags) {
        this.flags = flags;
        return this;
    }

    /**
     * Whether the datagram is forwarded (then never coalesced: it keeps its fragment geometry, as in Linux) and how
     * overlaps are resolved in a queue this fragment creates (a queue keeps the policy it was created with).
     *
     * @return this
     */
    public Fragment route(boolean forwarding, OverlapPolicy overlapPolicy) {
        this.forwarding = forwarding;
        this.overlapPolicy = overlapPolicy;
        return this;
    }

    /**
     * Whether the datagram is decrypted once reassembled (its upper protocol is ESP). A copy buffer the queue gets is
     * then a heap buffer: JCA ciphers ({@code javax.crypto}) work on arrays, so the ESP decoder decrypts such a
     * datagram in place in the buffer's own array, where a direct buffer would cost a copy in and a copy out. Every
     * other datagram's copy buffer is direct, as the receive buffers are (a socket write takes it without a copy). A
     * queue keeps what the fragment that created it said.
     *
     * @return this
     */
    public Fragment decryptedNext(boolean decryptedNext) {
        this.decryptedNext = decryptedNext;
        return this;
    }

    /** Where the data starts in the datagram's fragmentable part. */
    public int offset() {
        return offset;
    }

    /** Data bytes. */
    public int length() {
        return length;
    }

    /** Whether it is the last fragment. */
    public boolean last() {
        return last;
    }
}
