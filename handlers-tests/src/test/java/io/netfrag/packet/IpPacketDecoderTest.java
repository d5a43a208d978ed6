package io.netfrag.packet;

import static io.netfrag.testing.TestPackets.payload;
import static io.netfrag.testing.TestPackets.udp6;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netfrag.internal.wire.IpProtocols;
import io.netfrag.stats.DropReason;
import io.netfrag.stats.MibCounter;
import io.netfrag.testing.TestPackets;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.DatagramPacket;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class IpPacketDecoderTest {

    private static ByteBuf buf(byte[] b) {
        return PooledByteBufAllocator.DEFAULT.buffer(b.length).writeBytes(b);
    }

    @Test
    void decodesIpv6FromADatagramPacket() {
        IpPacketDecoder decoder = new IpPacketDecoder();
        EmbeddedChannel ch = new EmbeddedChannel(decoder);
        ByteBuf in = buf(udp6(payload(10)));
        ch.writeInbound(new DatagramPacket(in, new InetSocketAddress(1), new InetSocketAddress(2)));
        IpPacket p = ch.readInbound();
        assertEquals(6, p.version());
        assertEquals(IpProtocols.UDP, p.protocol());
        assertEquals(40, p.upperOffset());
        assertEquals(18, p.upperLength());
        assertEquals(TestPackets.SRC, p.sourceAddress());
        assertEquals(TestPackets.DST, p.destinationAddress());
        assertFalse(p.isFragment());
        assertFalse(p.forwarding());
        p.release();
        assertEquals(0, in.refCnt());
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void trailingBytesBeyondThePayloadLengthAreTrimmedAndCounted() {
        IpPacketDecoder decoder = new IpPacketDecoder();
        ByteBuf in = buf(udp6(payload(10))).writeZero(6); // Ethernet-style padding
        IpPacket p = decoder.decode(in);
        assertEquals(58, p.content().readableBytes());
        p.release();
        assertEquals(1, decoder.stats().get(MibCounter.IN_TRAILING_PKTS));
        assertEquals(6, decoder.stats().get(MibCounter.IN_TRAILING_OCTETS));
    }

    /** Reads one message through a decoder in a channel and returns the packets it made, in order. */
    private static List<IpPacket> readAll(IpPacketDecoder decoder, ByteBuf read) {
        EmbeddedChannel ch = new EmbeddedChannel(decoder);
        ch.writeInbound(new DatagramPacket(read, new InetSocketAddress(1), new InetSocketAddress(2)));
        List<IpPacket> out = new ArrayList<>();
        for (IpPacket p; (p = ch.readInbound()) != null; ) {
            out.add(p);
        }
        assertFalse(ch.finish());
        return out;
    }

    private static byte[] concat(byte[]... parts) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    @Test
    void aReadHoldingSeveralPacketsBackToBackIsSplitByTheirLengths() {
        byte[] a = udp6(payload(100));
        byte[] b = TestPackets.udp4(0x0a000001, 0x0a000002, 1, 2, payload(30), true);
        byte[] c = udp6(payload(1300));
        IpPacketDecoder decoder = new IpPacketDecoder();
        ByteBuf read = buf(concat(a, b, c));
        List<IpPacket> packets = readAll(decoder, read);
        assertEquals(3, packets.size());
        assertEquals(List.of(6, 4, 6), packets.stream().map(IpPacket::version).toList());
        assertEquals(List.of(a.length, b.length, c.length),
                packets.stream().map(p -> p.content().readableBytes()).toList());
        assertEquals(java.util.Arrays.toString(c), java.util.Arrays.toString(TestPackets.bytes(packets.get(2).content())));
        packets.forEach(IpPacket::release);
        assertEquals(0, read.refCnt());
        assertEquals(3, decoder.stats().get(MibCounter.IN_RECEIVES));
        assertEquals(1, decoder.stats().get(MibCounter.IN_MULTI_PACKET_READS));
        assertEquals(0, decoder.stats().get(MibCounter.IN_TRAILING_PKTS));
    }

    /** What follows the last packet and is not a whole IP packet is trimmed as trailing bytes, and counted. */
    @Test
    void bytesAfterTheLastPacketThatAreNotAPacketAreTrailing() {
        byte[] a = udp6(payload(100));
        byte[] truncated = java.util.Arrays.copyOf(udp6(payload(500)), 300);
        byte[] badChecksum = TestPackets.udp4(0x0a000001, 0x0a000002, 1, 2, payload(30), true);
        badChecksum[10] ^= 1;
        byte[] shortV4 = java.util.Arrays.copyOf(TestPackets.udp4(0x0a000001, 0x0a000002, 1, 2, payload(30), true), 19);
        for (byte[] tail : List.of(new byte[6], truncated, badChecksum, shortV4)) {
            IpPacketDecoder decoder = new IpPacketDecoder();
            ByteBuf read = buf(concat(a, a, tail));
            List<IpPacket> packets = readAll(decoder, read);
            assertEquals(2, packets.size());
            packets.forEach(p -> assertEquals(a.length, p.content().readableBytes()));
            packets.forEach(IpPacket::release);
            assertEquals(0, read.refCnt());
            assertEquals(1, decoder.stats().get(MibCounter.IN_TRAILING_PKTS));
            assertEquals(tail.length, decoder.stats().get(MibCounter.IN_TRAILING_OCTETS));
            assertEquals(2, decoder.stats().get(MibCounter.IN_RECEIVES));
        }
    }

    /** A packet in a split read that is itself bad is dropped under its own reason; its neighbours are delivered. */
    @Test
    void aBadPacketInsideASplitReadIsDroppedAlone() {
        byte[] a = udp6(payload(100));
        byte[] multicastSource = udp6(payload(20));
        multicastSource[8] = (byte) 0xff;
        IpPacketDecoder decoder = new IpPacketDecoder();
        ByteBuf read = buf(concat(a, multicastSource, a));
        List<IpPacket> packets = readAll(decoder, read);
        assertEquals(2, packets.size());
        packets.forEach(IpPacket::release);
        assertEquals(0, read.refCnt());
        assertEquals(1, decoder.stats().drops(DropReason.BAD_SOURCE_ADDRESS));
        assertEquals(3, decoder.stats().get(MibCounter.IN_RECEIVES));
    }

    /** {@code decode} takes one packet (an inner packet after decapsulation): what follows it is trailing. */
    @Test
    void decodeTakesOnePacketAndTrimsWhatFollows() {
        byte[] a = udp6(payload(100));
        IpPacketDecoder decoder = new IpPacketDecoder();
        IpPacket p = decoder.decode(buf(concat(a, a)));
        assertEquals(a.length, p.content().readableBytes());
        p.release();
        assertEquals(a.length, decoder.stats().get(MibCounter.IN_TRAILING_OCTETS));
        assertEquals(0, decoder.stats().get(MibCounter.IN_MULTI_PACKET_READS));
    }

    private static void expectDrop(byte[] packet, Consumer<ByteBuf> corrupt, DropReason reason, MibCounter counter) {
        IpPacketDecoder decoder = new IpPacketDecoder();
        ByteBuf in = buf(packet);
        corrupt.accept(in);
        assertNull(decoder.decode(in));
        assertEquals(0, in.refCnt());
        assertEquals(1, decoder.stats().drops(reason), decoder.stats().toString());
        assertEquals(1, decoder.stats().get(counter));
    }

    @Test
    void badPacketsAreDroppedAndCounted() {
        byte[] p6 = udp6(payload(10));
        expectDrop(p6, b -> b.writerIndex(39), DropReason.TRUNCATED_HEADER, MibCounter.IN_HDR_ERRORS);
        expectDrop(p6, b -> b.writerIndex(0), DropReason.TRUNCATED_HEADER, MibCounter.IN_HDR_ERRORS);
        expectDrop(p6, b -> b.setByte(0, 0x50), DropReason.BAD_VERSION, MibCounter.IN_HDR_ERRORS);
        expectDrop(p6, b -> b.setShort(4, 19), DropReason.TRUNCATED_PACKET, MibCounter.IN_TRUNCATED_PKTS);
        expectDrop(p6, b -> b.setByte(8, 0xff), DropReason.BAD_SOURCE_ADDRESS, MibCounter.IN_HDR_ERRORS);
        expectDrop(p6, b -> {
            b.setShort(4, 0);
            b.setByte(6, IpProtocols.HOP_BY_HOP);
        }, DropReason.JUMBOGRAM, MibCounter.IN_HDR_ERRORS);
        // Hop-by-Hop claiming 16 bytes in an 18-byte payload whose next header is Routing with 100 bytes
        expectDrop(p6, b -> {
            b.setByte(6, IpProtocols.HOP_BY_HOP);
            b.setByte(40, IpProtocols.ROUTING);
            b.setByte(41, 0);
            b.setByte(48, IpProtocols.UDP);
            b.setByte(49, 12);
        }, DropReason.BAD_EXTENSION_HEADER, MibCounter.IN_HDR_ERRORS);
        // Hop-by-Hop after a Destination Options header
        expectDrop(p6, b -> {
            b.setByte(6, IpProtocols.DESTINATION_OPTIONS);
            b.setByte(40, IpProtocols.HOP_BY_HOP);
            b.setByte(41, 0);
        }, DropReason.BAD_EXTENSION_HEADER, MibCounter.IN_HDR_ERRORS);
        byte[] p4 = TestPackets.udp4(0x0a000001, 0x0a000002, 1, 2, payload(10), true);
        expectDrop(p4, b -> b.setByte(0, 0x44), DropReason.BAD_HEADER_LENGTH, MibCounter.IN_HDR_ERRORS);
        expectDrop(p4, b -> b.setByte(8, 1), DropReason.BAD_HEADER_CHECKSUM, MibCounter.IN_CSUM_ERRORS);
        expectDrop(p4, b -> b.writerIndex(19), DropReason.TRUNCATED_HEADER, MibCounter.IN_HDR_ERRORS);
        expectDrop(p4, b -> b.writerIndex(30), DropReason.TRUNCATED_PACKET, MibCounter.IN_TRUNCATED_PKTS);
    }

    @Test
    void nonLocalDestinationsAreMarkedForwarding() {
        IpPacketDecoder decoder = new IpPacketDecoder(LocalAddresses.NONE, 3);
        IpPacket p = decoder.decode(buf(udp6(payload(1))));
        assertTrue(p.forwarding());
        assertEquals(3, p.ingressIndex());
        p.release();
    }

    @Test
    void otherMessagesPassThrough() {
        EmbeddedChannel ch = new EmbeddedChannel(new IpPacketDecoder());
        ch.writeInbound(42);
        assertEquals(42, (Integer) ch.readInbound());
        assertFalse(ch.finishAndReleaseAll());
    }
}
