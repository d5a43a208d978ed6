package io.netfrag.property;

import io.netfrag.internal.wire.InternetChecksum;
import io.netfrag.internal.wire.IpProtocols;
import io.netfrag.internal.wire.Ipv4Header;
import io.netfrag.internal.wire.Ipv6Header;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.List;

/**
 * A UDP datagram over IPv6 or IPv4 built from readable parameters (header shape, payload length, identification), and
 * its fragments at any legal geometry. Not a property itself: the model the properties fragment, damage and compare
 * against.
 *
 * <p>IPv6: the fixed header, then optional Hop-by-Hop, Destination Options and Routing headers (the unfragmentable
 * part, kept in every fragment), then an optional Destination Options header that lies in the fragmentable part (as
 * one after a Routing header does), then UDP. IPv4: a header with optional options: a Router Alert (copied into every
 * fragment, RFC 791) followed by a Record Route (not copied), so that later fragments may carry the same header, the
 * uncopied option overwritten with No-Operation bytes (as Linux {@code ip_options_fragment}), or only the copied
 * option (a shorter header).
 *
 * <p>The packet is held as a byte array; fragments are written into buffers the caller owns.
 */
final class TestDatagram {
    /** Largest IPv6 payload length and IPv4 total length. */
    static final int MAX_LENGTH = 65535;
    private static final int UDP_HEADER = 8;
    private static final int ROUTER_ALERT = 0x94;
    private static final int RECORD_ROUTE = 0x07;
    private static final int NOP = 1;
    private static final int PAD_N = 1;

    /**
     * Extension headers of an IPv6 datagram: for each, -1 when absent, else its Hdr Ext Len (0..2: 8, 16 or 24 bytes).
     * {@code fragmentableDestination} is a Destination Options header after the Fragment header.
     */
    record Ipv6Headers(int hopByHop, int destination, int routing, int fragmentableDestination) {
        static final Ipv6Headers NONE = new Ipv6Headers(-1, -1, -1, -1);

        int unfragmentableBytes() {
            return bytes(hopByHop) + bytes(destination) + bytes(routing);
        }

        int fragmentableBytes() {
            return bytes(fragmentableDestination);
        }

        private static int bytes(int hdrExtLen) {
            return hdrExtLen < 0 ? 0 : 8 * (hdrExtLen + 1);
        }

        @Override
        public String toString() {
            StringBuilder s = new StringBuilder("IPv6");
            append(s, "HBH", hopByHop);
            append(s, "DST", destination);
            append(s, "RH", routing);
            s.append(" FRAG");
            append(s, "DST", fragmentableDestination);
            return s.append(" UDP").toString();
        }

        private static void append(StringBuilder s, String name, int hdrExtLen) {
            if (hdrExtLen >= 0) {
                s.append(' ').append(name).append('(').append(bytes(hdrExtLen)).append(')');
            }
        }
    }

    /** How non-first IPv4 fragments carry the options of the first. */
    enum LaterOptions {
        /** Every option, unchanged. */
        SAME,
        /** Options without the copied flag replaced by No-Operation bytes (Linux). */
        UNCOPIED_AS_NOP,
        /** Only the copied options: a shorter header (RFC 791). */
        COPIED_ONLY
    }

    /** IPv4 options: {@code words} 32-bit words of options (0..10), and how later fragments carry them. */
    record Ipv4Options(int words, LaterOptions later) {
        static final Ipv4Options NONE = new Ipv4Options(0, LaterOptions.SAME);

        @Override
        public String toString() {
            return words == 0 ? "IPv4" : "IPv4 options(" + 4 * words + " bytes, later fragments " + later + ')';
        }
    }

    /** A fragment's place in the fragmentable part: offset, length and whether more fragments follow. */
    record Piece(int offset, int length, boolean more) {
        int end() {
            return offset + length;
        }

        @Override
        public String toString() {
            return offset + "+" + length + (more ? "" : " last");
        }
    }

    final int version;
    /** The whole datagram, unfragmented. */
    final byte[] packet;
    /** Bytes every fragment repeats: IPv6 header and unfragmentable extension headers, or the IPv4 header. */
    final int unfragmentable;
    /** Where the upper-layer (UDP) header starts in {@link #packet}. */
    final int upperOffset;
    final int identification;
    /** Fewest bytes the first fragment must carry (RFC 7112: the whole header chain through the UDP header). */
    final int minFirstFragment;
    private final int nameIndex;
    private final int firstFragmentableHeader;
    private final byte[] laterHeader;
    private final String description;

    private TestDatagram(int version, byte[] packet, int unfragmentable, int upperOffset, int identification,
            int minFirstFragment, int nameIndex, int firstFragmentableHeader, byte[] laterHeader, String description) {
        this.version = version;
        this.packet = packet;
        this.unfragmentable = unfragmentable;
        this.upperOffset = upperOffset;
        this.identification = identification;
        this.minFirstFragment = minFirstFragment;
        this.nameIndex = nameIndex;
        this.firstFragmentableHeader = firstFragmentableHeader;
        this.laterHeader = laterHeader;
        this.description = description;
    }

    /** Largest UDP payload an IPv6 datagram with these extension headers can carry. */
    static int maxPayload(Ipv6Headers h) {
        return MAX_LENGTH - h.unfragmentableBytes() - h.fragmentableBytes() - UDP_HEADER;
    }

    /** Largest UDP payload an IPv4 datagram with these options can carry. */
    static int maxPayload(Ipv4Options o) {
        return MAX_LENGTH - Ipv4Header.MIN_LENGTH - 4 * o.words() - UDP_HEADER;
    }

    /**
     * An IPv6/UDP datagram.
     *
     * @param payloadLength UDP payload bytes, at least 1; more than {@link #maxPayload(Ipv6Headers)} is cut to it
     * @param source distinguishes sources: the source address is fc00:1::(source + 1)
     */
    static TestDatagram ipv6(Ipv6Headers h, int payloadLength, int identification, int source) {
        int payload = Math.min(payloadLength, maxPayload(h));
        List<int[]> ext = new ArrayList<>(); // {protocol, hdrExtLen}
        if (h.hopByHop() >= 0) {
            ext.add(new int[] {IpProtocols.HOP_BY_HOP, h.hopByHop()});
        }
        if (h.destination() >= 0) {
            ext.add(new int[] {IpProtocols.DESTINATION_OPTIONS, h.destination()});
        }
        if (h.routing() >= 0) {
            ext.add(new int[] {IpProtocols.ROUTING, h.routing()});
        }
        int unfragmentableCount = ext.size();
        if (h.fragmentableDestination() >= 0) {
            ext.add(new int[] {IpProtocols.DESTINATION_OPTIONS, h.fragmentableDestination()});
        }
        int extBytes = h.unfragmentableBytes() + h.fragmentableBytes();
        int udpLength = UDP_HEADER + payload;
        int total = Ipv6Header.LENGTH + extBytes + udpLength;
        ByteBuf b = Unpooled.buffer(total);
        byte[] src = {(byte) 0xfc, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) (source + 1)};
        byte[] dst = {(byte) 0xfc, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
        b.writeInt(6 << 28 | 0x12345).writeShort(total - Ipv6Header.LENGTH)
                .writeByte(ext.isEmpty() ? IpProtocols.UDP : ext.get(0)[0]).writeByte(64).writeBytes(src)
                .writeBytes(dst);
        int nameIndex = Ipv6Header.NEXT_HEADER_OFFSET;
        for (int i = 0; i < ext.size(); i++) {
            if (i < unfragmentableCount) {
                nameIndex = b.writerIndex();
            }
            int next = i + 1 < ext.size() ? ext.get(i + 1)[0] : IpProtocols.UDP;
            int length = 8 * (ext.get(i)[1] + 1);
            b.writeByte(next).writeByte(ext.get(i)[1]);
            if (ext.get(i)[0] == IpProtocols.ROUTING) {
                b.writeByte(253).writeByte(0).writeZero(length - 4); // experimental type (RFC 4727), no segments left
            } else {
                b.writeByte(PAD_N).writeByte(length - 4).writeZero(length - 4); // one PadN option
            }
        }
        int upper = b.writerIndex();
        b.writeShort(40000 + (identification & 0xfff)).writeShort(5000).writeShort(udpLength).writeShort(0);
        writePayload(b, payload, identification);
        long pseudo = InternetChecksum.ipv6PseudoHeader(b.getLong(8), b.getLong(16), b.getLong(24), b.getLong(32),
                udpLength, IpProtocols.UDP);
        int sum = ~InternetChecksum.fold(InternetChecksum.sum(b, upper, udpLength, pseudo)) & 0xffff;
        b.setShort(upper + 6, sum == 0 ? 0xffff : sum);
        int unfragmentable = Ipv6Header.LENGTH + h.unfragmentableBytes();
        int firstFragmentable = h.fragmentableDestination() >= 0 ? IpProtocols.DESTINATION_OPTIONS : IpProtocols.UDP;
        return new TestDatagram(6, toArray(b), unfragmentable, upper, identification,
                h.fragmentableBytes() + UDP_HEADER, nameIndex, firstFragmentable, null,
                h + " payload " + payload + " id " + identification);
    }

    /**
     * An IPv4/UDP datagram.
     *
     * @param payloadLength UDP payload bytes, at least 1; more than {@link #maxPayload(Ipv4Options)} is cut to it
     * @param source distinguishes sources: the source address is 10.0.source.1 (source 0..255)
     */
    static TestDatagram ipv4(Ipv4Options o, int payloadLength, int identification, int source) {
        int payload = Math.min(payloadLength, maxPayload(o));
        int headerLength = Ipv4Header.MIN_LENGTH + 4 * o.words();
        int udpLength = UDP_HEADER + payload;
        int total = headerLength + udpLength;
        int src = 0x0a000001 | (source & 0xff) << 8;
        int dst = 0x0ac80102;
        ByteBuf b = Unpooled.buffer(total);
        b.writeByte(0x40 | headerLength / 4).writeByte(0).writeShort(total).writeShort(identification & 0xffff)
                .writeShort(0).writeByte(64).writeByte(IpProtocols.UDP).writeShort(0).writeInt(src).writeInt(dst);
        if (o.words() >= 1) {
            b.writeByte(ROUTER_ALERT).writeByte(4).writeShort(0);
        }
        if (o.words() >= 2) {
            int length = 4 * (o.words() - 1) - 1;
            b.writeByte(RECORD_ROUTE).writeByte(length).writeByte(4).writeZero(length - 3).writeByte(0); // ..., EOL
        }
        Ipv4Header.updateChecksum(b, 0, headerLength);
        b.writeShort(40000 + (identification & 0xfff)).writeShort(5000).writeShort(udpLength).writeShort(0);
        writePayload(b, payload, identification);
        long pseudo = InternetChecksum.ipv4PseudoHeader(src, dst, udpLength, IpProtocols.UDP);
        int sum = ~InternetChecksum.fold(InternetChecksum.sum(b, headerLength, udpLength, pseudo)) & 0xffff;
        b.setShort(headerLength + 6, sum == 0 ? 0xffff : sum);
        byte[] packet = toArray(b);
        byte[] later;
        switch (o.later()) {
            case UNCOPIED_AS_NOP:
                later = java.util.Arrays.copyOf(packet, headerLength);
                for (int i = Ipv4Header.MIN_LENGTH + 4; i < headerLength - 1; i++) {
                    later[i] = NOP;
                }
                break;
            case COPIED_ONLY:
                later = java.util.Arrays.copyOf(packet, Ipv4Header.MIN_LENGTH + (o.words() >= 1 ? 4 : 0));
                later[0] = (byte) (0x40 | later.length / 4);
                break;
            case SAME:
            default:
                later = java.util.Arrays.copyOf(packet, headerLength);
        }
        return new TestDatagram(4, packet, headerLength, headerLength, identification & 0xffff, UDP_HEADER, 0, 0,
                later, o + " payload " + payload + " id " + (identification & 0xffff));
    }

    /** Payload byte i depends on i (not periodic in 256) and on the identification (datagrams differ). */
    private static void writePayload(ByteBuf b, int length, int identification) {
        for (int i = 0; i < length; i++) {
            b.writeByte(i + (i >>> 8) * 31 + identification * 13);
        }
    }

    private static byte[] toArray(ByteBuf b) {
        byte[] a = new byte[b.readableBytes()];
        b.readBytes(a);
        b.release();
        return a;
    }

    /** Bytes after the unfragmentable part: what fragment offsets count. */
    int fragmentableLength() {
        return packet.length - unfragmentable;
    }

    /** Bytes of the fragment carrying {@code length} data bytes at {@code offset}. */
    int fragmentSize(int offset, int length) {
        if (version == 6) {
            return unfragmentable + 8 + length;
        }
        return (offset == 0 ? unfragmentable : laterHeader.length) + length;
    }

    /**
     * Writes a fragment at the writer index of {@code dst}.
     *
     * @param dst borrowed; its writer index advances by {@link #fragmentSize(int, int)}
     * @param xor 0 for the datagram's own data; anything else gives different data over the same range. Bytes beyond
     *     the datagram's end are zero
     */
    void writeFragment(ByteBuf dst, int offset, int length, boolean more, int xor) {
        int base = dst.writerIndex();
        if (version == 6) {
            dst.writeBytes(packet, 0, unfragmentable);
            dst.setByte(base + nameIndex, IpProtocols.FRAGMENT);
            dst.setShort(base + Ipv6Header.PAYLOAD_LENGTH_OFFSET, unfragmentable - Ipv6Header.LENGTH + 8 + length);
            dst.writeByte(firstFragmentableHeader).writeByte(0).writeShort(offset | (more ? 1 : 0))
                    .writeInt(identification);
        } else {
            int headerLength = offset == 0 ? unfragmentable : laterHeader.length;
            if (offset == 0) {
                dst.writeBytes(packet, 0, unfragmentable);
            } else {
                dst.writeBytes(laterHeader);
            }
            dst.setShort(base + Ipv4Header.TOTAL_LENGTH_OFFSET, headerLength + length);
            dst.setShort(base + Ipv4Header.FRAGMENT_FIELD_OFFSET, (more ? Ipv4Header.FLAG_MF : 0) | offset >>> 3);
            Ipv4Header.updateChecksum(dst, base, headerLength);
        }
        int available = Math.max(0, Math.min(length, packet.length - unfragmentable - offset));
        if (xor == 0) {
            dst.writeBytes(packet, unfragmentable + offset, available);
            dst.writeZero(length - available); // a fragment reaching past the datagram's end (a forged last one)
        } else {
            int from = unfragmentable + offset;
            byte[] data = java.util.Arrays.copyOfRange(packet, from, from + length);
            for (int i = 0; i < data.length; i++) {
                data[i] ^= xor;
            }
            dst.writeBytes(data);
        }
    }

    @Override
    public String toString() {
        return description;
    }
}
