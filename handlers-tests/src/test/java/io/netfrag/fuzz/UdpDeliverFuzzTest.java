package io.netfrag.fuzz;

import static io.netfrag.fuzz.FuzzSupport.check;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netfrag.internal.wire.IpProtocols;
import io.netfrag.internal.wire.Ipv4Header;
import io.netfrag.packet.IpPacket;
import io.netfrag.packet.IpPacketDecoder;
import io.netfrag.udp.UdpDeliver;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.ReferenceCountUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

/**
 * Fuzzes {@link UdpDeliver} behind {@link IpPacketDecoder}: a sequence of one to four well-formed IPv4 or IPv6
 * packets (fuzzed addresses from a small set, IPv4 options, IPv6 Destination Options and atomic Fragment headers,
 * link-layer padding) whose UDP header is fuzzed: ports, a length that is right, zero or arbitrary, a checksum that
 * is right, zero or arbitrary, sometimes a protocol other than UDP; checksum verification on or off.
 *
 * <p>Properties checked on every input: no exception escapes; no leak; and {@code UdpDeliver} decides exactly as an
 * independent model of RFC 768 / RFC 8200 §8.1 / Linux {@code __udp4_lib_rcv}/{@code __udp6_lib_rcv} does — a
 * datagram is delivered if and only if the model delivers it, its content is the model's payload (UDP length minus
 * 8 bytes, or the IP payload for an IPv6 length of 0), its recipient and sender are the packet's addresses and ports,
 * and the checksum of every delivered datagram verifies with a naive sum. Non-UDP packets pass through unchanged and
 * consistent ({@link FuzzSupport#checkIpPacket}).
 */
class UdpDeliverFuzzTest {
    private static final byte[][] V6 = {addr("fc00:1::1"), addr("fc00:2::1"), addr("fe80::1"), addr("2001:db8::ffff")};
    private static final byte[][] V4 = {addr("10.200.1.1"), addr("10.200.1.2"), addr("192.0.2.255"),
        addr("255.255.255.255")};

    private static byte[] addr(String s) {
        try {
            return InetAddress.getByName(s).getAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(s, e);
        }
    }

    /** What the model expects of one packet: a delivered payload, nothing, or the packet passed through. */
    private record Expected(byte[] payload, InetSocketAddress recipient, InetSocketAddress sender,
            boolean passThrough, InetSocketAddress recipient2) {
    }

    @FuzzTest
    void deliver(FuzzedDataProvider data) {
        boolean verify = data.consumeInt(0, 7) != 0;
        int packets = data.consumeInt(1, 4);
        FuzzSupport.TrackingAllocator alloc = new FuzzSupport.TrackingAllocator();
        FuzzSupport.FailOnException tail = new FuzzSupport.FailOnException();
        EmbeddedChannel ch = FuzzSupport.channel(alloc, tail, new IpPacketDecoder(), new UdpDeliver(verify));
        try {
            for (int i = 0; i < packets && data.remainingBytes() > 0; i++) {
                Expected expected = writeOne(data, alloc, ch, verify);
                tail.check(ch);
                Object out = ch.readInbound();
                FuzzSupport.verbose("udp packet " + i + ": expected " + (expected == null ? "drop"
                        : expected.passThrough ? "pass" : expected.payload.length + " bytes") + ", got " + out);
                try {
                    if (expected == null) {
                        check(out == null, "delivered what the model drops: " + out);
                    } else if (expected.passThrough) {
                        // IPv4 always passes it on. Over IPv6 a "protocol" that is an extension header makes the
                        // UDP bytes a header: the decoder may drop the packet (bad chain), pass it on, or find UDP
                        // further down the chain (then a datagram from our addresses is delivered).
                        boolean v4 = expected.recipient != null;
                        if (out instanceof DatagramPacket d) {
                            check(!v4 && d.sender().getAddress().equals(expected.sender.getAddress())
                                    && d.recipient().getAddress().equals(expected.recipient2.getAddress()),
                                    "non-UDP packet delivered as UDP: " + out);
                        } else {
                            check(out instanceof IpPacket || (out == null && !v4),
                                    "non-UDP packet did not pass through: " + out);
                            if (out != null) {
                                FuzzSupport.checkIpPacket((IpPacket) out);
                            }
                        }
                    } else {
                        check(out instanceof DatagramPacket, "model delivers " + expected.payload.length
                                + " bytes, handler gave " + out);
                        DatagramPacket d = (DatagramPacket) out;
                        check(Arrays.equals(ByteBufUtil.getBytes(d.content()), expected.payload),
                                "delivered content differs from the model's: " + ByteBufUtil.hexDump(d.content())
                                        + " vs " + ByteBufUtil.hexDump(expected.payload));
                        check(d.recipient().equals(expected.recipient) && d.sender().equals(expected.sender),
                                "addresses " + d.sender() + " > " + d.recipient() + ", expected " + expected.sender
                                        + " > " + expected.recipient);
                    }
                    check(ch.readInbound() == null, "more than one message for one packet");
                } finally {
                    ReferenceCountUtil.release(out);
                }
            }
        } finally {
            ch.finishAndReleaseAll();
        }
        tail.check(ch);
        alloc.assertAllReleased("after delivery");
    }

    private static Expected writeOne(FuzzedDataProvider data, FuzzSupport.TrackingAllocator alloc, EmbeddedChannel ch,
            boolean verify) {
        boolean v6 = data.consumeBoolean();
        byte[][] set = v6 ? V6 : V4;
        byte[] src = set[data.consumeInt(0, set.length - 2)]; // never a multicast source
        byte[] dst = set[data.consumeInt(0, set.length - 1)];
        int sport = data.consumeInt(0, 65535);
        int dport = data.consumeInt(0, 65535);
        int lengthMode = data.consumeInt(0, 7); // 0-4 right, 5 zero, 6 right +/- small, 7 arbitrary
        int checksumMode = data.consumeInt(0, 7); // 0-4 right, 5 zero, 6 right + 1, 7 arbitrary
        int protocol = data.consumeInt(0, 15) == 0 ? data.consumeInt(0, 255) : IpProtocols.UDP;
        int extra = data.consumeInt(0, 3); // v6: 1 Destination Options, 2 atomic Fragment; v4: option words
        int padding = data.consumeInt(0, 3) == 0 ? data.consumeInt(1, 16) : 0;
        int tos = data.consumeInt(0, 255);
        int arbitraryLength = data.consumeInt(0, 65535);
        int arbitraryChecksum = data.consumeInt(0, 65535);
        int delta = data.consumeInt(-9, 9);
        byte[] payload = data.consumeBytes(data.consumeInt(0, 1500));

        int udpLength = 8 + payload.length;
        int lengthField = lengthMode <= 4 ? udpLength : lengthMode == 5 ? 0
                : lengthMode == 6 ? (udpLength + delta) & 0xffff : arbitraryLength;
        // the UDP datagram as the model sees it
        byte[] udp = new byte[udpLength];
        putShort(udp, 0, sport);
        putShort(udp, 2, dport);
        putShort(udp, 4, lengthField);
        System.arraycopy(payload, 0, udp, 8, payload.length);
        int modelLength = lengthField == 0 && v6 ? udpLength : lengthField;
        long pseudo = pseudo(src) + pseudo(dst) + IpProtocols.UDP;
        // the right checksum covers what the receiver will take as the datagram, as the sender would have computed
        int right = 0xffff;
        if (modelLength >= 8 && modelLength <= udpLength) {
            right = ~FuzzSupport.referenceChecksum(udp, 0, modelLength, pseudo + modelLength) & 0xffff;
            right = right == 0 ? 0xffff : right;
        }
        int checksum = checksumMode <= 4 ? right : checksumMode == 5 ? 0
                : checksumMode == 6 ? (right + 1) & 0xffff : arbitraryChecksum;
        putShort(udp, 6, checksum);

        ByteBuf b = alloc.buffer();
        int headerLength;
        if (v6) {
            int next = extra == 1 ? IpProtocols.DESTINATION_OPTIONS : extra == 2 ? IpProtocols.FRAGMENT : protocol;
            int ext = extra == 1 || extra == 2 ? 8 : 0;
            b.writeInt((6 << 28) | (tos << 20) | 0x12345).writeShort(ext + udpLength).writeByte(next).writeByte(64)
                    .writeBytes(src).writeBytes(dst);
            if (extra == 1) {
                b.writeByte(protocol).writeByte(0).writeByte(1).writeByte(4).writeInt(0); // PadN
            } else if (extra == 2) {
                b.writeByte(protocol).writeByte(0).writeShort(0).writeInt(0x01020304); // atomic fragment
            }
            headerLength = 40 + ext;
        } else {
            headerLength = 20 + 4 * extra;
            b.writeByte(0x40 | (headerLength / 4)).writeByte(tos).writeShort(headerLength + udpLength)
                    .writeShort(0x4242).writeShort((tos & 1) != 0 ? Ipv4Header.FLAG_DF : 0).writeByte(64)
                    .writeByte(protocol).writeShort(0).writeBytes(src).writeBytes(dst);
            for (int i = 0; i < extra; i++) {
                b.writeInt(0x01010101); // NOP options
            }
            Ipv4Header.updateChecksum(b, 0, headerLength);
        }
        b.writeBytes(udp);
        b.writeZero(padding);
        ch.writeInbound(b);

        if (protocol != IpProtocols.UDP) {
            // for pass-through: recipient set means IPv4 (must pass); sender/recipient2 are the packet's addresses
            InetSocketAddress mayDrop = v6 ? null : new InetSocketAddress(0);
            return new Expected(null, mayDrop, sock(src, 0), true, sock(dst, 0));
        }
        if (modelLength < 8 || modelLength > udpLength) {
            return null;
        }
        if (checksum == 0 && v6) {
            return null;
        }
        if (checksum != 0) {
            int sum = FuzzSupport.referenceChecksum(udp, 0, modelLength, pseudo + modelLength);
            if (verify && sum != 0xffff) {
                return null;
            }
        }
        return new Expected(Arrays.copyOfRange(udp, 8, modelLength), sock(dst, dport), sock(src, sport), false,
                null);
    }

    private static InetSocketAddress sock(byte[] address, int port) {
        try {
            return new InetSocketAddress(InetAddress.getByAddress(address), port);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    private static long pseudo(byte[] address) {
        long sum = 0;
        for (int i = 0; i < address.length; i += 2) {
            sum += ((address[i] & 0xff) << 8) | (address[i + 1] & 0xff);
        }
        return sum;
    }

    private static void putShort(byte[] b, int i, int v) {
        b[i] = (byte) (v >>> 8);
        b[i + 1] = (byte) v;
    }
}
