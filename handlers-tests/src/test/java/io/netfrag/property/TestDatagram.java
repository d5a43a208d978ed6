package io.netfrag.property;

import io.netfrag.internal.wire.Ipv4Header;
import io.netfrag.internal.wire.Ipv6Header;
import io.netfrag.testkit.Fragmenter;
import io.netfrag.testkit.Fragmenter.LaterOptions;
import io.netfrag.testkit.Fragmenter.Piece;
import io.netfrag.testkit.UdpDatagrams;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * A UDP datagram over IPv6 or IPv4 built from readable parameters (header shape, payload length, identification), and
 * its fragments at any legal geometry, both made by the test kit ({@link UdpDatagrams.Builder}, {@link Fragmenter}). Not a property itself: the model the properties fragment, damage and compare against.
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

    /** IPv4 options: {@code words} 32-bit words of options (0..10), and how later fragments carry them. */
    record Ipv4Options(int words, LaterOptions later) {
        static final Ipv4Options NONE = new Ipv4Options(0, LaterOptions.SAME);

        @Override
        public String toString() {
            return words == 0 ? "IPv4" : "IPv4 options(" + 4 * words + " bytes, later fragments " + later + ')';
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
    private final LaterOptions later;
    private final String description;

    private TestDatagram(int version, byte[] packet, int unfragmentable, int upperOffset, int identification,
            int minFirstFragment, LaterOptions later, String description) {
        this.version = version;
        this.packet = packet;
        this.unfragmentable = unfragmentable;
        this.upperOffset = upperOffset;
        this.identification = identification;
        this.minFirstFragment = minFirstFragment;
        this.later = later;
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
        UdpDatagrams.Builder b = UdpDatagrams.builder()
                .addresses(address(new byte[] {(byte) 0xfc, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                        (byte) (source + 1)}), address("fc00:2::1"))
                .flowLabel(0x12345).ports(40000 + (identification & 0xfff), 5000)
                .payload(payload(payload, identification));
        if (h.hopByHop() >= 0) {
            b.hopByHop(h.hopByHop());
        }
        if (h.destination() >= 0) {
            b.destinationOptions(h.destination());
        }
        if (h.routing() >= 0) {
            b.routing(h.routing());
        }
        if (h.fragmentableDestination() >= 0) {
            b.destinationOptions(h.fragmentableDestination());
        }
        return new TestDatagram(6, b.toByteArray(), Ipv6Header.LENGTH + h.unfragmentableBytes(),
                Ipv6Header.LENGTH + h.unfragmentableBytes() + h.fragmentableBytes(), identification,
                h.fragmentableBytes() + UDP_HEADER, LaterOptions.SAME,
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
        byte[] packet = UdpDatagrams.builder()
                .addresses(address(new byte[] {10, 0, (byte) source, 1}), address("10.200.1.2"))
                .identification(identification).ipv4Options(o.words())
                .ports(40000 + (identification & 0xfff), 5000).payload(payload(payload, identification))
                .toByteArray();
        return new TestDatagram(4, packet, headerLength, headerLength, identification & 0xffff, UDP_HEADER, o.later(),
                o + " payload " + payload + " id " + (identification & 0xffff));
    }

    /** Payload byte i depends on i (not periodic in 256) and on the identification (datagrams differ). */
    private static byte[] payload(int length, int identification) {
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++) {
            b[i] = (byte) (i + (i >>> 8) * 31 + identification * 13);
        }
        return b;
    }

    private static InetAddress address(byte[] a) {
        try {
            return InetAddress.getByAddress(a);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static InetAddress address(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(literal, e);
        }
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
        return Fragmenter.fragmentLength(Unpooled.wrappedBuffer(packet), new Piece(offset, length, true), later);
    }

    /**
     * Writes a fragment at the writer index of {@code dst}.
     *
     * @param dst borrowed; its writer index advances by {@link #fragmentSize(int, int)}
     * @param xor 0 for the datagram's own data; anything else gives different data over the same range. Bytes beyond
     *     the datagram's end are zero
     */
    void writeFragment(ByteBuf dst, int offset, int length, boolean more, int xor) {
        int start = dst.writerIndex();
        Piece piece = new Piece(offset, length, more);
        if (version == 6) { // the Fragment header goes before a fragmentable Destination Options header
            Fragmenter.write(dst, Unpooled.wrappedBuffer(packet), unfragmentable, piece, identification);
        } else {
            Fragmenter.write(dst, Unpooled.wrappedBuffer(packet), piece, identification, later);
        }
        if (xor != 0) {
            for (int i = dst.writerIndex() - length; i < dst.writerIndex(); i++) {
                dst.setByte(i, dst.getByte(i) ^ xor);
            }
        }
        assert dst.writerIndex() - start == fragmentSize(offset, length);
    }

    @Override
    public String toString() {
        return description;
    }
}
