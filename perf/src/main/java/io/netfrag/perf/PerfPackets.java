package io.netfrag.perf;

import io.netfrag.internal.wire.InternetChecksum;
import io.netfrag.internal.wire.IpProtocols;
import io.netfrag.internal.wire.Ipv4Header;
import io.netfrag.internal.wire.Ipv6FragmentHeader;
import io.netfrag.internal.wire.Ipv6Header;
import io.netfrag.internal.wire.UdpHeader;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Packet builders for the handler benchmarks (the test-scope {@code TestPackets} is not visible here): UDP over IPv4
 * and IPv6 with valid header and UDP checksums, and fragmenters for both families. Everything is built once per trial
 * as {@code byte[]}; nothing here is on a measured path.
 */
final class PerfPackets {
    /** 192.0.2.1 → 192.0.2.2 (TEST-NET-1). */
    static final int V4_SOURCE = 0xc000_0201;
    static final int V4_DESTINATION = 0xc000_0202;
    /** fc00:1::1 → fc00:2::1, the addresses of the benchmark SA. */
    static final long V6_SOURCE_HIGH = 0xfc00_0001_0000_0000L;
    static final long V6_SOURCE_LOW = 1;
    static final long V6_DESTINATION_HIGH = 0xfc00_0002_0000_0000L;
    static final long V6_DESTINATION_LOW = 1;
    static final int SOURCE_PORT = 40_000;
    /** Not 4500, so that the ESP decoder does not take the datagrams for RFC 3948 encapsulation. */
    static final int DESTINATION_PORT = 5_001;

    /** The allocators a handler benchmark can run with: Netty 4.2's default ({@code adaptive}) or {@code pooled}. */
    static ByteBufAllocator allocator(String name) {
        switch (name) {
            case "adaptive":
                return ByteBufAllocator.DEFAULT; // Netty 4.2: AdaptiveByteBufAllocator unless io.netty.allocator.type
            case "pooled":
                return PooledByteBufAllocator.DEFAULT;
            default:
                throw new IllegalArgumentException("allocator: " + name);
        }
    }

    private PerfPackets() {
    }

    /** {@code n} pseudo-random bytes (fixed seed). */
    static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new SplittableRandom(seed).nextBytes(b);
        return b;
    }

    /** A whole IPv4 packet (20-byte header, no options, DF clear): UDP header with checksum + {@code payload}. */
    static byte[] ipv4Udp(byte[] payload, int identification) {
        int udpLength = UdpHeader.LENGTH + payload.length;
        int total = Ipv4Header.MIN_LENGTH + udpLength;
        if (total > 65535) {
            throw new IllegalArgumentException("IPv4 datagram too big: " + total);
        }
        ByteBuf b = Unpooled.buffer(total, total);
        b.writeByte(0x45).writeByte(0).writeShort(total).writeShort(identification).writeShort(0).writeByte(64)
                .writeByte(IpProtocols.UDP).writeShort(0).writeInt(V4_SOURCE).writeInt(V4_DESTINATION);
        Ipv4Header.updateChecksum(b, 0, Ipv4Header.MIN_LENGTH);
        b.writeZero(UdpHeader.LENGTH);
        UdpHeader.write(b, Ipv4Header.MIN_LENGTH, SOURCE_PORT, DESTINATION_PORT, udpLength);
        b.writeBytes(payload);
        long pseudo = InternetChecksum.ipv4PseudoHeader(V4_SOURCE, V4_DESTINATION, udpLength, IpProtocols.UDP);
        int sum = ~InternetChecksum.fold(InternetChecksum.sum(b, Ipv4Header.MIN_LENGTH, udpLength, pseudo)) & 0xffff;
        b.setShort(Ipv4Header.MIN_LENGTH + UdpHeader.CHECKSUM_OFFSET, sum == 0 ? 0xffff : sum);
        return b.array();
    }

    /**
     * Fragments a 20-byte-header IPv4 packet into packets of at most {@code mtu} bytes (data per fragment: mtu − 20,
     * rounded down to a multiple of 8), each with its own total length, MF, offset and header checksum.
     */
    static byte[][] fragmentIpv4(byte[] packet, int mtu) {
        int header = Ipv4Header.MIN_LENGTH;
        int data = packet.length - header;
        int per = (mtu - header) & ~7;
        int count = (data + per - 1) / per;
        byte[][] out = new byte[count][];
        for (int i = 0; i < count; i++) {
            int off = i * per;
            int len = Math.min(per, data - off);
            boolean more = i < count - 1;
            ByteBuf f = Unpooled.buffer(header + len, header + len);
            f.writeBytes(packet, 0, header);
            f.writeBytes(packet, header + off, len);
            f.setShort(Ipv4Header.TOTAL_LENGTH_OFFSET, header + len);
            f.setShort(Ipv4Header.FRAGMENT_FIELD_OFFSET, (more ? Ipv4Header.FLAG_MF : 0) | (off >>> 3));
            Ipv4Header.updateChecksum(f, 0, header);
            out[i] = f.array();
        }
        return out;
    }

    /** A whole IPv6 packet (no extension headers) from fc00:1::1 to fc00:2::1: UDP with checksum + payload. */
    static byte[] ipv6Udp(byte[] payload) {
        int udpLength = UdpHeader.LENGTH + payload.length;
        if (udpLength > Ipv6Header.MAX_PAYLOAD_LENGTH) {
            throw new IllegalArgumentException("IPv6 payload too big: " + udpLength);
        }
        ByteBuf b = Unpooled.buffer(Ipv6Header.LENGTH + udpLength, Ipv6Header.LENGTH + udpLength);
        b.writeInt(6 << 28).writeShort(udpLength).writeByte(IpProtocols.UDP).writeByte(64)
                .writeLong(V6_SOURCE_HIGH).writeLong(V6_SOURCE_LOW)
                .writeLong(V6_DESTINATION_HIGH).writeLong(V6_DESTINATION_LOW);
        b.writeZero(UdpHeader.LENGTH);
        UdpHeader.write(b, Ipv6Header.LENGTH, SOURCE_PORT, DESTINATION_PORT, udpLength);
        b.writeBytes(payload);
        long pseudo = InternetChecksum.ipv6PseudoHeader(V6_SOURCE_HIGH, V6_SOURCE_LOW, V6_DESTINATION_HIGH,
                V6_DESTINATION_LOW, udpLength, IpProtocols.UDP);
        int sum = ~InternetChecksum.fold(InternetChecksum.sum(b, Ipv6Header.LENGTH, udpLength, pseudo)) & 0xffff;
        b.setShort(Ipv6Header.LENGTH + UdpHeader.CHECKSUM_OFFSET, sum == 0 ? 0xffff : sum);
        return b.array();
    }

    /**
     * Fragments an IPv6 packet without extension headers: every fragment is the 40-byte header (next header 44,
     * payload length fixed) + a Fragment header (next header = the packet's) + up to {@code dataPerFragment} bytes
     * (a multiple of 8) of the fragmentable part.
     */
    static byte[][] fragmentIpv6(byte[] packet, int dataPerFragment, int identification) {
        if ((dataPerFragment & 7) != 0) {
            throw new IllegalArgumentException("dataPerFragment must be a multiple of 8: " + dataPerFragment);
        }
        int next = packet[Ipv6Header.NEXT_HEADER_OFFSET] & 0xff;
        int data = packet.length - Ipv6Header.LENGTH;
        int count = (data + dataPerFragment - 1) / dataPerFragment;
        byte[][] out = new byte[count][];
        for (int i = 0; i < count; i++) {
            int off = i * dataPerFragment;
            int len = Math.min(dataPerFragment, data - off);
            boolean more = i < count - 1;
            int size = Ipv6Header.LENGTH + Ipv6FragmentHeader.LENGTH + len;
            ByteBuf f = Unpooled.buffer(size, size);
            f.writeBytes(packet, 0, Ipv6Header.LENGTH);
            f.setByte(Ipv6Header.NEXT_HEADER_OFFSET, IpProtocols.FRAGMENT);
            Ipv6Header.payloadLength(f, 0, Ipv6FragmentHeader.LENGTH + len);
            f.writeZero(Ipv6FragmentHeader.LENGTH);
            Ipv6FragmentHeader.write(f, Ipv6Header.LENGTH, next, off, more, identification);
            f.writeBytes(packet, Ipv6Header.LENGTH + off, len);
            out[i] = f.array();
        }
        return out;
    }

    /** The readable bytes of {@code b}. */
    static byte[] bytes(ByteBuf b) {
        byte[] a = new byte[b.readableBytes()];
        b.getBytes(b.readerIndex(), a);
        return a;
    }

    /** Throws unless {@code actual} equals {@code expected}. */
    static void check(String what, byte[] expected, byte[] actual) {
        if (!Arrays.equals(expected, actual)) {
            throw new IllegalStateException(what + ": differs (" + actual.length + " bytes, expected "
                    + expected.length + ")");
        }
    }
}
