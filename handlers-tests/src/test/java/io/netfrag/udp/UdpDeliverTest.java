package io.netfrag.udp;

import static io.netfrag.testing.TestPackets.payload;
import static io.netfrag.testing.TestPackets.udp6;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.netfrag.packet.IpPacket;
import io.netfrag.packet.IpPacketDecoder;
import io.netfrag.stats.DropReason;
import io.netfrag.stats.MibCounter;
import io.netfrag.testing.TestPackets;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.DatagramPacket;
import java.net.InetSocketAddress;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class UdpDeliverTest {

    private UdpDeliver deliver;

    private EmbeddedChannel channel() {
        deliver = new UdpDeliver();
        return new EmbeddedChannel(new IpPacketDecoder(), deliver);
    }

    private static ByteBuf buf(byte[] b) {
        return PooledByteBufAllocator.DEFAULT.buffer(b.length).writeBytes(b);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 7, 8, 1000, 65000})
    void ipv6DatagramIsDeliveredWithAddressesAndPorts(int size) {
        EmbeddedChannel ch = channel();
        byte[] pl = payload(size);
        ByteBuf in = buf(udp6(TestPackets.SRC, TestPackets.DST, 40001, 5000, pl, 0));
        ch.writeInbound(in);
        DatagramPacket d = ch.readInbound();
        assertEquals(new InetSocketAddress(TestPackets.DST, 5000), d.recipient());
        assertEquals(new InetSocketAddress(TestPackets.SRC, 40001), d.sender());
        assertArrayEquals(pl, TestPackets.bytes(d.content()));
        d.release();
        assertEquals(0, in.refCnt());
        assertEquals(1, deliver.stats().get(MibCounter.UDP_IN_DATAGRAMS));
        assertFalse(ch.finishAndReleaseAll());
    }

    private void expectDrop(byte[] packet, Consumer<ByteBuf> corrupt, DropReason reason) {
        EmbeddedChannel ch = channel();
        ByteBuf in = buf(packet);
        corrupt.accept(in);
        ch.writeInbound(in);
        assertNull(ch.readInbound());
        assertEquals(0, in.refCnt());
        assertEquals(1, deliver.stats().drops(reason), deliver.stats().toString());
        assertEquals(1, deliver.stats().get(MibCounter.UDP_IN_ERRORS));
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void badChecksumIsDropped() {
        expectDrop(udp6(payload(100)), b -> b.setByte(60, b.getByte(60) ^ 1), DropReason.UDP_BAD_CHECKSUM);
        assertEquals(1, deliver.stats().get(MibCounter.UDP_IN_CSUM_ERRORS));
    }

    @Test
    void zeroChecksumOverIpv6IsDropped() {
        expectDrop(udp6(payload(100)), b -> b.setShort(46, 0), DropReason.UDP_ZERO_CHECKSUM);
    }

    @Test
    void udpLengthBeyondThePayloadIsDropped() {
        expectDrop(udp6(payload(100)), b -> b.setShort(44, 109), DropReason.UDP_BAD_LENGTH);
    }

    @Test
    void udpLengthBelowTheHeaderIsDropped() {
        expectDrop(udp6(payload(100)), b -> b.setShort(44, 7), DropReason.UDP_BAD_LENGTH);
    }

    @Test
    void truncatedUdpHeaderIsDropped() {
        expectDrop(udp6(payload(0)), b -> {
            b.setShort(4, 4);
            b.writerIndex(44);
        }, DropReason.UDP_TRUNCATED);
    }

    @Test
    void shorterUdpLengthTrimsTheDatagramAsLinux() {
        EmbeddedChannel ch = channel();
        byte[] pl = payload(100);
        // UDP length 58 inside a 108-byte IP payload: the checksum covers the first 58 bytes only
        byte[] full = udp6(TestPackets.SRC, TestPackets.DST, 1, 2, java.util.Arrays.copyOf(pl, 50), 0);
        ByteBuf in = Unpooled.buffer().writeBytes(full).writeBytes(new byte[50]);
        in.setShort(4, 108);
        ch.writeInbound(in);
        DatagramPacket d = ch.readInbound();
        assertEquals(50, d.content().readableBytes());
        d.release();
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void ipv4WithAndWithoutChecksumIsDelivered() {
        EmbeddedChannel ch = channel();
        byte[] pl = payload(333);
        ch.writeInbound(buf(TestPackets.udp4(0x0ac80101, 0x0ac80102, 7, 9, pl, true)));
        ch.writeInbound(buf(TestPackets.udp4(0x0ac80101, 0x0ac80102, 7, 9, pl, false)));
        for (int i = 0; i < 2; i++) {
            DatagramPacket d = ch.readInbound();
            assertEquals("10.200.1.2", d.recipient().getAddress().getHostAddress());
            assertEquals(9, d.recipient().getPort());
            assertArrayEquals(pl, TestPackets.bytes(d.content()));
            d.release();
        }
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void ipv4BadChecksumIsDropped() {
        expectDrop(TestPackets.udp4(1, 2, 3, 4, payload(10), true), b -> b.setByte(30, 0x55), DropReason.UDP_BAD_CHECKSUM);
    }

    @Test
    void checksumOverACompositeWithOddComponentsVerifies() {
        byte[] p = udp6(payload(1001));
        // split at odd positions into a composite, as NONE/COMPOSITE reassembly delivers
        ByteBuf c = Unpooled.wrappedBuffer(Unpooled.wrappedBuffer(p, 0, 61), Unpooled.wrappedBuffer(p, 61, 333),
                Unpooled.wrappedBuffer(p, 394, p.length - 394));
        IpPacket packet = new IpPacketDecoder().decode(c);
        DatagramPacket d = new UdpDeliver().deliver(packet);
        assertArrayEquals(payload(1001), TestPackets.bytes(d.content()));
        d.release();
    }

    @Test
    void otherMessagesPassThrough() {
        EmbeddedChannel ch = channel();
        ch.writeInbound("hello");
        assertEquals("hello", ch.readInbound());
        assertFalse(ch.finishAndReleaseAll());
    }
}
