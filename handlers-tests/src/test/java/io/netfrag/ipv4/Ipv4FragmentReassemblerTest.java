package io.netfrag.ipv4;

import static io.netfrag.testing.TestPackets.bytes;
import static io.netfrag.testing.TestPackets.fragment;
import static io.netfrag.testing.TestPackets.payload;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netfrag.internal.wire.Ipv4Header;
import io.netfrag.packet.IcmpError;
import io.netfrag.packet.IcmpErrorSink;
import io.netfrag.packet.IpPacket;
import io.netfrag.packet.IpPacketDecoder;
import io.netfrag.packet.LocalAddresses;
import io.netfrag.reassembly.CoalescePolicy;
import io.netfrag.reassembly.OverlapPolicy;
import io.netfrag.reassembly.ReassemblyLimits;
import io.netfrag.stats.CounterSnapshot;
import io.netfrag.stats.DropReason;
import io.netfrag.stats.MibCounter;
import io.netfrag.testing.Collector;
import io.netfrag.testing.TestPackets;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

class Ipv4FragmentReassemblerTest {
    private static final ByteBufAllocator ALLOC = PooledByteBufAllocator.DEFAULT;

    private final List<ByteBuf> inputs = new ArrayList<>();
    private EmbeddedChannel ch;
    private Ipv4FragmentReassembler reassembler;
    private Collector collector;

    private void pipeline(CoalescePolicy policy) {
        pipeline(policy, OverlapPolicy.DROP, Ipv4FragmentReassembler.DEFAULT_MAX_DIST, LocalAddresses.ALL);
    }

    private void pipeline(CoalescePolicy policy, OverlapPolicy overlap, int maxDist, LocalAddresses local) {
        pipeline(policy, ReassemblyLimits.defaults(Ipv4FragmentReassembler.DEFAULT_TIMEOUT), overlap, maxDist, local);
    }

    private void pipeline(CoalescePolicy policy, ReassemblyLimits limits, OverlapPolicy overlap, int maxDist,
            LocalAddresses local) {
        reassembler = new Ipv4FragmentReassembler(policy, limits, IcmpErrorSink.FIRE_USER_EVENT, overlap, maxDist);
        collector = new Collector();
        ch = new EmbeddedChannel(new IpPacketDecoder(local, 0), reassembler, collector);
        ch.freezeTime();
    }

    private void write(ByteBuf b) {
        inputs.add(b);
        ch.writeInbound(b);
    }

    private void write(byte[] packet, int offset, int length, boolean more, int id) {
        write(fragment(ALLOC, packet, offset, length, more, id));
    }

    private IpPacket read() {
        return ch.readInbound();
    }

    private CounterSnapshot stats() {
        return reassembler.stats();
    }

    @AfterEach
    void tearDown() {
        for (Object e : collector.events) {
            ReferenceCountUtil.release(e);
        }
        assertFalse(ch.finishAndReleaseAll(), "unexpected messages left in the pipeline");
        assertEquals(0, reassembler.pinnedBytes());
        for (ByteBuf b : inputs) {
            assertEquals(0, b.refCnt(), "input buffer not released");
        }
    }

    private static byte[] udp4(int size) {
        return TestPackets.udp4(0x0ac80101, 0x0ac80102, 42103, 5000, payload(size), true);
    }

    /** The original packet as the reassembled one must look: identification {@code id}. */
    private static byte[] withId(byte[] packet, int id) {
        byte[] p = packet.clone();
        ByteBuf b = io.netty.buffer.Unpooled.wrappedBuffer(p);
        b.setShort(4, id);
        Ipv4Header.updateChecksum(b, 0, 20);
        return p;
    }

    @ParameterizedTest
    @CsvSource({
        "NONE,inorder", "NONE,reversed", "NONE,shuffled", "NONE,runs",
        "COMPOSITE,inorder", "COMPOSITE,reversed", "COMPOSITE,shuffled", "COMPOSITE,runs",
        "COPY,inorder", "COPY,reversed", "COPY,shuffled", "COPY,runs",
        "ADAPTIVE,inorder", "ADAPTIVE,reversed", "ADAPTIVE,shuffled", "ADAPTIVE,runs"})
    void everyPolicyAndOrderReassemblesTheOriginalPacketByteForByte(CoalescePolicy policy, String order) {
        pipeline(policy);
        byte[] packet = udp4(20000);
        packet[4] = 0x12;
        packet[5] = 0x34; // id 0x1234 as the fragments below
        Ipv4Header.updateChecksum(io.netty.buffer.Unpooled.wrappedBuffer(packet), 0, 20);
        List<int[]> frags = new ArrayList<>();
        for (int off = 0; off < packet.length - 20; off += 1480) {
            frags.add(new int[] {off, Math.min(1480, packet.length - 20 - off)});
        }
        frags = TestPackets.order(frags, order, new Random(3));
        for (int[] f : frags) {
            write(packet, f[0], f[1], f[0] + f[1] < packet.length - 20, 0x1234);
        }
        IpPacket p = read();
        assertArrayEquals(packet, bytes(p.content()));
        assertEquals(20, p.upperOffset());
        assertEquals(1500, p.maxFragmentSize());
        if (policy == CoalescePolicy.COPY) {
            assertEquals(1, p.content().nioBufferCount(), "COPY delivers one contiguous buffer");
        }
        p.release();
        assertEquals(1, stats().get(MibCounter.REASM_OKS));
        assertEquals(frags.size(), stats().get(MibCounter.REASM_REQDS));
    }

    @Test
    void copyReleasesOnArrivalAndNoneHolds() {
        pipeline(CoalescePolicy.COPY);
        byte[] packet = udp4(4000);
        write(packet, 0, 1480, true, 1);
        assertEquals(0, inputs.get(0).refCnt());
        assertEquals(0, reassembler.heldBuffers());
        ch.finishAndReleaseAll();
        pipeline(CoalescePolicy.NONE);
        write(packet, 0, 1480, true, 1);
        assertEquals(1, inputs.get(1).refCnt());
        assertEquals(1, reassembler.heldBuffers());
    }

    @Test
    void nonLastFragmentEndIsRoundedDownToAMultipleOf8() {
        pipeline(CoalescePolicy.COPY);
        byte[] packet = udp4(3000);
        write(packet, 0, 1484, true, 2); // 4 bytes past a multiple of 8: cut
        write(packet, 1480, packet.length - 20 - 1480, false, 2);
        IpPacket p = read();
        assertArrayEquals(withId(packet, 2), bytes(p.content()));
        p.release();
    }

    @Test
    void optionsAreKeptFromTheFirstFragmentOnly() {
        pipeline(CoalescePolicy.COPY);
        byte[] packet = udp4(2000);
        // first fragment with a 4-byte option (NOP NOP NOP EOL), IHL 6
        ByteBuf first = ALLOC.buffer();
        first.writeByte(0x46).writeByte(0).writeShort(24 + 1480).writeShort(9).writeShort(Ipv4Header.FLAG_MF)
                .writeByte(64).writeByte(17).writeShort(0).writeBytes(packet, 12, 8).writeInt(0x01010100);
        Ipv4Header.updateChecksum(first, 0, 24);
        first.writeBytes(packet, 20, 1480);
        write(first);
        write(packet, 1480, packet.length - 20 - 1480, false, 9);
        IpPacket p = read();
        ByteBuf c = p.content();
        assertEquals(24, Ipv4Header.headerLength(c, 0));
        assertEquals(24 + packet.length - 20, Ipv4Header.totalLength(c, 0));
        assertEquals(0x01010100, c.getInt(20));
        assertEquals(0, Ipv4Header.fragmentField(c, 0));
        assertTrue(Ipv4Header.checksumValid(c, 0, 24));
        assertEquals(24, p.upperOffset());
        byte[] data = new byte[packet.length - 20];
        c.getBytes(24, data);
        assertArrayEquals(java.util.Arrays.copyOfRange(packet, 20, packet.length), data);
        p.release();
    }

    @ParameterizedTest
    @CsvSource({"true,true,true", "true,false,true", "false,true,false", "false,false,false"})
    void dfOnlyIfTheLargestFragmentHadDf(boolean dfOnLarge, boolean dfOnSmall, boolean expected) {
        pipeline(CoalescePolicy.COPY);
        byte[] packet = udp4(2000);
        ByteBuf large = fragment(ALLOC, packet, 0, 1480, true, 3);
        ByteBuf small = fragment(ALLOC, packet, 1480, packet.length - 20 - 1480, false, 3);
        if (dfOnLarge) {
            large.setShort(6, large.getShort(6) | Ipv4Header.FLAG_DF);
            Ipv4Header.updateChecksum(large, 0, 20);
        }
        if (dfOnSmall) {
            small.setShort(6, small.getShort(6) | Ipv4Header.FLAG_DF);
            Ipv4Header.updateChecksum(small, 0, 20);
        }
        write(large);
        write(small);
        IpPacket p = read();
        assertEquals(expected, Ipv4Header.dontFragment(p.content(), 0));
        assertEquals(1500, p.maxFragmentSize());
        p.release();
    }

    @Test
    void badHeaderChecksumIsDroppedBeforeReassembly() {
        pipeline(CoalescePolicy.COPY);
        byte[] packet = udp4(2000);
        ByteBuf f = fragment(ALLOC, packet, 0, 1480, true, 4);
        f.setByte(8, 1); // TTL changed, checksum not
        write(f);
        assertEquals(0, stats().get(MibCounter.REASM_REQDS));
        assertEquals(0, reassembler.queueCount());
    }

    @Test
    void reassembledDatagramOver65535IsDropped() {
        pipeline(CoalescePolicy.COPY);
        byte[] packet = udp4(2000);
        ByteBuf big = ALLOC.buffer();
        // a last fragment at offset 65000 carrying 1000 bytes, and a first fragment: 20 + 66000 > 65535
        write(packet, 0, 1480, true, 5);
        byte[] data = new byte[1000];
        big.writeBytes(packet, 0, 20).writeBytes(data);
        big.setShort(2, 1020);
        big.setShort(4, 5);
        big.setShort(6, 65000 / 8);
        Ipv4Header.updateChecksum(big, 0, 20);
        write(big);
        for (int off = 1480; off < 65000; off += 1480) {
            int len = Math.min(1480, 65000 - off);
            ByteBuf f = ALLOC.buffer();
            f.writeBytes(packet, 0, 20).writeZero(len);
            f.setShort(2, 20 + len);
            f.setShort(4, 5);
            f.setShort(6, Ipv4Header.FLAG_MF | (off / 8));
            Ipv4Header.updateChecksum(f, 0, 20);
            write(f);
        }
        assertNull(read());
        assertEquals(1, stats().drops(DropReason.REASSEMBLED_TOO_BIG));
        assertEquals(1, stats().get(MibCounter.REASM_FAILS));
    }

    @Test
    void invalidFragmentsDiscardTheDatagram() {
        pipeline(CoalescePolicy.COPY);
        byte[] packet = udp4(3000);
        write(packet, 0, 1480, true, 6);
        write(packet, 1480, 0, true, 6); // zero length
        assertEquals(0, reassembler.queueCount());
        write(packet, 1480, 800, false, 7);
        write(packet, 1480, 808, false, 7); // conflicting last
        assertEquals(0, reassembler.queueCount());
        write(packet, 1480, 800, false, 8);
        write(packet, 2960, 8, true, 8); // beyond the end
        assertEquals(0, reassembler.queueCount());
        assertEquals(3, stats().drops(DropReason.INVALID_FRAGMENT));
        assertEquals(3, stats().get(MibCounter.REASM_FAILS));
    }

    @Test
    void overlapDiscardsAndDuplicatesAreIgnored() {
        pipeline(CoalescePolicy.COPY);
        byte[] packet = udp4(3000);
        write(packet, 0, 1480, true, 9);
        write(packet, 0, 1480, true, 9); // duplicate
        write(packet, 1472, 16, true, 9); // overlap
        assertEquals(1, stats().drops(DropReason.DUPLICATE_FRAGMENT));
        assertEquals(1, stats().get(MibCounter.REASM_OVERLAPS));
        assertEquals(0, reassembler.queueCount());
    }

    @ParameterizedTest
    @CsvSource({"64,true", "65,false"})
    void maxDistFlushesADatagramThatFellTooFarBehind(int others, boolean completes) {
        pipeline(CoalescePolicy.COPY);
        byte[] packet = udp4(3000);
        write(packet, 0, 1480, true, 100);
        // other datagrams from the same source; each first fragment only
        for (int i = 0; i < others - 1; i++) {
            write(packet, 0, 1480, true, 200 + i);
        }
        write(packet, 1480, packet.length - 20 - 1480, false, 100);
        expectCompletedOrFlushed(packet, 100, completes);
        if (!completes) {
            assertEquals(1, stats().get(MibCounter.REASM_FAILS));
        }
    }

    /**
     * After a datagram's last fragment: it was delivered with identification {@code id}, or (not {@code completes})
     * it had been flushed for {@code ipfrag_max_dist} and restarted with that fragment, so nothing is delivered.
     */
    private void expectCompletedOrFlushed(byte[] packet, int id, boolean completes) {
        IpPacket p = read();
        if (completes) {
            assertArrayEquals(withId(packet, id), bytes(p.content()));
            p.release();
            assertEquals(0, stats().drops(DropReason.FRAGMENT_TOO_FAR));
        } else {
            assertNull(p, "the datagram was flushed and restarted with its last fragment");
            assertEquals(1, stats().drops(DropReason.FRAGMENT_TOO_FAR));
        }
    }

    /**
     * A flood of tiny fragments from 100,000 spoofed sources whose addresses agree in their low 8 bits (which would
     * crowd into every 256th slot of a map keyed by the address): the per-source state for {@code ipfrag_max_dist} stays
     * bounded ({@link Ipv4FragmentReassembler#MAX_PEERS}), the scans for idle sources stay few (the map doubles between
     * scans, and once full they wait for 1/16 of the timeout), datagrams still complete, and once the flood's sources
     * have been idle for the timeout the check works again for a new source.
     */
    /**
     * As Linux, where {@code ip_frag_too_far} runs only for a fragment that has a queue: a fragment refused a new queue
     * (here: tiny fragments under memory pressure) does not count against its source, so a tiny-fragment flood from a
     * datagram's own source cannot push the datagram past {@code ipfrag_max_dist}; with the tiny-fragment rule off
     * ({@code 0}) the same flood gets queues, counts, and the datagram is flushed.
     */
    @ParameterizedTest
    @CsvSource({"256,true", "0,false"})
    void fragmentsRefusedAQueueDoNotCountForMaxDist(int floor, boolean completes) {
        ReassemblyLimits limits = ReassemblyLimits.defaults(Ipv4FragmentReassembler.DEFAULT_TIMEOUT)
                .withThresholds(512 << 10, 384 << 10).withMinFragmentUnderPressure(floor);
        pipeline(CoalescePolicy.COPY, limits, OverlapPolicy.DROP, Ipv4FragmentReassembler.DEFAULT_MAX_DIST,
                LocalAddresses.ALL);
        byte[] packet = udp4(3000);
        write(packet, 0, 1480, true, 100);
        // another source's incomplete 60 KB datagrams put the table above the low threshold
        byte[] big = TestPackets.udp4(0x0ac90101, 0x0ac80102, 42103, 5000, payload(60000), true);
        for (int id = 1000; reassembler.pinnedBytes() <= limits.lowThresholdBytes(); id++) {
            for (int off = 0; off + 1480 < 60000; off += 1480) { // never the last one
                write(big, off, 1480, true, id);
            }
        }
        assertEquals(0, stats().drops(DropReason.QUEUE_EVICTED));
        // 100 tiny fragments from the datagram's source, each on a new identification
        for (int i = 0; i < 100; i++) {
            write(packet, 8, 8, true, 300 + i);
        }
        assertEquals(floor > 0 ? 100 : 0, stats().drops(DropReason.TINY_FRAGMENT_UNDER_PRESSURE));
        write(packet, 1480, packet.length - 20 - 1480, false, 100);
        expectCompletedOrFlushed(packet, 100, completes);
    }

    @Test
    void spoofedSourceFloodKeepsPeerStateBoundedAndCheap() {
        // every spoofed fragment gets a queue (the tiny-fragment rule off), so every source is counted and tracked
        pipeline(CoalescePolicy.COPY, ReassemblyLimits.defaults(Ipv4FragmentReassembler.DEFAULT_TIMEOUT)
                .withMinFragmentUnderPressure(0), OverlapPolicy.DROP, Ipv4FragmentReassembler.DEFAULT_MAX_DIST,
                LocalAddresses.ALL);
        int n = 100_000;
        byte[] tiny = new byte[28];
        ByteBuf t = io.netty.buffer.Unpooled.wrappedBuffer(tiny).writerIndex(0);
        t.writeByte(0x45).writeByte(0).writeShort(28).writeShort(0).writeShort(Ipv4Header.FLAG_MF | 1).writeByte(64)
                .writeByte(17).writeShort(0).writeInt(0).writeInt(0x0ac80102).writeLong(0);
        ByteBuf sample = null;
        for (int i = 0; i < n; i++) {
            int source = ((11 + (i >>> 16)) << 24) | ((i & 0xffff) << 8) | 1; // 11.x.y.1 and 12.x.y.1
            ByteBuf b = io.netty.buffer.Unpooled.wrappedBuffer(tiny.clone()); // not leak-tracked: 100,000 of them
            b.setShort(4, i);
            b.setInt(12, source);
            Ipv4Header.updateChecksum(b, 0, 20);
            if (i == n / 2) {
                sample = b;
            }
            ch.writeInbound(b);
        }
        assertEquals(0, sample.refCnt(), "attack fragments are stored or dropped and released");
        assertEquals(Ipv4FragmentReassembler.MAX_PEERS, reassembler.peerCount());
        // from 1024 doubling to the cap: 1024, 2048, ..., 65536 (7 scans); then none until 1/16 of the timeout
        assertTrue(reassembler.peerScans() <= 7, "scans: " + reassembler.peerScans());
        // a datagram from a source the map has no room for still completes (its distance is not checked)
        byte[] packet = TestPackets.udp4(0x0ac90101, 0x0ac80102, 42103, 5000, payload(3000), true);
        write(packet, 0, 1480, true, 7);
        write(packet, 1480, packet.length - 20 - 1480, false, 7);
        IpPacket p = read();
        assertArrayEquals(withId(packet, 7), bytes(p.content()));
        p.release();

        // the flood's sources idle for longer than the timeout: a new source is tracked again, and max_dist works
        ch.advanceTimeBy(Ipv4FragmentReassembler.DEFAULT_TIMEOUT.toNanos() + 1, TimeUnit.NANOSECONDS);
        ch.runPendingTasks();
        byte[] other = TestPackets.udp4(0x0aca0101, 0x0ac80102, 42103, 5000, payload(3000), true);
        write(other, 0, 1480, true, 100);
        assertTrue(reassembler.peerCount() < 100, "idle sources forgotten: " + reassembler.peerCount());
        for (int i = 0; i < 64; i++) {
            write(other, 0, 1480, true, 200 + i);
        }
        write(other, 1480, other.length - 20 - 1480, false, 100);
        assertNull(read(), "65 fragments from its source since it last grew: flushed, as Linux");
        assertEquals(1, stats().drops(DropReason.FRAGMENT_TOO_FAR));
    }

    @Test
    void maxDistZeroDisablesTheCheck() {
        pipeline(CoalescePolicy.COPY, OverlapPolicy.DROP, 0, LocalAddresses.ALL);
        byte[] packet = udp4(3000);
        write(packet, 0, 1480, true, 100);
        for (int i = 0; i < 500; i++) {
            write(packet, 0, 1480, true, 200 + i);
        }
        write(packet, 1480, packet.length - 20 - 1480, false, 100);
        IpPacket p = read();
        assertArrayEquals(withId(packet, 100), bytes(p.content()));
        p.release();
    }

    @Test
    void negativeMaxDistIsAConfigurationError() {
        pipeline(CoalescePolicy.COPY);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Ipv4FragmentReassembler(CoalescePolicy.COPY,
                        ReassemblyLimits.defaults(Ipv4FragmentReassembler.DEFAULT_TIMEOUT), IcmpErrorSink.DISCARD,
                        OverlapPolicy.DROP, -1));
        assertTrue(e.getMessage().contains("maxDist"), e.getMessage());
    }

    @ParameterizedTest
    @CsvSource({"0,0,0", "2,2,2", "1,1,1", "2,3,3", "1,3,3", "3,3,3", "0,2,-1", "0,3,-1", "0,1,-1", "2,1,2"})
    void ecnIsCombinedAsRfc3168(int ecn1, int ecn2, int expected) {
        pipeline(CoalescePolicy.COPY);
        byte[] packet = udp4(2000);
        ByteBuf a = fragment(ALLOC, packet, 0, 1480, true, 10);
        ByteBuf b = fragment(ALLOC, packet, 1480, packet.length - 20 - 1480, false, 10);
        a.setByte(1, ecn1);
        b.setByte(1, ecn2);
        Ipv4Header.updateChecksum(a, 0, 20);
        Ipv4Header.updateChecksum(b, 0, 20);
        write(a);
        write(b);
        IpPacket p = read();
        if (expected < 0) {
            assertNull(p);
            assertEquals(1, stats().drops(DropReason.ECN_MISMATCH));
        } else {
            assertEquals(expected, p.ecn());
            assertTrue(Ipv4Header.checksumValid(p.content(), 0, 20));
            p.release();
        }
    }

    @ParameterizedTest
    @CsvSource({"true", "false"})
    void timeoutIs30sFromCreationAndTimeExceededNeedsTheFirstFragment(boolean firstArrived) {
        pipeline(CoalescePolicy.COPY);
        byte[] packet = udp4(3000);
        write(packet, firstArrived ? 0 : 1480, 1480, true, 11);
        ch.advanceTimeBy(30, TimeUnit.SECONDS);
        ch.advanceTimeBy(-1, TimeUnit.NANOSECONDS);
        ch.runPendingTasks();
        assertEquals(1, reassembler.queueCount());
        ch.advanceTimeBy(1, TimeUnit.NANOSECONDS);
        ch.runPendingTasks();
        assertEquals(0, reassembler.queueCount());
        assertEquals(1, stats().get(MibCounter.REASM_TIMEOUT));
        if (firstArrived) {
            IcmpError e = (IcmpError) collector.events.get(0);
            assertEquals(4, e.version());
            assertEquals(IcmpError.ICMPV4_TIME_EXCEEDED, e.type());
            assertEquals(IcmpError.CODE_REASSEMBLY_TIME_EXCEEDED, e.code());
            assertEquals("10.200.1.1", e.destination().getHostAddress());
            byte[] expected = new byte[Ipv4FragmentReassembler.ICMP_QUOTE_LIMIT];
            ByteBuf original = fragment(io.netty.buffer.UnpooledByteBufAllocator.DEFAULT, packet, 0, 1480, true, 11);
            original.getBytes(0, expected);
            original.release();
            assertArrayEquals(expected, bytes(e.content()));
        } else {
            assertTrue(collector.events.isEmpty());
        }
    }

    @Test
    void forwardedDatagramsAreNotCoalesced() {
        pipeline(CoalescePolicy.COPY, OverlapPolicy.DROP, 64, LocalAddresses.NONE);
        byte[] packet = udp4(2000);
        write(packet, 0, 1480, true, 12);
        assertEquals(1, inputs.get(0).refCnt());
        write(packet, 1480, packet.length - 20 - 1480, false, 12);
        IpPacket p = read();
        assertTrue(p.forwarding());
        assertEquals(1500, p.maxFragmentSize());
        p.release();
    }

    @ParameterizedTest
    @EnumSource(CoalescePolicy.class)
    void atomicAndUnfragmentedPacketsPassThrough(CoalescePolicy policy) {
        pipeline(policy);
        byte[] packet = udp4(100);
        write(ALLOC.buffer().writeBytes(packet));
        IpPacket p = read();
        assertArrayEquals(packet, bytes(p.content()));
        p.release();
        assertEquals(0, stats().get(MibCounter.REASM_REQDS));
    }
}
