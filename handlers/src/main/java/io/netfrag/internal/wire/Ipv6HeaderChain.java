package io.netfrag.internal.wire;

import io.netty.buffer.ByteBuf;

/**
 * Walks the IPv6 extension-header chain (RFC 8200 §4) and keeps what it found. One instance is reused per handler,
 * so walking allocates nothing; the result is valid until the next {@link #walk}.
 *
 * <p>Hop-by-Hop, Routing, Fragment, Destination Options, Mobility, HIP and Shim6 headers are walked. ESP and AH end the
 * chain (their content belongs to IPsec processing), as do No Next Header and every upper-layer protocol. In a
 * non-first fragment the bytes after the Fragment header are fragment data, not headers, so the walk stops there.
 *
 * <p>The buffer is borrowed for the call and never retained.
 */
public final class Ipv6HeaderChain {

    /** Outcome of a walk. */
    public enum Status {
        /** The chain was walked to its end. */
        OK,
        /** An extension header runs past the end of the packet. */
        TRUNCATED,
        /** Hop-by-Hop options somewhere other than directly after the fixed header (RFC 8200 §4.3). */
        HOP_BY_HOP_NOT_FIRST
    }

    private static final Status[] STATUSES = Status.values();

    /**
     * The status's ordinal, not the enum: a reference stored into this long-lived object on every packet costs G1 a
     * card-marking write barrier with a StoreLoad fence once the object is in the old generation (measured: ~20 ns per
     * walk, which made every packet slower after a flood had run); an int store costs nothing.
     */
    private int status;
    private int upperProtocol;
    private int upperIndex;
    private int fragmentIndex;
    private int fragmentNextHeaderIndex;
    private int chainEndNextHeaderIndex;

    /**
     * Walks the chain of the IPv6 packet whose fixed header starts at {@code ipIndex}; headers must end before
     * {@code endIndex}.
     *
     * @return the status, also available from {@link #status()}
     */
    public Status walk(ByteBuf buf, int ipIndex, int endIndex) {
        int next = Ipv6Header.nextHeader(buf, ipIndex);
        int nextIndex = ipIndex + Ipv6Header.NEXT_HEADER_OFFSET;
        int index = ipIndex + Ipv6Header.LENGTH;
        fragmentIndex = -1;
        fragmentNextHeaderIndex = -1;
        for (;;) {
            switch (next) {
                case IpProtocols.HOP_BY_HOP:
                    if (index != ipIndex + Ipv6Header.LENGTH) {
                        return finish(Status.HOP_BY_HOP_NOT_FIRST, next, index, nextIndex);
                    }
                    // fall through: same layout as the other option-style headers
                case IpProtocols.ROUTING:
                case IpProtocols.DESTINATION_OPTIONS:
                case IpProtocols.MOBILITY:
                case IpProtocols.HIP:
                case IpProtocols.SHIM6: {
                    if (endIndex - index < 2) {
                        return finish(Status.TRUNCATED, next, index, nextIndex);
                    }
                    int length = (buf.getUnsignedByte(index + 1) + 1) << 3;
                    if (endIndex - index < length) {
                        return finish(Status.TRUNCATED, next, index, nextIndex);
                    }
                    nextIndex = index;
                    next = buf.getUnsignedByte(index);
                    index += length;
                    break;
                }
                case IpProtocols.FRAGMENT: {
                    if (endIndex - index < Ipv6FragmentHeader.LENGTH) {
                        return finish(Status.TRUNCATED, next, index, nextIndex);
                    }
                    if (fragmentIndex < 0) {
                        fragmentIndex = index;
                        fragmentNextHeaderIndex = nextIndex;
                    }
                    nextIndex = index;
                    int offset = Ipv6FragmentHeader.offsetBytes(buf, index);
                    next = Ipv6FragmentHeader.nextHeader(buf, index);
                    index += Ipv6FragmentHeader.LENGTH;
                    if (offset != 0) {
                        // RFC 8200 §4.5: what follows in a non-first fragment is data, not headers.
                        return finish(Status.OK, next, index, nextIndex);
                    }
                    break;
                }
                default:
                    return finish(Status.OK, next, index, nextIndex);
            }
        }
    }

    private Status finish(Status s, int protocol, int index, int nextHeaderIndex) {
        status = s.ordinal();
        upperProtocol = protocol;
        upperIndex = index;
        chainEndNextHeaderIndex = nextHeaderIndex;
        return s;
    }

    /** The status of the last walk. */
    public Status status() {
        return STATUSES[status];
    }

    /** The protocol that ends the chain (upper layer, ESP, AH or No Next Header). */
    public int upperProtocol() {
        return upperProtocol;
    }

    /** Absolute index where the chain-ending protocol's header starts. */
    public int upperIndex() {
        return upperIndex;
    }

    /** Absolute index of the byte naming {@link #upperProtocol()}. */
    public int upperNextHeaderIndex() {
        return chainEndNextHeaderIndex;
    }

    /** Absolute index of the first Fragment header, or -1. */
    public int fragmentIndex() {
        return fragmentIndex;
    }

    /** Absolute index of the next-header byte that names the first Fragment header, or -1. */
    public int fragmentNextHeaderIndex() {
        return fragmentNextHeaderIndex;
    }
}
