package io.netfrag.fuzz;

import static io.netfrag.fuzz.FuzzSupport.check;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netfrag.internal.wire.EcnCombiner;
import io.netfrag.internal.wire.InternetChecksum;
import io.netfrag.internal.wire.Ipv4Header;
import io.netfrag.internal.wire.Ipv6FragmentHeader;
import io.netfrag.internal.wire.Ipv6Header;
import io.netfrag.internal.wire.Ipv6HeaderChain;
import io.netfrag.internal.wire.UdpHeader;
import io.netfrag.packet.IpPacket;
import io.netfrag.packet.IpPacketDecoder;
import io.netfrag.packet.LocalAddresses;
import io.netfrag.stats.MibCounter;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.DatagramPacket;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * Fuzzes the first stage of the receive path and the wire views it is built on, with arbitrary bytes.
 *
 * <ul>
 *   <li>{@link #decode}: {@link IpPacketDecoder} in a pipeline. Each input is decoded twice, from a heap buffer at a
 *       non-zero reader index and from a buffer of another kind (direct, composite split at a fuzzed point, slice of
 *       a bigger buffer), raw or wrapped in a {@link DatagramPacket}. Checked: no exception escapes; no leak (every
 *       buffer of the tracking allocator is released once outputs are released); a decoded packet is consistent
 *       ({@link FuzzSupport#checkIpPacket}); both decodings agree; every packet of the read (a read may hold
 *       several) is counted once, then emitted or dropped.</li>
 *   <li>{@link #headerViews}: {@link Ipv6Header}, {@link Ipv4Header}, {@link Ipv6FragmentHeader} and
 *       {@link UdpHeader} accessors at a fuzzed index of arbitrary bytes. Checked: when a view's {@code fits} says
 *       yes, no accessor throws and each reads what the RFC layout says; {@link InternetChecksum#sum} over a fuzzed
 *       range of heap, direct and oddly split composite buffers equals a naive byte-by-byte sum;
 *       {@link EcnCombiner#combine} follows RFC 3168 §5.3.</li>
 *   <li>{@link #headerChain}: {@link Ipv6HeaderChain#walk} over arbitrary bytes in a buffer that ends exactly at
 *       the walk's end index (so a read past the end throws). Checked: no exception; indices within bounds; the byte
 *       at {@code upperNextHeaderIndex} names {@code upperProtocol}, the byte at {@code fragmentNextHeaderIndex}
 *       names the Fragment header; a reused walker gives the same answer as a fresh one.</li>
 * </ul>
 */
class PacketFuzzTest {

    @FuzzTest
    void decode(byte[] input) {
        if (input.length < 2) {
            return;
        }
        int options = input[0] & 0xff;
        int split = input[1] & 0xff;
        byte[] packet = java.util.Arrays.copyOfRange(input, 2, input.length);
        FuzzSupport.TrackingAllocator alloc = new FuzzSupport.TrackingAllocator();
        LocalAddresses local = (options & 8) != 0 ? (v, h, l) -> (l & 1) == 0 : LocalAddresses.ALL;

        // variant A: heap buffer whose packet starts after a prefix (reader index > 0)
        int prefix = options >>> 4;
        ByteBuf a = alloc.heapBuffer(prefix + packet.length);
        a.writeZero(prefix).writeBytes(packet).readerIndex(prefix);
        List<String> first = decodeOne(alloc, local, a, false);

        // variant B: another buffer kind, maybe in a DatagramPacket
        ByteBuf b;
        switch (options & 3) {
            case 0:
                b = alloc.directBuffer(packet.length).writeBytes(packet);
                break;
            case 1: {
                CompositeByteBuf c = alloc.compositeHeapBuffer();
                int at = packet.length == 0 ? 0 : split % (packet.length + 1);
                c.addComponent(true, alloc.heapBuffer(at).writeBytes(packet, 0, at));
                c.addComponent(true, alloc.directBuffer(packet.length - at).writeBytes(packet, at,
                        packet.length - at));
                b = c;
                break;
            }
            case 2: {
                ByteBuf parent = alloc.heapBuffer(packet.length + 64);
                parent.writeZero(split & 31).writeBytes(packet).writeZero(32);
                b = parent.retainedSlice(split & 31, packet.length);
                parent.release();
                break;
            }
            default:
                b = alloc.heapBuffer(packet.length).writeBytes(packet);
        }
        List<String> second = decodeOne(alloc, local, b, (options & 4) != 0);
        alloc.assertAllReleased("after decoding");
        check(first.equals(second), "decoding depends on the buffer:\n  heap: " + first + "\n  other: " + second);
    }

    private static List<String> decodeOne(FuzzSupport.TrackingAllocator alloc, LocalAddresses local, ByteBuf buf,
            boolean datagram) {
        IpPacketDecoder decoder = new IpPacketDecoder(local, 3);
        FuzzSupport.FailOnException tail = new FuzzSupport.FailOnException();
        EmbeddedChannel ch = FuzzSupport.channel(alloc, tail, decoder);
        List<String> out = new ArrayList<>();
        try {
            Object msg = datagram ? new DatagramPacket(buf, new InetSocketAddress("127.0.0.1", 5555),
                    new InetSocketAddress("127.0.0.1", 6666)) : buf;
            ch.writeInbound(msg);
            tail.check(ch);
            for (Object o; (o = ch.readInbound()) != null;) {
                try {
                    check(o instanceof IpPacket, "decoder emitted " + o.getClass());
                    IpPacket p = (IpPacket) o;
                    FuzzSupport.checkIpPacket(p);
                    check(p.ingressIndex() == 3 && p.depth() == 0, "ingress/depth not stamped: " + p);
                    out.add(p + " flags " + p.flags() + " upper " + p.upperOffset() + " tc " + p.trafficClass()
                            + " hl " + p.hopLimit() + " fh " + p.fragmentHeaderOffset() + " len "
                            + p.content().readableBytes());
                } finally {
                    io.netty.util.ReferenceCountUtil.release(o);
                }
            }
            // a read may hold several packets back to back: each is counted once, then emitted or dropped
            long received = decoder.stats().get(MibCounter.IN_RECEIVES);
            check(received >= 1 && received == out.size() + decoder.stats().totalDrops(),
                    "packets not counted once each: " + received + " received, " + out.size() + " emitted, "
                            + decoder.stats());
            check((received > 1) == (decoder.stats().get(MibCounter.IN_MULTI_PACKET_READS) == 1),
                    "a split read not counted as one: " + decoder.stats());
        } finally {
            ch.finishAndReleaseAll();
        }
        tail.check(ch);
        return out;
    }

    @FuzzTest
    void headerViews(byte[] input) {
        if (input.length < 4) {
            return;
        }
        int index = input[0] & 0x3f;
        int from = input[1] & 0xff;
        int split = input[2] & 0xff;
        int ecnBits = input[3] & 0xff;
        byte[] data = java.util.Arrays.copyOfRange(input, 4, input.length);
        FuzzSupport.TrackingAllocator alloc = new FuzzSupport.TrackingAllocator();
        ByteBuf heap = alloc.heapBuffer(data.length).writeBytes(data);
        ByteBuf direct = alloc.directBuffer(data.length).writeBytes(data);
        CompositeByteBuf composite = alloc.compositeDirectBuffer();
        int at = data.length == 0 ? 0 : split % (data.length + 1);
        int at2 = at + (data.length - at) / 2 + ((split >>> 7) & 1);
        at2 = Math.min(at2, data.length);
        composite.addComponent(true, alloc.heapBuffer(at).writeBytes(data, 0, at));
        composite.addComponent(true, alloc.directBuffer(at2 - at).writeBytes(data, at, at2 - at));
        composite.addComponent(true, alloc.heapBuffer(data.length - at2).writeBytes(data, at2, data.length - at2));
        try {
            for (ByteBuf b : new ByteBuf[] {heap, direct, composite}) {
                views(b, data, index);
                checksums(b, from, split);
            }
        } finally {
            heap.release();
            direct.release();
            composite.release();
        }
        alloc.assertAllReleased("after header views");

        int combined = EcnCombiner.combine(ecnBits);
        boolean notEct = (ecnBits & EcnCombiner.bit(0)) != 0;
        boolean ect = (ecnBits & (EcnCombiner.bit(1) | EcnCombiner.bit(2))) != 0;
        boolean ce = (ecnBits & EcnCombiner.bit(3)) != 0;
        int expected = notEct && (ect || ce) ? EcnCombiner.DROP : ce && ect ? 3 : 0;
        check(combined == expected, "EcnCombiner.combine(" + ecnBits + ") = " + combined + ", RFC 3168 says "
                + expected);
    }

    private static int u8(byte[] d, int i) {
        return d[i] & 0xff;
    }

    private static int u16(byte[] d, int i) {
        return (u8(d, i) << 8) | u8(d, i + 1);
    }

    private static int s32(byte[] d, int i) {
        return (u16(d, i) << 16) | u16(d, i + 2);
    }

    private static long s64(byte[] d, int i) {
        return ((long) s32(d, i) << 32) | (s32(d, i + 4) & 0xffffffffL);
    }

    private static void views(ByteBuf b, byte[] d, int i) {
        boolean fits6 = Ipv6Header.fits(b, i);
        check(fits6 == (i + Ipv6Header.LENGTH <= d.length), "Ipv6Header.fits wrong at " + i + " of " + d.length);
        if (fits6) {
            check(Ipv6Header.version(b, i) == u8(d, i) >>> 4, "IPv6 version");
            check(Ipv6Header.trafficClass(b, i) == ((u16(d, i) >>> 4) & 0xff), "IPv6 traffic class");
            check(Ipv6Header.ecn(b, i) == ((u16(d, i) >>> 4) & 3), "IPv6 ECN");
            check(Ipv6Header.flowLabel(b, i) == (s32(d, i) & 0xfffff), "IPv6 flow label");
            check(Ipv6Header.payloadLength(b, i) == u16(d, i + 4), "IPv6 payload length");
            check(Ipv6Header.nextHeader(b, i) == u8(d, i + 6), "IPv6 next header");
            check(Ipv6Header.hopLimit(b, i) == u8(d, i + 7), "IPv6 hop limit");
            check(Ipv6Header.sourceHigh(b, i) == s64(d, i + 8) && Ipv6Header.sourceLow(b, i) == s64(d, i + 16)
                    && Ipv6Header.destinationHigh(b, i) == s64(d, i + 24)
                    && Ipv6Header.destinationLow(b, i) == s64(d, i + 32), "IPv6 addresses");
            long dh = Ipv6Header.destinationHigh(b, i);
            boolean scoped = (u8(d, i + 24) == 0xfe && (u8(d, i + 25) & 0xc0) == 0x80) || u8(d, i + 24) == 0xff;
            check(Ipv6Header.scopedDestination(dh) == scoped, "scopedDestination wrong for " + Long.toHexString(dh));
        }
        boolean fits4 = Ipv4Header.fits(b, i);
        check(fits4 == (i + Ipv4Header.MIN_LENGTH <= d.length), "Ipv4Header.fits wrong");
        if (fits4) {
            check(Ipv4Header.version(b, i) == u8(d, i) >>> 4, "IPv4 version");
            int ihl = Ipv4Header.headerLength(b, i);
            check(ihl == (u8(d, i) & 15) * 4, "IPv4 IHL");
            check(Ipv4Header.tos(b, i) == u8(d, i + 1) && Ipv4Header.totalLength(b, i) == u16(d, i + 2)
                    && Ipv4Header.identification(b, i) == u16(d, i + 4)
                    && Ipv4Header.fragmentField(b, i) == u16(d, i + 6)
                    && Ipv4Header.offsetBytes(b, i) == (u16(d, i + 6) & 0x1fff) * 8
                    && Ipv4Header.moreFragments(b, i) == ((u16(d, i + 6) & 0x2000) != 0)
                    && Ipv4Header.dontFragment(b, i) == ((u16(d, i + 6) & 0x4000) != 0)
                    && Ipv4Header.ttl(b, i) == u8(d, i + 8) && Ipv4Header.protocol(b, i) == u8(d, i + 9)
                    && Ipv4Header.source(b, i) == s32(d, i + 12) && Ipv4Header.destination(b, i) == s32(d, i + 16),
                    "IPv4 accessor disagrees with RFC 791 layout");
            if (ihl >= Ipv4Header.MIN_LENGTH && i + ihl <= d.length) {
                check(Ipv4Header.checksumValid(b, i, ihl) == (FuzzSupport.referenceChecksum(d, i, ihl, 0) == 0xffff),
                        "IPv4 checksumValid disagrees with a naive sum");
            }
        }
        if (Ipv6FragmentHeader.fits(b, i)) {
            check(Ipv6FragmentHeader.nextHeader(b, i) == u8(d, i)
                    && Ipv6FragmentHeader.offsetBytes(b, i) == (u16(d, i + 2) & 0xfff8)
                    && Ipv6FragmentHeader.moreFragments(b, i) == ((u16(d, i + 2) & 1) != 0)
                    && Ipv6FragmentHeader.identification(b, i) == s32(d, i + 4), "Fragment header accessors");
        } else {
            check(i + Ipv6FragmentHeader.LENGTH > d.length, "Ipv6FragmentHeader.fits wrong");
        }
        if (UdpHeader.fits(b, i)) {
            check(UdpHeader.sourcePort(b, i) == u16(d, i) && UdpHeader.destinationPort(b, i) == u16(d, i + 2)
                    && UdpHeader.length(b, i) == u16(d, i + 4) && UdpHeader.checksum(b, i) == u16(d, i + 6),
                    "UDP header accessors");
        } else {
            check(i + UdpHeader.LENGTH > d.length, "UdpHeader.fits wrong");
        }
    }

    private static void checksums(ByteBuf b, int from, int lengthSeed) {
        int n = b.readableBytes();
        int start = n == 0 ? 0 : from % (n + 1);
        int length = n - start == 0 ? 0 : (lengthSeed * 7919) % (n - start + 1);
        for (int[] range : new int[][] {{start, length}, {0, n}, {start, n - start}}) {
            long initial = (from & 1) == 0 ? 0 : InternetChecksum.ipv6PseudoHeader(from, lengthSeed, ~from,
                    -lengthSeed, range[1], 17);
            int real = InternetChecksum.fold(InternetChecksum.sum(b, range[0], range[1], initial));
            int reference = FuzzSupport.referenceChecksum(b, range[0], range[1], initial);
            check(real == reference, "InternetChecksum.sum over [" + range[0] + ", +" + range[1] + ") of " + n
                    + " bytes (" + b.getClass().getSimpleName() + ", initial " + initial + ") = " + real
                    + ", naive sum " + reference);
        }
    }

    @FuzzTest
    void headerChain(byte[] input) {
        if (input.length < 2) {
            return;
        }
        int ip = input[0] & 0x0f;
        byte[] data = java.util.Arrays.copyOfRange(input, 1, input.length);
        if (ip + Ipv6Header.LENGTH > data.length) {
            return; // walk's precondition: a whole fixed header
        }
        FuzzSupport.TrackingAllocator alloc = new FuzzSupport.TrackingAllocator();
        // capacity == end: any read past the end index throws
        ByteBuf b = alloc.heapBuffer(data.length, data.length).writeBytes(data);
        try {
            int end = data.length;
            Ipv6HeaderChain fresh = new Ipv6HeaderChain();
            Ipv6HeaderChain.Status status = fresh.walk(b, ip, end);
            check(status == fresh.status(), "status() differs from walk()");
            String result = describe(fresh);
            int upper = fresh.upperIndex();
            check(upper >= ip + Ipv6Header.LENGTH && upper <= end, "upper index " + upper + " outside [" + (ip + 40)
                    + ", " + end + "]: " + result);
            check(fresh.upperNextHeaderIndex() >= ip + Ipv6Header.NEXT_HEADER_OFFSET
                    && fresh.upperNextHeaderIndex() < upper
                    && b.getUnsignedByte(fresh.upperNextHeaderIndex()) == fresh.upperProtocol(),
                    "upperNextHeaderIndex does not name upperProtocol: " + result);
            int frag = fresh.fragmentIndex();
            if (frag >= 0) {
                check(frag >= ip + Ipv6Header.LENGTH && frag + Ipv6FragmentHeader.LENGTH <= upper,
                        "fragment header outside the chain: " + result);
                check(b.getUnsignedByte(fresh.fragmentNextHeaderIndex()) == 44,
                        "fragmentNextHeaderIndex does not name a Fragment header: " + result);
            } else {
                check(fresh.fragmentNextHeaderIndex() == -1, "fragmentNextHeaderIndex without a fragment: " + result);
            }
            if (status == Ipv6HeaderChain.Status.OK) {
                int p = fresh.upperProtocol();
                boolean extension = p == 0 || p == 43 || p == 60 || p == 135 || p == 139 || p == 140;
                boolean nonFirst = p == 44 || (frag >= 0 && Ipv6FragmentHeader.offsetBytes(b, upper - 8) != 0);
                check(!extension || nonFirst, "chain OK but ends at extension header " + p + ": " + result);
            }
            // a walker reused after walking other bytes gives the same answer
            Ipv6HeaderChain reused = new Ipv6HeaderChain();
            ByteBuf other = alloc.heapBuffer(64).writeInt(6 << 28).writeShort(16).writeByte(44).writeByte(1)
                    .writeZero(32).writeByte(0).writeByte(0).writeShort(8 | 1).writeInt(7).writeZero(8);
            reused.walk(other, 0, other.writerIndex());
            other.release();
            reused.walk(b, ip, end);
            check(describe(reused).equals(result), "reused walker differs: " + describe(reused) + " vs " + result);
        } finally {
            b.release();
        }
        alloc.assertAllReleased("after walking");
    }

    private static String describe(Ipv6HeaderChain c) {
        return c.status() + " proto " + c.upperProtocol() + " @" + c.upperIndex() + " named@"
                + c.upperNextHeaderIndex() + " frag@" + c.fragmentIndex() + " fragNamed@" + c.fragmentNextHeaderIndex();
    }
}
