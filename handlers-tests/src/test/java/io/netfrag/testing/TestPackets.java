package io.netfrag.testing;

import io.netfrag.testkit.Fragmenter;
import io.netfrag.testkit.Fragmenter.Piece;
import io.netfrag.testkit.UdpDatagrams;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * Shorthands over the test kit ({@link UdpDatagrams}, {@link Fragmenter}) for the handler tests: fixed addresses and
 * ports, whole packets as arrays. Every packet and fragment is built by the test kit. Returned buffers are owned by the
 * caller.
 */
public final class TestPackets {
    public static final InetAddress SRC = addr("fc00:1::1");
    public static final InetAddress DST = addr("fc00:2::1");
    private static final InetAddress SRC4 = addr("10.200.1.1");
    private static final InetAddress DST4 = addr("10.200.1.2");

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
        return UdpDatagrams.builder().addresses(src, dst).ports(sport, dport).trafficClass(tc).payload(payload)
                .toByteArray();
    }

    public static byte[] udp6(byte[] payload) {
        return udp6(SRC, DST, 40001, 5000, payload, 0);
    }

    /** Builds the fragment {@code f} of {@code packet}, as {@link Fragmenter#cut}. */
    public static ByteBuf fragment(ByteBufAllocator alloc, byte[] packet, Piece f, int id) {
        return Fragmenter.cut(alloc, packet, f, id);
    }

    /** One fragment of an IPv6 or IPv4 packet, as {@link Fragmenter#cut}. */
    public static ByteBuf fragment(ByteBufAllocator alloc, byte[] packet, int offset, int length, boolean more,
            int id) {
        return Fragmenter.cut(alloc, packet, new Piece(offset, length, more), id);
    }

    /** An IPv4/UDP packet (header checksum set) with or without a UDP checksum. */
    public static byte[] udp4(int src, int dst, int sport, int dport, byte[] payload, boolean withChecksum) {
        return UdpDatagrams.builder().addresses(addr4(src), addr4(dst)).ports(sport, dport).udpChecksum(withChecksum)
                .payload(payload).toByteArray();
    }

    private static InetAddress addr4(int address) {
        try {
            return InetAddress.getByAddress(new byte[] {(byte) (address >>> 24), (byte) (address >>> 16),
                (byte) (address >>> 8), (byte) address});
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
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

    /** A fragment of an IPv6 or IPv4 packet (the version argument is kept for readability at call sites). */
    public static ByteBuf fragment(int version, ByteBufAllocator alloc, byte[] packet, int offset, int length,
            boolean more, int id) {
        if (packet[0] >>> 4 != version) {
            throw new IllegalArgumentException("not an IPv" + version + " packet");
        }
        return fragment(alloc, packet, offset, length, more, id);
    }

    /** Bytes of the IP header of a plain packet of this version. */
    public static int headerLength(int version) {
        return version == 6 ? 40 : 20;
    }

    /** A UDP datagram over IPv6 or IPv4 with correct checksums. */
    public static byte[] udp(int version, int sport, int dport, byte[] payload) {
        return UdpDatagrams.builder().addresses(version == 6 ? SRC : SRC4, version == 6 ? DST : DST4)
                .ports(sport, dport).payload(payload).toByteArray();
    }

    public static byte[] bytes(ByteBuf b) {
        byte[] out = new byte[b.readableBytes()];
        b.getBytes(b.readerIndex(), out);
        return out;
    }
}
