package io.netfrag.perf;

import io.netfrag.internal.wire.Ipv4Header;
import io.netfrag.internal.wire.Ipv6Header;
import io.netfrag.testkit.Fragmenter;
import io.netfrag.testkit.UdpDatagrams;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The handler benchmarks' packets, built by the test kit: UDP over IPv4 and IPv6 with valid header and UDP checksums,
 * and their fragments. Everything is built once per trial as {@code byte[]}; nothing here is on a measured path.
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
        return UdpDatagrams.builder().addresses(address(V4_SOURCE), address(V4_DESTINATION))
                .ports(SOURCE_PORT, DESTINATION_PORT).identification(identification).payload(payload).toByteArray();
    }

    /**
     * Fragments a 20-byte-header IPv4 packet into packets of at most {@code mtu} bytes (data per fragment: mtu − 20,
     * rounded down to a multiple of 8), as the test kit's {@link Fragmenter} cuts them.
     */
    static byte[][] fragmentIpv4(byte[] packet, int mtu) {
        int identification = (packet[4] & 0xff) << 8 | packet[5] & 0xff;
        return cut(packet, Ipv4Header.MIN_LENGTH, mtu - Ipv4Header.MIN_LENGTH, identification);
    }

    /** A whole IPv6 packet (no extension headers) from fc00:1::1 to fc00:2::1: UDP with checksum + payload. */
    static byte[] ipv6Udp(byte[] payload) {
        return UdpDatagrams.builder()
                .addresses(address(V6_SOURCE_HIGH, V6_SOURCE_LOW), address(V6_DESTINATION_HIGH, V6_DESTINATION_LOW))
                .ports(SOURCE_PORT, DESTINATION_PORT).payload(payload).toByteArray();
    }

    /**
     * Fragments an IPv6 packet without extension headers: every fragment is the 40-byte header + a Fragment header +
     * up to {@code dataPerFragment} bytes (a multiple of 8) of the fragmentable part.
     */
    static byte[][] fragmentIpv6(byte[] packet, int dataPerFragment, int identification) {
        if ((dataPerFragment & 7) != 0) {
            throw new IllegalArgumentException("dataPerFragment must be a multiple of 8: " + dataPerFragment);
        }
        return cut(packet, Ipv6Header.LENGTH, dataPerFragment, identification);
    }

    private static byte[][] cut(byte[] packet, int headerLength, int maxData, int identification) {
        List<Fragmenter.Piece> pieces = Fragmenter.pieces(packet.length - headerLength, maxData);
        byte[][] out = new byte[pieces.size()][];
        for (int i = 0; i < out.length; i++) {
            ByteBuf f = Fragmenter.cut(UnpooledByteBufAllocator.DEFAULT, packet, pieces.get(i), identification);
            out[i] = bytes(f);
            f.release();
        }
        return out;
    }

    private static InetAddress address(int v4) {
        return address(new byte[] {(byte) (v4 >>> 24), (byte) (v4 >>> 16), (byte) (v4 >>> 8), (byte) v4});
    }

    private static InetAddress address(long high, long low) {
        return address(ByteBuffer.allocate(16).putLong(high).putLong(low).array());
    }

    private static InetAddress address(byte[] a) {
        try {
            return InetAddress.getByAddress(a);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
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
