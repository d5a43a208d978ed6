package io.netfrag.testing;

import io.netfrag.internal.wire.InternetChecksum;
import io.netfrag.internal.wire.IpProtocols;
import io.netfrag.internal.wire.Ipv4Header;
import io.netfrag.internal.wire.Ipv6FragmentHeader;
import io.netfrag.internal.wire.Ipv6Header;
import io.netfrag.internal.wire.UdpHeader;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/** Builds IPv6 packets and fragments for tests. Returned buffers are owned by the caller. */
public final class TestPackets {
    public static final InetAddress SRC = addr("fc00:1::1");
    public static final InetAddress DST = addr("fc00:2::1");

    private TestPackets() {
    }

    public static InetAddress addr(String s) {
        try {
            return InetAddress.getByName(s);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(s, e);
        }
    }

    /** Payload with byte i = i % 256, as the Linux ip_defrag selftest. */
    public static byte[] payload(int length) {
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++) {
            b[i] = (byte) i;
        }
        return b;
    }

    /** A complete IPv6/UDP packet (correct checksum), as a byte array. */
    public static byte[] udp6(InetAddress src, InetAddress dst, int sport, int dport, byte[] payload, int tc) {
        ByteBuf b = Unpooled.buffer(Ipv6Header.LENGTH + UdpHeader.LENGTH + payload.length);
        int udpLength = UdpHeader.LENGTH + payload.length;
        b.writeInt((6 << 28) | (tc << 20));
        b.writeShort(udpLength);
        b.writeByte(IpProtocols.UDP);
        b.writeByte(64);
        b.writeBytes(src.getAddress());
        b.writeBytes(dst.getAddress());
        int udp = b.writerIndex();
        b.writeShort(sport).writeShort(dport).writeShort(udpLength).writeShort(0);
        b.writeBytes(payload);
        long pseudo = InternetChecksum.ipv6PseudoHeader(b.getLong(8), b.getLong(16), b.getLong(24), b.getLong(32),
                udpLength, IpProtocols.UDP);
        int sum = ~InternetChecksum.fold(InternetChecksum.sum(b, udp, udpLength, pseudo)) & 0xffff;
        b.setShort(udp + UdpHeader.CHECKSUM_OFFSET, sum == 0 ? 0xffff : sum);
        byte[] out = new byte[b.readableBytes()];
        b.readBytes(out);
        return out;
    }

    public static byte[] udp6(byte[] payload) {
        return udp6(SRC, DST, 40001, 5000, payload, 0);
    }

    /** One fragment of a plain IPv6 packet (no extension headers): header, Fragment header, data slice. */
    public static final class Frag {
        public final int offset;
        public final int length;
        public final boolean more;

        public Frag(int offset, int length, boolean more) {
            this.offset = offset;
            this.length = length;
            this.more = more;
        }

        @Override
        public String toString() {
            return offset + "/" + length + (more ? "+" : "");
        }
    }

    /** Splits the fragmentable part (everything after the 40-byte header) into fragments of {@code size} bytes. */
    public static List<Frag> split(int fragmentableLength, int size) {
        List<Frag> frags = new ArrayList<>();
        for (int off = 0; off < fragmentableLength; off += size) {
            int len = Math.min(size, fragmentableLength - off);
            frags.add(new Frag(off, len, off + len < fragmentableLength));
        }
        return frags;
    }

    /**
     * Builds the fragment {@code f} of {@code packet} (a plain IPv6 packet with no extension headers).
     *
     * @param alloc where to allocate, so tests choose leak-tracked buffers
     */
    public static ByteBuf fragment(ByteBufAllocator alloc, byte[] packet, Frag f, int id) {
        return fragment(alloc, packet, f.offset, f.length, f.more, id);
    }

    public static ByteBuf fragment(ByteBufAllocator alloc, byte[] packet, int offset, int length, boolean more,
            int id) {
        ByteBuf b = alloc.buffer(Ipv6Header.LENGTH + Ipv6FragmentHeader.LENGTH + length);
        b.writeBytes(packet, 0, Ipv6Header.LENGTH);
        int next = packet[Ipv6Header.NEXT_HEADER_OFFSET] & 0xff;
        b.setByte(Ipv6Header.NEXT_HEADER_OFFSET, IpProtocols.FRAGMENT);
        b.setShort(Ipv6Header.PAYLOAD_LENGTH_OFFSET, Ipv6FragmentHeader.LENGTH + length);
        b.writeZero(Ipv6FragmentHeader.LENGTH);
        Ipv6FragmentHeader.write(b, Ipv6Header.LENGTH, next, offset, more, id);
        b.writeBytes(packet, Ipv6Header.LENGTH + offset, length);
        return b;
    }

    /** An IPv4/UDP packet with correct header checksum and the given UDP checksum mode. */
    public static byte[] udp4(int src, int dst, int sport, int dport, byte[] payload, boolean withChecksum) {
        ByteBuf b = Unpooled.buffer();
        int total = 20 + 8 + payload.length;
        b.writeByte(0x45).writeByte(0).writeShort(total).writeShort(1).writeShort(0).writeByte(64)
                .writeByte(IpProtocols.UDP).writeShort(0).writeInt(src).writeInt(dst);
        Ipv4Header.updateChecksum(b, 0, 20);
        b.writeShort(sport).writeShort(dport).writeShort(8 + payload.length).writeShort(0).writeBytes(payload);
        if (withChecksum) {
            long pseudo = InternetChecksum.ipv4PseudoHeader(src, dst, 8 + payload.length, IpProtocols.UDP);
            int sum = ~InternetChecksum.fold(InternetChecksum.sum(b, 20, 8 + payload.length, pseudo)) & 0xffff;
            b.setShort(26, sum == 0 ? 0xffff : sum);
        }
        return bytes(b);
    }

    /** Reorders fragments: "inorder", "reversed", "oddeven" (odd positions first), "shuffled" or "runs". */
    public static <T> List<T> order(List<T> frags, String order, java.util.Random rnd) {
        List<T> f = new ArrayList<>(frags);
        switch (order) {
            case "inorder":
                break;
            case "reversed":
                java.util.Collections.reverse(f);
                break;
            case "oddeven": {
                List<T> o = new ArrayList<>();
                for (int i = 0; i < f.size(); i += 2) {
                    o.add(f.get(i));
                }
                for (int i = 1; i < f.size(); i += 2) {
                    o.add(f.get(i));
                }
                f = o;
                break;
            }
            case "shuffled":
                java.util.Collections.shuffle(f, rnd);
                break;
            case "runs": {
                // the IPv4 "runs" order of the Linux ip_defrag selftest: [6f..end), then [3f..6f), then [0..3f)
                int third = Math.max(1, f.size() / 3);
                List<T> o = new ArrayList<>();
                o.addAll(f.subList(Math.min(f.size(), 2 * third), f.size()));
                o.addAll(f.subList(Math.min(f.size(), third), Math.min(f.size(), 2 * third)));
                o.addAll(f.subList(0, Math.min(f.size(), third)));
                f = o;
                break;
            }
            default:
                throw new IllegalArgumentException(order);
        }
        return f;
    }

    /**
     * Builds a fragment of a plain IPv4 packet (20-byte header, no options): the header with total length, flags,
     * offset and checksum rewritten, then the data slice.
     */
    public static ByteBuf fragment4(ByteBufAllocator alloc, byte[] packet, int offset, int length, boolean more,
            int id) {
        ByteBuf b = alloc.buffer(20 + length);
        b.writeBytes(packet, 0, 20);
        b.setShort(Ipv4Header.TOTAL_LENGTH_OFFSET, 20 + length);
        b.setShort(4, id);
        b.setShort(Ipv4Header.FRAGMENT_FIELD_OFFSET, (more ? Ipv4Header.FLAG_MF : 0) | (offset >>> 3));
        Ipv4Header.updateChecksum(b, 0, 20);
        b.writeBytes(packet, 20 + offset, length);
        return b;
    }

    /** A fragment of an IPv6 (version 6) or IPv4 (version 4) packet without extension headers or options. */
    public static ByteBuf fragment(int version, ByteBufAllocator alloc, byte[] packet, int offset, int length,
            boolean more, int id) {
        return version == 6 ? fragment(alloc, packet, offset, length, more, id)
                : fragment4(alloc, packet, offset, length, more, id);
    }

    /** Bytes of the IP header of a plain packet of this version. */
    public static int headerLength(int version) {
        return version == 6 ? 40 : 20;
    }

    /** A UDP datagram over IPv6 or IPv4 with correct checksums. */
    public static byte[] udp(int version, int sport, int dport, byte[] payload) {
        return version == 6 ? udp6(SRC, DST, sport, dport, payload, 0)
                : udp4(0x0ac80101, 0x0ac80102, sport, dport, payload, true);
    }

    public static byte[] bytes(ByteBuf b) {
        byte[] out = new byte[b.readableBytes()];
        b.getBytes(b.readerIndex(), out);
        return out;
    }
}
