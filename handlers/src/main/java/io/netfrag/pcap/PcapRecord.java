package io.netfrag.pcap;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.DefaultByteBufHolder;

/**
 * One packet record of a capture file: the captured bytes plus where and when they were captured.
 *
 * <p>The record owns its {@link #content()}, and the record is owned by whoever received it from
 * {@link PcapReader#next()}: that caller must {@link #release()} the record (or its content) exactly once. Releasing
 * the record releases the content. The content's readable bytes are the captured bytes, starting with the link-layer
 * header named by {@link #linkType()}; use {@link LinkLayer} to find the IP packet inside.
 */
public final class PcapRecord extends DefaultByteBufHolder {
    private final int number;
    private final int linkType;
    private final int interfaceId;
    private final long timestampNanos;
    private final int originalLength;
    private final int capturedLength;

    PcapRecord(int number, int linkType, int interfaceId, long timestampNanos, int originalLength, ByteBuf content) {
        super(content);
        this.number = number;
        this.linkType = linkType;
        this.interfaceId = interfaceId;
        this.timestampNanos = timestampNanos;
        this.originalLength = originalLength;
        this.capturedLength = content.readableBytes();
    }

    /** The 1-based position of this record among the packet records of the file (other pcapng blocks not counted). */
    public int number() {
        return number;
    }

    /** The link-layer header type of the captured bytes (a LINKTYPE_ value, e.g. {@link LinkLayer#ETHERNET}). */
    public int linkType() {
        return linkType;
    }

    /** The pcapng interface the packet was captured on, counted within its section; always 0 for classic pcap. */
    public int interfaceId() {
        return interfaceId;
    }

    /**
     * The capture time in nanoseconds since 1970-01-01T00:00:00Z, converted from the file's resolution (truncated
     * toward zero when finer than a nanosecond). 0 for a pcapng Simple Packet Block, which carries no timestamp.
     */
    public long timestampNanos() {
        return timestampNanos;
    }

    /** The length of the packet on the wire; larger than {@link #capturedLength()} when the capture was truncated. */
    public int originalLength() {
        return originalLength;
    }

    /** The number of captured bytes: the readable bytes of the content when the record was made. */
    public int capturedLength() {
        return capturedLength;
    }

    /** Whether fewer bytes were captured than were on the wire (snaplen truncation). */
    public boolean truncated() {
        return capturedLength < originalLength;
    }

    /** {@inheritDoc} Keeps every field of this record. */
    @Override
    public PcapRecord replace(ByteBuf content) {
        return new PcapRecord(number, linkType, interfaceId, timestampNanos, originalLength, content);
    }

    /** {@inheritDoc} */
    @Override
    public PcapRecord copy() {
        return replace(content().copy());
    }

    /** {@inheritDoc} */
    @Override
    public PcapRecord duplicate() {
        return replace(content().duplicate());
    }

    /** {@inheritDoc} */
    @Override
    public PcapRecord retainedDuplicate() {
        return replace(content().retainedDuplicate());
    }

    /** {@inheritDoc} */
    @Override
    public PcapRecord retain() {
        super.retain();
        return this;
    }

    /** {@inheritDoc} */
    @Override
    public PcapRecord retain(int increment) {
        super.retain(increment);
        return this;
    }

    /** {@inheritDoc} */
    @Override
    public PcapRecord touch() {
        super.touch();
        return this;
    }

    /** {@inheritDoc} */
    @Override
    public PcapRecord touch(Object hint) {
        super.touch(hint);
        return this;
    }

    /** Equal when every field and the readable content are equal. */
    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof PcapRecord)) {
            return false;
        }
        PcapRecord other = (PcapRecord) o;
        return number == other.number && linkType == other.linkType && interfaceId == other.interfaceId
                && timestampNanos == other.timestampNanos && originalLength == other.originalLength
                && capturedLength == other.capturedLength && content().equals(other.content());
    }

    /** Combines the record number and the content's hash. */
    @Override
    public int hashCode() {
        return 31 * number + content().hashCode();
    }

    /** A one-line summary, without the bytes. */
    @Override
    public String toString() {
        return "PcapRecord(#" + number + " linktype " + linkType + " if " + interfaceId + " ts " + timestampNanos
                + " caplen " + capturedLength + " len " + originalLength + ')';
    }
}
