package io.netfrag.testkit;

import static io.netty.util.internal.ObjectUtil.checkNotNull;

import io.netfrag.internal.wire.IpProtocols;
import io.netfrag.internal.wire.Ipv4Header;
import io.netfrag.internal.wire.Ipv6FragmentHeader;
import io.netfrag.internal.wire.Ipv6Header;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
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
 * <p>Tests that need fragments no sender would produce (overlaps, odd orders, forged lengths, other option rules)
 * describe each one as a {@link Piece} and {@link #cut cut} it from the packet: the same code writes the fragments of
 * {@link #fragment fragment}, so a hand-made fragment differs from a Linux one only where its piece does.
 *
 * <p>Allocation per fragment is the fragment's own buffer and nothing else: headers and data are bulk copies.
 * Not thread-safe (the counter); the static methods are.
 */
public final class Fragmenter {
    /** How an IPv4 fragment other than the first carries the options of the packet's header. */
    public enum LaterOptions {
        /** As Linux {@code ip_options_fragment}: options without the copied flag become No-Operation bytes. */
        UNCOPIED_AS_NOP,
        /** Every option unchanged. */
        SAME,
        /** Only the options with the copied flag, padded with End of Option List: a shorter header (RFC 791). */
        COPIED_ONLY
    }

    /**
     * Where one fragment sits in the fragmentable part of a packet.
     *
     * @param offset the first data byte, counted from the start of the fragmentable part (IPv6: after the
     *     unfragmentable headers; IPv4: after the header); a multiple of 8
     * @param length data bytes; any non-negative length (a forged fragment may end anywhere)
     * @param more whether the More Fragments flag is set
     */
    public record Piece(int offset, int length, boolean more) {
        /** Checks the piece can be written in a Fragment header or an IPv4 fragment field. */
        public Piece {
            if (offset < 0 || (offset & 7) != 0 || offset > 0xfff8) {
                throw new IllegalArgumentException("fragment offset must be a multiple of 8 in 0..65528: " + offset);
            }
            if (length < 0) {
                throw new IllegalArgumentException("fragment length must not be negative: " + length);
            }
        }

        /** The offset just past the piece's data. */
        public int end() {
            return offset + length;
        }

        @Override
        public String toString() {
            return offset + "+" + length + (more ? "" : " last");
        }
    }

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
        checkNotNull(alloc, "alloc");
        checkNotNull(out, "out");
        if (mtu <= 0) {
            throw new IllegalArgumentException("mtu must be positive: " + mtu);
        }
        Layout layout = Layout.of(packet);
        int start = packet.readerIndex();
        if (packet.readableBytes() <= mtu) {
            out.accept(packet.retainedSlice(start, packet.readableBytes()));
            return 1;
        }
        int limit;
        if (layout.version == 6) {
            // as Linux ip6_fragment: mtu -= hlen + sizeof(struct frag_hdr), fail below 8
            limit = mtu - layout.headerLength - Ipv6FragmentHeader.LENGTH;
            if (limit < 8) {
                throw new IllegalArgumentException("MTU " + mtu + " leaves no room for 8 data bytes after "
                        + layout.headerLength + " header bytes and a Fragment header");
            }
        } else {
            if ((Ipv4Header.fragmentField(packet, start) & Ipv4Header.FLAG_DF) != 0) {
                throw new IllegalArgumentException("DF set and " + packet.readableBytes() + " bytes do not fit MTU "
                        + mtu);
            }
            limit = mtu - layout.headerLength;
            if (limit < 8) {
                throw new IllegalArgumentException("MTU " + mtu + " leaves no room for 8 data bytes after a "
                        + layout.headerLength + "-byte header");
            }
        }
        List<Piece> pieces = pieces(packet.readableBytes() - layout.headerLength, limit);
        for (Piece piece : pieces) {
            ByteBuf f = alloc.buffer(layout.fragmentLength(packet, piece, LaterOptions.UNCOPIED_AS_NOP));
            try {
                layout.write(f, packet, piece, identification, LaterOptions.UNCOPIED_AS_NOP);
            } catch (RuntimeException | Error e) {
                f.release();
                throw e;
            }
            out.accept(f);
        }
        return pieces.size();
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

    /**
     * The pieces Linux cuts {@code fragmentableLength} bytes into when each fragment carries at most
     * {@code maxData} data bytes: {@code len = min(left, maxData); if (len < left) len &= ~7;}.
     *
     * @param fragmentableLength bytes after the unfragmentable part, at least 1
     * @param maxData data bytes one fragment may carry, at least 8
     * @return the pieces in offset order, the last without More Fragments
     */
    public static List<Piece> pieces(int fragmentableLength, int maxData) {
        if (fragmentableLength < 1 || maxData < 8) {
            throw new IllegalArgumentException("need at least 1 byte and at least 8 data bytes per fragment: "
                    + fragmentableLength + ", " + maxData);
        }
        List<Piece> pieces = new ArrayList<>();
        int offset = 0;
        int left = fragmentableLength;
        while (left > 0) {
            int length = Math.min(left, maxData);
            if (length < left) {
                length &= ~7;
            }
            pieces.add(new Piece(offset, length, length < left));
            offset += length;
            left -= length;
        }
        return pieces;
    }

    /**
     * Cuts one fragment out of {@code packet}, non-first IPv4 fragments carrying the options as Linux does.
     *
     * @see #cut(ByteBufAllocator, ByteBuf, Piece, int, LaterOptions)
     */
    public static ByteBuf cut(ByteBufAllocator alloc, ByteBuf packet, Piece piece, int identification) {
        return cut(alloc, packet, piece, identification, LaterOptions.UNCOPIED_AS_NOP);
    }

    /** As {@link #cut(ByteBufAllocator, ByteBuf, Piece, int)}, from a packet held in an array (borrowed). */
    public static ByteBuf cut(ByteBufAllocator alloc, byte[] packet, Piece piece, int identification) {
        return cut(alloc, Unpooled.wrappedBuffer(packet), piece, identification, LaterOptions.UNCOPIED_AS_NOP);
    }

    /**
     * Cuts one fragment out of {@code packet}: the unfragmentable headers (IPv6) with a Fragment header, or the IPv4
     * header with its total length, identification, flags, offset and checksum rewritten, then the piece's data.
     * Data bytes of the piece beyond the packet's end are written as zeros (a forged fragment reaching past the
     * datagram). When {@code packet} is itself an IPv4 fragment, the piece's offset counts from the packet's own
     * offset and the last piece keeps the packet's More Fragments flag, as re-fragmentation does.
     *
     * @param alloc allocates the fragment
     * @param packet a whole IPv6 or IPv4 packet (IPv6: not already a fragment); borrowed (indices unchanged)
     * @param piece where the fragment sits
     * @param identification the Fragment header identification (IPv6) or identification field (IPv4, low 16 bits)
     * @param later how a non-first IPv4 fragment carries the header's options (ignored for IPv6)
     * @return the fragment, owned by the caller
     * @throws IllegalArgumentException when the packet is malformed or already an IPv6 fragment
     */
    public static ByteBuf cut(ByteBufAllocator alloc, ByteBuf packet, Piece piece, int identification,
            LaterOptions later) {
        checkNotNull(alloc, "alloc");
        Layout layout = Layout.of(packet);
        ByteBuf f = alloc.buffer(layout.fragmentLength(packet, piece, later));
        try {
            layout.write(f, packet, piece, identification, later);
            return f;
        } catch (RuntimeException | Error e) {
            f.release();
            throw e;
        }
    }

    /**
     * Writes one fragment, as {@link #cut(ByteBufAllocator, ByteBuf, Piece, int, LaterOptions) cut} builds it, at
     * the writer index of {@code dst} (for tests that pack several fragments into one buffer, as a receive ring
     * does).
     *
     * @param dst borrowed; its writer index advances by {@link #fragmentLength}
     * @param packet borrowed (indices unchanged)
     * @param piece where the fragment sits
     * @param identification the identification
     * @param later how a non-first IPv4 fragment carries the options
     */
    public static void write(ByteBuf dst, ByteBuf packet, Piece piece, int identification, LaterOptions later) {
        checkNotNull(dst, "dst");
        Layout.of(packet).write(dst, packet, piece, identification, later);
    }

    /**
     * As {@link #write(ByteBuf, ByteBuf, Piece, int, LaterOptions)} for an IPv6 packet, with the Fragment header after
     * its first {@code unfragmentableLength} bytes (the fixed header and whole extension headers) instead of where
     * Linux puts it: to send what other stacks may, such as a Destination Options header after the Fragment header
     * with no Routing header before it. The fragment is {@code unfragmentableLength + 8 + piece.length()} bytes.
     *
     * @param dst borrowed; its writer index advances by the fragment's length
     * @param packet a whole IPv6 packet, not a fragment; borrowed (indices unchanged)
     * @param unfragmentableLength 40, or the end of one of its extension headers
     * @param piece where the fragment sits, counted from {@code unfragmentableLength}
     * @param identification the Fragment header identification
     * @throws IllegalArgumentException when the packet is not IPv6 or the length is not at a header boundary
     */
    public static void write(ByteBuf dst, ByteBuf packet, int unfragmentableLength, Piece piece,
            int identification) {
        checkNotNull(dst, "dst");
        Layout.ipv6At(packet, unfragmentableLength).write(dst, packet, piece, identification, LaterOptions.SAME);
    }

    /** The bytes {@link #cut(ByteBufAllocator, ByteBuf, Piece, int, LaterOptions) cut} gives the piece. */
    public static int fragmentLength(ByteBuf packet, Piece piece, LaterOptions later) {
        return Layout.of(packet).fragmentLength(packet, piece, later);
    }

    /** Where a packet's unfragmentable part ends, found once per packet. */
    private static final class Layout {
        final int version;
        /** IPv6: the unfragmentable part; IPv4: the header. */
        final int headerLength;
        /** IPv6: the packet-relative offset of the next-header byte that names the first fragmentable header. */
        final int nameOffset;

        private Layout(int version, int headerLength, int nameOffset) {
            this.version = version;
            this.headerLength = headerLength;
            this.nameOffset = nameOffset;
        }

        static Layout of(ByteBuf packet) {
            checkNotNull(packet, "packet");
            int start = packet.readerIndex();
            int length = packet.readableBytes();
            if (length == 0) {
                throw new IllegalArgumentException("empty packet");
            }
            int version = packet.getUnsignedByte(start) >>> 4;
            if (version == 6) {
                if (length < Ipv6Header.LENGTH
                        || Ipv6Header.payloadLength(packet, start) != length - Ipv6Header.LENGTH) {
                    throw new IllegalArgumentException("IPv6 payload length does not match the " + length
                            + "-byte packet");
                }
                long split = unfragmentable6(packet, start, length);
                return new Layout(6, (int) (split >>> 32), (int) split);
            }
            if (version == 4) {
                if (length < Ipv4Header.MIN_LENGTH) {
                    throw new IllegalArgumentException("IPv4 packet shorter than its header: " + length + " bytes");
                }
                int headerLength = Ipv4Header.headerLength(packet, start);
                if (headerLength < Ipv4Header.MIN_LENGTH || headerLength > length
                        || Ipv4Header.totalLength(packet, start) != length) {
                    throw new IllegalArgumentException("IPv4 header or total length does not match the " + length
                            + "-byte packet");
                }
                return new Layout(4, headerLength, 0);
            }
            throw new IllegalArgumentException("not an IPv4 or IPv6 packet: version " + version);
        }

        /** An IPv6 packet's layout with the unfragmentable part ending at {@code unfragmentableLength}. */
        static Layout ipv6At(ByteBuf packet, int unfragmentableLength) {
            Layout linux = of(packet);
            if (linux.version != 6) {
                throw new IllegalArgumentException("not an IPv6 packet");
            }
            int start = packet.readerIndex();
            int nameOffset = Ipv6Header.NEXT_HEADER_OFFSET;
            for (int offset = Ipv6Header.LENGTH; offset != unfragmentableLength; ) {
                int next = packet.getUnsignedByte(start + nameOffset);
                boolean extension = next == IpProtocols.HOP_BY_HOP || next == IpProtocols.ROUTING
                        || next == IpProtocols.DESTINATION_OPTIONS;
                if (!extension || offset > unfragmentableLength || packet.readableBytes() - offset < 2) {
                    throw new IllegalArgumentException("no extension header ends at " + unfragmentableLength);
                }
                nameOffset = offset;
                offset += (packet.getUnsignedByte(start + offset + 1) + 1) << 3;
            }
            return new Layout(6, unfragmentableLength, nameOffset);
        }

        int fragmentLength(ByteBuf packet, Piece piece, LaterOptions later) {
            if (version == 6) {
                return headerLength + Ipv6FragmentHeader.LENGTH + piece.length();
            }
            return ipv4HeaderLength(packet, piece, later) + piece.length();
        }

        private int ipv4HeaderLength(ByteBuf packet, Piece piece, LaterOptions later) {
            int start = packet.readerIndex();
            boolean first = ((Ipv4Header.fragmentField(packet, start) & 0x1fff) << 3) + piece.offset() == 0;
            if (first || checkNotNull(later, "later") != LaterOptions.COPIED_ONLY) {
                return headerLength;
            }
            int copied = copiedOptions(packet, start, null);
            return Ipv4Header.MIN_LENGTH + ((copied + 3) & ~3);
        }

        void write(ByteBuf f, ByteBuf packet, Piece piece, int identification, LaterOptions later) {
            checkNotNull(piece, "piece");
            int start = packet.readerIndex();
            int base = f.writerIndex();
            int dataStart;
            if (version == 6) {
                int next = packet.getUnsignedByte(start + nameOffset);
                f.writeBytes(packet, start, headerLength);
                f.setByte(base + nameOffset, IpProtocols.FRAGMENT);
                Ipv6Header.payloadLength(f, base,
                        headerLength - Ipv6Header.LENGTH + Ipv6FragmentHeader.LENGTH + piece.length());
                f.writeZero(Ipv6FragmentHeader.LENGTH);
                Ipv6FragmentHeader.write(f, base + headerLength, next, piece.offset(), piece.more(), identification);
                dataStart = start + headerLength + piece.offset();
            } else {
                int field = Ipv4Header.fragmentField(packet, start);
                int baseOffset = (field & 0x1fff) << 3;
                int offset = baseOffset + piece.offset();
                boolean more = piece.more() || (field & Ipv4Header.FLAG_MF) != 0;
                int fragmentHeader = ipv4HeaderLength(packet, piece, later);
                if (fragmentHeader == headerLength) {
                    f.writeBytes(packet, start, headerLength);
                    if (offset > 0 && later == LaterOptions.UNCOPIED_AS_NOP) {
                        noopUncopiedOptions(f, base, headerLength);
                    }
                } else {
                    writeCopiedOptionsOnly(f, packet, start);
                }
                f.setByte(base, 0x40 | fragmentHeader >>> 2);
                f.setShort(base + Ipv4Header.TOTAL_LENGTH_OFFSET, fragmentHeader + piece.length());
                f.setShort(base + 4, identification);
                f.setShort(base + Ipv4Header.FRAGMENT_FIELD_OFFSET,
                        (field & Ipv4Header.FLAG_DF) | (more ? Ipv4Header.FLAG_MF : 0) | offset >>> 3);
                Ipv4Header.updateChecksum(f, base, fragmentHeader);
                dataStart = start + headerLength + piece.offset();
            }
            int available = Math.max(0, Math.min(piece.length(), packet.writerIndex() - dataStart));
            if (available > 0) {
                f.writeBytes(packet, dataStart, available);
            }
            f.writeZero(piece.length() - available);
        }

        private void writeCopiedOptionsOnly(ByteBuf f, ByteBuf packet, int start) {
            int base = f.writerIndex();
            f.writeBytes(packet, start, Ipv4Header.MIN_LENGTH);
            copiedOptions(packet, start, f);
            f.writeZero((4 - (f.writerIndex() - base) % 4) % 4); // End of Option List up to a 32-bit boundary
        }

        /** The bytes of the header's options with the copied flag; each is also written to {@code dst} if given. */
        private int copiedOptions(ByteBuf packet, int start, ByteBuf dst) {
            int copied = 0;
            for (int index = start + Ipv4Header.MIN_LENGTH, end = start + headerLength, n; index < end;
                    index += n) {
                n = optionLength(packet, index, end);
                if (n == 0) {
                    break;
                }
                if ((packet.getUnsignedByte(index) & 0x80) != 0) {
                    copied += n;
                    if (dst != null) {
                        dst.writeBytes(packet, index, n);
                    }
                }
            }
            return copied;
        }
    }

    /** Bytes of the IPv4 option at {@code index}: 1 for No-Operation, 0 at End of Option List or when malformed. */
    private static int optionLength(ByteBuf b, int index, int end) {
        int type = b.getUnsignedByte(index);
        if (type == 0) {
            return 0;
        }
        if (type == 1) {
            return 1;
        }
        if (end - index < 2) {
            return 0;
        }
        int length = b.getUnsignedByte(index + 1);
        return length < 2 || length > end - index ? 0 : length;
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
        for (int index = base + Ipv4Header.MIN_LENGTH, end = base + headerLength, n; index < end; index += n) {
            n = optionLength(f, index, end);
            if (n == 0) {
                return;
            }
            if (n > 1 && (f.getUnsignedByte(index) & 0x80) == 0) {
                f.setBytes(index, NOPS, 0, n);
            }
        }
    }

    private static final byte[] NOPS = filled(40, 1);

    private static byte[] filled(int length, int value) {
        byte[] b = new byte[length];
        java.util.Arrays.fill(b, (byte) value);
        return b;
    }
}
