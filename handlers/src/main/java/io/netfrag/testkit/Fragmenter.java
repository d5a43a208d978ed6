package io.netfrag.testkit;

import static io.netty.util.internal.ObjectUtil.checkNotNull;

import io.netfrag.internal.wire.IpProtocols;
import io.netfrag.internal.wire.Ipv4Header;
import io.netfrag.internal.wire.Ipv6FragmentHeader;
import io.netfrag.internal.wire.Ipv6Header;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Fragments whole IPv6 and IPv4 packets at an MTU the way the Linux output path does ({@code ip6_fragment},
 * {@code ip_do_fragment}, slow path), so that tests see the geometry a Linux sender produces.
 *
 * <p><b>IPv6</b> (RFC 8200 §4.5): the unfragmentable part is what Linux {@code ip6_find_1stfragopt} keeps: the fixed
 * header, Hop-by-Hop Options, Routing headers and Destination Options headers up to the first Destination Options
 * header that follows a Routing header (as in Linux, a Destination Options header with no Routing header before it
 * stays in the unfragmentable part; Linux's Mobile IPv6 Home Address exception is not modelled). Each fragment is the
 * unfragmentable part, a Fragment header, and at most {@code mtu − unfragmentable − 8} bytes of data, rounded down to
 * a multiple of 8 for every fragment but the last (which may be up to 7 bytes longer than the others, as in Linux).
 * A packet that fits the MTU is passed on unchanged (no atomic fragment, RFC 8021); one that already carries a
 * Fragment header is refused.
 *
 * <p><b>IPv4</b> (RFC 791 §3.2): each fragment carries {@code mtu − IHL} bytes of data rounded down to 8 (the last:
 * the rest), MF and the offset set, the header checksum recomputed. Options are copied into the first fragment
 * whole; in every later fragment, as Linux {@code ip_options_fragment}, options whose copied flag is clear are
 * overwritten with No-Operation bytes so that every fragment keeps the same header length (RFC 791 requires only the
 * copied options there). A fragment is re-fragmented correctly (its offset is the base, its MF is kept on the last
 * piece). A packet with DF set that does not fit is refused with {@link IllegalArgumentException} (Linux would send
 * ICMP Fragmentation Needed).
 *
 * <p>The identification comes from the caller or from this instance's counter, which advances once per fragmented
 * packet (IPv4 uses its low 16 bits and replaces the packet's own). Linux picks IPv6 identifications from a keyed
 * hash; a counter is enough for tests and makes them reproducible.
 *
 * <p>Allocation per fragment is the fragment's own buffer and nothing else: headers and data are bulk copies.
 * Not thread-safe (the counter).
 */
public final class Fragmenter {
    private int nextIdentification;

    /** A fragmenter whose first identification is 1. */
    public Fragmenter() {
        this(1);
    }

    /**
     * A fragmenter whose counter starts at {@code firstIdentification}.
     *
     * @param firstIdentification the identification of the first fragmented packet
     */
    public Fragmenter(int firstIdentification) {
        this.nextIdentification = firstIdentification;
    }

    /** The identification the next fragmented packet gets from the counter. */
    public int nextIdentification() {
        return nextIdentification;
    }

    /**
     * Fragments {@code packet} with the next identification from the counter (taken only if the packet is
     * fragmented).
     *
     * @see #fragment(ByteBuf, int, int, ByteBufAllocator, Consumer)
     */
    public int fragment(ByteBuf packet, int mtu, ByteBufAllocator alloc, Consumer<? super ByteBuf> out) {
        int n = fragment(packet, mtu, nextIdentification, alloc, out);
        if (n > 1) {
            nextIdentification++;
        }
        return n;
    }

    /**
     * Fragments {@code packet} and hands each fragment, in offset order, to {@code out}.
     *
     * @param packet a whole IPv6 or IPv4 packet, its readable bytes exactly the packet; borrowed (indices unchanged)
     * @param mtu the link MTU in bytes: the longest fragment, IP header included
     * @param identification the Fragment header identification (IPv6) or the identification field (IPv4, low 16 bits)
     * @param alloc allocates the fragments
     * @param out receives each fragment; ownership of each is transferred to it (also when it throws). A packet that
     *     fits the MTU is passed as a retained slice of {@code packet}: it shares its memory, so a receiver that
     *     works in place (such as ESP decryption) changes {@code packet} too
     * @return the number of fragments passed to {@code out} (1 when the packet fits)
     * @throws IllegalArgumentException when the packet is malformed (version, lengths, truncated IPv6 extension
     *     headers), already an IPv6 fragment, IPv4 with DF set and too long, or the MTU leaves no room for 8 data
     *     bytes per fragment
     */
    public int fragment(ByteBuf packet, int mtu, int identification, ByteBufAllocator alloc,
            Consumer<? super ByteBuf> out) {
        checkNotNull(packet, "packet");
        checkNotNull(alloc, "alloc");
        checkNotNull(out, "out");
        if (mtu <= 0) {
            throw new IllegalArgumentException("mtu must be positive: " + mtu);
        }
        int start = packet.readerIndex();
        int length = packet.readableBytes();
        if (length == 0) {
            throw new IllegalArgumentException("empty packet");
        }
        int version = packet.getUnsignedByte(start) >>> 4;
        if (version == 6) {
            return fragment6(packet, start, length, mtu, identification, alloc, out);
        }
        if (version == 4) {
            return fragment4(packet, start, length, mtu, identification, alloc, out);
        }
        throw new IllegalArgumentException("not an IPv4 or IPv6 packet: version " + version);
    }

    /**
     * Fragments {@code packet} with the next identification from the counter and returns the fragments.
     *
     * @param packet a whole IPv6 or IPv4 packet; borrowed
     * @param mtu the link MTU
     * @param alloc allocates the fragments
     * @return the fragments in offset order, each owned by the caller (a packet that fits is one retained slice)
     * @throws IllegalArgumentException as {@link #fragment(ByteBuf, int, int, ByteBufAllocator, Consumer)}
     */
    public List<ByteBuf> fragment(ByteBuf packet, int mtu, ByteBufAllocator alloc) {
        List<ByteBuf> fragments = new ArrayList<>();
        boolean done = false;
        try {
            fragment(packet, mtu, alloc, fragments::add);
            done = true;
            return fragments;
        } finally {
            if (!done) {
                for (ByteBuf f : fragments) {
                    f.release();
                }
            }
        }
    }

    private static int fragment6(ByteBuf packet, int start, int length, int mtu, int identification,
            ByteBufAllocator alloc, Consumer<? super ByteBuf> out) {
        if (length < Ipv6Header.LENGTH || Ipv6Header.payloadLength(packet, start) != length - Ipv6Header.LENGTH) {
            throw new IllegalArgumentException("IPv6 payload length does not match the " + length + "-byte packet");
        }
        if (length <= mtu) {
            out.accept(packet.retainedSlice(start, length));
            return 1;
        }
        long split = unfragmentable6(packet, start, length);
        int headerLength = (int) (split >>> 32);
        int nameOffset = (int) split;
        int next = packet.getUnsignedByte(start + nameOffset);
        // as Linux ip6_fragment: mtu -= hlen + sizeof(struct frag_hdr), fail below 8
        int limit = mtu - headerLength - Ipv6FragmentHeader.LENGTH;
        if (limit < 8) {
            throw new IllegalArgumentException("MTU " + mtu + " leaves no room for 8 data bytes after "
                    + headerLength + " header bytes and a Fragment header");
        }
        int left = length - headerLength;
        int offset = 0;
        int count = 0;
        while (left > 0) {
            int dataLength = dataLength(left, limit);
            boolean more = dataLength < left;
            ByteBuf f = alloc.buffer(headerLength + Ipv6FragmentHeader.LENGTH + dataLength);
            try {
                int base = f.writerIndex();
                f.writeBytes(packet, start, headerLength);
                f.setByte(base + nameOffset, IpProtocols.FRAGMENT);
                Ipv6Header.payloadLength(f, base,
                        headerLength - Ipv6Header.LENGTH + Ipv6FragmentHeader.LENGTH + dataLength);
                f.writeByte(next).writeByte(0).writeShort((offset & 0xfff8) | (more ? 1 : 0)).writeInt(identification);
                f.writeBytes(packet, start + headerLength + offset, dataLength);
            } catch (RuntimeException | Error e) {
                f.release();
                throw e;
            }
            out.accept(f);
            count++;
            offset += dataLength;
            left -= dataLength;
        }
        return count;
    }

    private static int fragment4(ByteBuf packet, int start, int length, int mtu, int identification,
            ByteBufAllocator alloc, Consumer<? super ByteBuf> out) {
        if (length < Ipv4Header.MIN_LENGTH) {
            throw new IllegalArgumentException("IPv4 packet shorter than its header: " + length + " bytes");
        }
        int headerLength = Ipv4Header.headerLength(packet, start);
        if (headerLength < Ipv4Header.MIN_LENGTH || headerLength > length
                || Ipv4Header.totalLength(packet, start) != length) {
            throw new IllegalArgumentException("IPv4 header or total length does not match the " + length
                    + "-byte packet");
        }
        if (length <= mtu) {
            out.accept(packet.retainedSlice(start, length));
            return 1;
        }
        int field = Ipv4Header.fragmentField(packet, start);
        if ((field & Ipv4Header.FLAG_DF) != 0) {
            throw new IllegalArgumentException("DF set and " + length + " bytes do not fit MTU " + mtu);
        }
        int limit = mtu - headerLength;
        if (limit < 8) {
            throw new IllegalArgumentException("MTU " + mtu + " leaves no room for 8 data bytes after a "
                    + headerLength + "-byte header");
        }
        int baseOffset = (field & 0x1fff) << 3;
        boolean lastMore = (field & Ipv4Header.FLAG_MF) != 0;
        int left = length - headerLength;
        int offset = 0;
        int count = 0;
        while (left > 0) {
            int dataLength = dataLength(left, limit);
            boolean more = dataLength < left || lastMore;
            ByteBuf f = alloc.buffer(headerLength + dataLength);
            try {
                int base = f.writerIndex();
                f.writeBytes(packet, start, headerLength);
                if (offset > 0) {
                    noopUncopiedOptions(f, base, headerLength);
                }
                f.setShort(base + Ipv4Header.TOTAL_LENGTH_OFFSET, headerLength + dataLength);
                f.setShort(base + 4, identification);
                f.setShort(base + Ipv4Header.FRAGMENT_FIELD_OFFSET,
                        (more ? Ipv4Header.FLAG_MF : 0) | ((baseOffset + offset) >>> 3));
                Ipv4Header.updateChecksum(f, base, headerLength);
                f.writeBytes(packet, start + headerLength + offset, dataLength);
            } catch (RuntimeException | Error e) {
                f.release();
                throw e;
            }
            out.accept(f);
            count++;
            offset += dataLength;
            left -= dataLength;
        }
        return count;
    }

    /** As Linux: {@code len = min(left, mtu); if (len < left) len &= ~7;}. */
    private static int dataLength(int left, int limit) {
        int dataLength = Math.min(left, limit);
        return dataLength < left ? dataLength & ~7 : dataLength;
    }

    /**
     * The unfragmentable part of an IPv6 packet as Linux {@code ip6_find_1stfragopt} finds it.
     *
     * @return its length (high 32 bits) and the packet-relative offset of the next-header byte that names the first
     *     fragmentable header (low 32 bits)
     */
    static long unfragmentable6(ByteBuf packet, int start, int length) {
        int nameOffset = Ipv6Header.NEXT_HEADER_OFFSET;
        int offset = Ipv6Header.LENGTH;
        boolean routing = false;
        for (;;) {
            int next = packet.getUnsignedByte(start + nameOffset);
            switch (next) {
                case IpProtocols.HOP_BY_HOP:
                    break;
                case IpProtocols.ROUTING:
                    routing = true;
                    break;
                case IpProtocols.DESTINATION_OPTIONS:
                    if (routing) {
                        return (long) offset << 32 | nameOffset;
                    }
                    break;
                case IpProtocols.FRAGMENT:
                    throw new IllegalArgumentException("already an IPv6 fragment");
                default:
                    return (long) offset << 32 | nameOffset;
            }
            if (length - offset < 2) {
                throw new IllegalArgumentException("truncated IPv6 extension header at " + offset);
            }
            int headerLength = (packet.getUnsignedByte(start + offset + 1) + 1) << 3;
            if (length - offset < headerLength) {
                throw new IllegalArgumentException("truncated IPv6 extension header at " + offset);
            }
            nameOffset = offset;
            offset += headerLength;
        }
    }

    /**
     * As Linux {@code ip_options_fragment}: options without the copied flag (RFC 791: bit 0x80 of the type) become
     * No-Operation bytes; a malformed option ends the walk and leaves the rest as it is.
     */
    private static void noopUncopiedOptions(ByteBuf f, int base, int headerLength) {
        int index = base + Ipv4Header.MIN_LENGTH;
        int end = base + headerLength;
        while (index < end) {
            int type = f.getUnsignedByte(index);
            if (type == 0) { // End of Option List
                return;
            }
            if (type == 1) { // No-Operation
                index++;
                continue;
            }
            if (end - index < 2) {
                return;
            }
            int optionLength = f.getUnsignedByte(index + 1);
            if (optionLength < 2 || optionLength > end - index) {
                return;
            }
            if ((type & 0x80) == 0) {
                for (int i = 0; i < optionLength; i++) {
                    f.setByte(index + i, 1);
                }
            }
            index += optionLength;
        }
    }
}
