package io.netfrag.ipv6;

import static io.netfrag.testing.TestPackets.bytes;
import static io.netfrag.testing.TestPackets.fragment;
import static io.netfrag.testing.TestPackets.payload;
import static io.netfrag.testkit.Fragmenter.pieces;
import static io.netfrag.testing.TestPackets.udp6;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netfrag.internal.wire.IpProtocols;
import io.netfrag.packet.IcmpError;
import io.netfrag.packet.IcmpErrorSink;
import io.netfrag.packet.IpPacket;
import io.netfrag.packet.IpPacketDecoder;
import io.netfrag.packet.LocalAddresses;
import io.netfrag.reassembly.CoalescePolicy;
import io.netfrag.reassembly.ReassemblyLimits;
import io.netfrag.stats.CounterSnapshot;
import io.netfrag.stats.DropReason;
import io.netfrag.stats.MibCounter;
import io.netfrag.testing.Collector;
import io.netfrag.testkit.Fragmenter.Piece;
import io.netfrag.testing.TestPackets;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

class Ipv6FragmentReassemblerTest {
    private static final ByteBufAllocator ALLOC = PooledByteBufAllocator.DEFAULT;

    private final List<ByteBuf> inputs = new ArrayList<>();
    private EmbeddedChannel ch;
    private Ipv6FragmentReassembler reassembler;
    private Collector collector;

    private void pipeline(CoalescePolicy policy) {
        pipeline(policy, ReassemblyLimits.defaults(Ipv6FragmentReassembler.DEFAULT_TIMEOUT), LocalAddresses.ALL);
    }

    private void pipeline(CoalescePolicy policy, ReassemblyLimits limits, LocalAddresses local) {
        reassembler = new Ipv6FragmentReassembler(policy, limits, IcmpErrorSink.FIRE_USER_EVENT);
        collector = new Collector();
        ch = new EmbeddedChannel(new IpPacketDecoder(local, 7), reassembler, collector);
        ch.freezeTime(); // time moves only through advanceTimeBy
    }

    /** Writes a fragment; the test keeps a reference to check it is released at the end. */
    private void write(ByteBuf fragment) {
        inputs.add(fragment);
        ch.writeInbound(fragment);
    }

    private void write(byte[] packet, Piece f, int id) {
        write(fragment(ALLOC, packet, f, id));
    }

    private void write(byte[] packet, int offset, int length, boolean more, int id) {
        write(fragment(ALLOC, packet, offset, length, more, id));
    }

    private IpPacket readPacket() {
        return ch.readInbound();
    }

    private CounterSnapshot stats() {
        return reassembler.stats();
    }

    @AfterEach
    void tearDown() {
        if (ch != null) {
            for (Object e : collector.events) {
                io.netty.util.ReferenceCountUtil.release(e);
            }
            assertFalse(ch.finishAndReleaseAll(), "unexpected messages left in the pipeline");
            assertEquals(0, reassembler.pinnedBytes(), "pinned bytes after handler removal");
        }
        for (ByteBuf b : inputs) {
            assertEquals(0, b.refCnt(), "input buffer not released");
        }
    }


    @ParameterizedTest
    @CsvSource({
        "NONE,inorder", "NONE,reversed", "NONE,shuffled", "NONE,oddeven",
        "COMPOSITE,inorder", "COMPOSITE,reversed", "COMPOSITE,shuffled", "COMPOSITE,oddeven",
        "COPY,inorder", "COPY,reversed", "COPY,shuffled", "COPY,oddeven",
        "ADAPTIVE,inorder", "ADAPTIVE,reversed", "ADAPTIVE,shuffled", "ADAPTIVE,oddeven"})
    void everyPolicyAndOrderReassemblesTheOriginalPacketByteForByte(CoalescePolicy policy, String order) {
        pipeline(policy);
        byte[] packet = udp6(payload(30000));
        List<Piece> frags = TestPackets.order(pieces(packet.length - 40, 1448), order, new Random(1));
        for (int i = 0; i < frags.size(); i++) {
            write(packet, frags.get(i), 0x1234);
            if (i < frags.size() - 1) {
                assertNull(ch.readInbound(), "delivered before the last fragment");
            }
        }
        IpPacket p = readPacket();
        assertArrayEquals(packet, bytes(p.content()));
        assertEquals(IpProtocols.UDP, p.protocol());
        assertEquals(40, p.upperOffset());
        assertTrue(p.reassembled());
        assertFalse(p.isFragment());
        assertEquals(1448 + 48, p.maxFragmentSize());
        if (policy == CoalescePolicy.COPY) {
            assertEquals(1, p.content().nioBufferCount(), "COPY delivers one contiguous buffer");
        }
        p.release();
        assertEquals(1, stats().get(MibCounter.REASM_OKS));
        assertEquals(frags.size(), stats().get(MibCounter.REASM_REQDS));
        assertEquals(0, reassembler.pinnedBytes());
        assertEquals(0, reassembler.queueCount());
    }

    /**
     * The memory rule of COPY: a 64 KB datagram in flight under COPY pins at most 72 KB (Linux charges about 130 KB
     * of skb truesize for it). Largest IPv6 datagram (65,535-byte payload) in 1448-byte fragments, every order, the
     * first datagram of a stream (no size hint: the copy buffer grows) and the next one (sized from the last).
     */
    @ParameterizedTest
    @CsvSource({"inorder", "reversed", "shuffled", "oddeven"})
    void copyPinsAtMost72KbPerInFlight64KbDatagram(String order) {
        pipeline(CoalescePolicy.COPY);
        byte[] packet = udp6(payload(65535 - 8));
        List<Piece> frags = TestPackets.order(pieces(packet.length - 40, 1448), order, new Random(3));
        for (int id = 1; id <= 2; id++) {
            long peak = 0;
            for (int i = 0; i < frags.size() - 1; i++) {
                write(packet, frags.get(i), id);
                peak = Math.max(peak, reassembler.pinnedBytes());
            }
            assertTrue(peak <= 72 * 1024, order + " datagram " + id + ": peak pinned " + peak + " B");
            assertTrue(peak >= 65535 - 1448, order + " datagram " + id + ": peak pinned " + peak + " B");
            write(packet, frags.get(frags.size() - 1), id);
            IpPacket p = readPacket();
            assertEquals(packet.length, p.content().readableBytes());
            p.release();
            assertEquals(0, reassembler.pinnedBytes());
        }
    }

    /**
     * FragmentSmack on fresh IDs: under memory pressure a new datagram's first fragment does not get a copy buffer
     * sized for the whole datagram (64 KiB for a few bytes) but a copy of its own bytes, so a flood of tiny fragments
     * pins what it carries; the datagram still completes byte-exact.
     */
    @Test
    void copyUnderMemoryPressureCopiesATinyFragmentIntoABufferOfItsOwn() {
        ReassemblyLimits limits = PRESSURE_LIMITS;
        pipeline(CoalescePolicy.COPY, limits, LocalAddresses.ALL);
        byte[] packet = udp6(payload(60000));
        List<Piece> frags = pieces(packet.length - 40, 1232);
        for (Piece f : frags) { // one complete datagram: the size hint is now 60 KB
            write(packet, f, 100);
        }
        readPacket().release();
        int id = 101;
        long before = reassembler.pinnedBytes();
        // without pressure every new datagram gets its whole copy buffer at once
        while (reassembler.pinnedBytes() + 2 * 61000 < limits.lowThresholdBytes()) {
            before = reassembler.pinnedBytes();
            write(packet, frags.get(0), id++);
            assertTrue(reassembler.pinnedBytes() - before > 60000, "sized for the datagram");
        }
        write(packet, frags.get(0), id++); // now any new 60 KB buffer takes the table past the low threshold
        assertTrue(reassembler.pinnedBytes() + 61000 > limits.lowThresholdBytes());
        // an MTU-sized fragment (60 KB / 1232 B < 64) still gets the datagram's buffer, even under pressure
        before = reassembler.pinnedBytes();
        write(packet, frags.get(0), id++);
        assertTrue(reassembler.pinnedBytes() - before > 60000, "an MTU-sized first fragment");
        // a tiny one (at most 1/64 of the buffer it would need) gets a copy of its own bytes
        before = reassembler.pinnedBytes();
        int tiny = id;
        List<Piece> small = pieces(packet.length - 40, 256);
        write(packet, small.get(small.size() / 2), tiny);
        long cost = reassembler.pinnedBytes() - before;
        assertTrue(cost < 4096, "under pressure a 256-byte fragment pinned " + cost + " B");
        for (int i = 0; i < small.size(); i++) {
            if (i != small.size() / 2) {
                write(packet, small.get(i), tiny);
            }
        }
        IpPacket p = readPacket();
        assertArrayEquals(packet, bytes(p.content()));
        p.release();
        assertTrue(reassembler.pinnedBytes() <= limits.highThresholdBytes());
        ch.finishAndReleaseAll();
        assertEquals(0, reassembler.pinnedBytes());
    }

    /** Limits small enough that a few 60 KB datagrams put the table under memory pressure. */
    private static final ReassemblyLimits PRESSURE_LIMITS =
            ReassemblyLimits.defaults(Ipv6FragmentReassembler.DEFAULT_TIMEOUT).withThresholds(512 << 10, 384 << 10);

    /**
     * A pipeline with {@link #PRESSURE_LIMITS}, filled by {@link #fillToPressure} with first fragments of
     * {@code packet} (a 60 KB datagram); returns the next free identification.
     */
    private int pipelineUnderPressure(CoalescePolicy policy, byte[] packet) {
        pipeline(policy, PRESSURE_LIMITS, LocalAddresses.ALL);
        return fillToPressure(packet, pieces(packet.length - 40, 1232));
    }

    /**
     * Fills a table (60 KB datagrams, first fragments only) until a new 60 KB copy buffer would pass low. Time moves
     * past ADAPTIVE's hold after each, so that no filler changes its charge later (a held one would be coalesced).
     */
    private int fillToPressure(byte[] packet, List<Piece> frags) {
        for (Piece f : frags) { // one complete datagram: the size hint is now 60 KB
            write(packet, f, 100);
        }
        readPacket().release();
        int id = 101;
        // a copy buffer for the 60,000-byte UDP datagram: 40 B of header room + 60,008 B of payload
        while (reassembler.pinnedBytes() + 60_000 <= PRESSURE_LIMITS.lowThresholdBytes()) {
            write(packet, frags.get(0), id++);
            ch.advanceTimeBy(2, TimeUnit.MILLISECONDS);
            ch.runPendingTasks();
        }
        return id;
    }

    /**
     * The sparse store: under memory pressure a datagram of tiny fragments keeps its bytes back to back in one small
     * buffer until it has received 1/64 of the copy buffer it would need, then moves into that buffer; every order
     * reassembles byte-exact, and while sparse the queue pins a few KiB, not the datagram's 60 KB.
     */
    @ParameterizedTest
    @CsvSource({"COPY,inorder", "COPY,reversed", "COPY,shuffled", "ADAPTIVE,shuffled", "ADAPTIVE,oddeven"})
    void underPressureTinyFragmentsUseTheSparseStoreThenTheCopyBuffer(CoalescePolicy policy, String order) {
        byte[] packet = udp6(payload(60000));
        int id = pipelineUnderPressure(policy, packet);
        List<Piece> tiny = TestPackets.order(pieces(packet.length - 40, 8), order, new Random(5));
        long before = reassembler.pinnedBytes();
        int sparseFragments = 60000 / 64 / 8; // 1/64 of the buffer the datagram needs, in 8-byte fragments
        for (int i = 0; i < sparseFragments - 8; i++) {
            write(packet, tiny.get(i), id);
        }
        long sparse = reassembler.pinnedBytes() - before;
        // bookkeeping (queue charge, two coverage bitmaps of ~1 KiB), a 1 KiB sparse array and 1 KiB of entries, maybe
        // a header copy: a few KiB where the copy buffer would be 60 KB
        assertTrue(sparse < 6144, "a queue of " + (sparseFragments - 8) + " tiny fragments pinned " + sparse + " B");
        for (int i = sparseFragments - 8; i < tiny.size() - 1; i++) {
            write(packet, tiny.get(i), id);
            assertNull(ch.readInbound());
        }
        long whole = reassembler.pinnedBytes() - before;
        assertTrue(whole > 60000, "the datagram moved into its copy buffer: " + whole + " B");
        write(packet, tiny.get(tiny.size() - 1), id);
        IpPacket p = readPacket();
        assertArrayEquals(packet, bytes(p.content()));
        p.release();
        assertEquals(before, reassembler.pinnedBytes(), "the completed datagram's charge is gone");
    }

    /**
     * ADAPTIVE under pressure: a tiny first fragment in a big receive buffer is copied into the sparse store, the rest
     * arrives in a right-sized buffer and is held; the datagram completes with data in both, byte-exact.
     */
    @Test
    void adaptiveCompletesADatagramWithSparseAndHeldData() {
        byte[] big = udp6(payload(60000));
        int id = pipelineUnderPressure(CoalescePolicy.ADAPTIVE, big);
        byte[] packet = udp6(payload(1000));
        ByteBuf first = fragment(ALLOC, packet, 0, 16, true, id);
        ByteBuf inBigBuffer = ALLOC.directBuffer(2048).writeBytes(first); // pins 2 KiB for 16 bytes: copied
        first.release();
        long before = reassembler.pinnedBytes();
        write(inBigBuffer);
        assertEquals(0, inBigBuffer.refCnt(), "copied and released");
        assertTrue(reassembler.pinnedBytes() - before < 4096, "sparse: " + (reassembler.pinnedBytes() - before));
        write(packet, 16, packet.length - 40 - 16, false, id); // right-sized: held
        IpPacket p = readPacket();
        assertArrayEquals(packet, bytes(p.content()));
        p.release();
        assertEquals(before, reassembler.pinnedBytes());
    }

    /** A sparse queue that times out with its first fragment: ICMPv6 Time Exceeded quotes that fragment's bytes. */
    @Test
    void aSparseQueueThatTimesOutQuotesItsFirstFragment() {
        byte[] packet = udp6(payload(60000));
        int id = pipelineUnderPressure(CoalescePolicy.COPY, packet);
        long before = reassembler.pinnedBytes();
        write(packet, 4096, 8, true, id);
        write(packet, 0, 16, true, id);
        write(packet, 32, 8, true, id);
        assertTrue(reassembler.pinnedBytes() - before < 4096, "sparse: " + (reassembler.pinnedBytes() - before));
        ch.advanceTimeBy(61, TimeUnit.SECONDS);
        ch.runPendingTasks();
        IcmpError e = collector.events.stream().filter(o -> o instanceof IcmpError).map(o -> (IcmpError) o)
                .filter(x -> x.content().getInt(x.content().readerIndex() + 40 + 4) == id).findFirst().orElseThrow();
        assertEquals(IcmpError.ICMPV6_TIME_EXCEEDED, e.type());
        ByteBuf q = e.content();
        assertEquals(40 + 8 + 16, q.readableBytes(), "header, Fragment header, the first fragment's 16 bytes");
        byte[] quoted = new byte[16];
        q.getBytes(q.readerIndex() + 48, quoted);
        assertArrayEquals(java.util.Arrays.copyOfRange(packet, 40, 56), quoted);
    }

    /**
     * {@link ReassemblyLimits#minFragmentUnderPressure()}: once pinned memory is above the low threshold, a fragment
     * that would start a new datagram with fewer data bytes than the floor is dropped, released and counted
     * (TINY_FRAGMENT_UNDER_PRESSURE + ReasmFails), whatever its offset or M flag, and evicts nothing; one of the floor's
     * size starts a queue; a tiny fragment of a datagram already in the table is taken; at or below the low threshold,
     * or with the floor at 0, tiny fragments start queues as before.
     */
    @ParameterizedTest
    @CsvSource({"COPY,256", "ADAPTIVE,256", "COPY,0", "ADAPTIVE,1000"})
    void underPressureATinyFragmentDoesNotStartADatagram(CoalescePolicy policy, int floor) {
        byte[] packet = udp6(payload(60000));
        List<Piece> frags = pieces(packet.length - 40, 1232);
        ReassemblyLimits limits = PRESSURE_LIMITS.withMinFragmentUnderPressure(floor);
        assertEquals(floor, limits.minFragmentUnderPressure());
        assertEquals(ReassemblyLimits.DEFAULT_MIN_FRAGMENT_UNDER_PRESSURE, PRESSURE_LIMITS.minFragmentUnderPressure());
        assertTrue(limits.toString().contains("minFragmentUnderPressure " + floor + " B"), limits.toString());
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> PRESSURE_LIMITS.withMinFragmentUnderPressure(-1));
        pipeline(policy, limits, LocalAddresses.ALL);
        int id = fillToPressure(packet, frags);
        // below the low threshold: a tiny fragment on a new key starts its queue
        int queues = reassembler.queueCount();
        write(packet, 4096, 8, true, id++);
        assertEquals(queues + 1, reassembler.queueCount());
        // full-sized first fragments start queues above the low threshold too (no eviction before high)
        while (reassembler.pinnedBytes() <= PRESSURE_LIMITS.lowThresholdBytes()) {
            write(packet, frags.get(0), id++);
        }
        long pinned = reassembler.pinnedBytes();
        queues = reassembler.queueCount();
        CounterSnapshot before = reassembler.stats();
        int tinyId = id++;
        ByteBuf tiny = fragment(ALLOC, packet, 8192, 8, true, tinyId);
        write(tiny);
        ByteBuf tinyLast = fragment(ALLOC, packet, 60000, 8, false, id++); // the datagram's last 8 bytes
        boolean lastIsTiny = 8 < floor;
        write(tinyLast);
        ByteBuf atFloor = fragment(ALLOC, packet, 8192, Math.max(8, floor), true, id++);
        write(atFloor);
        CounterSnapshot after = reassembler.stats();
        long refused = after.drops(DropReason.TINY_FRAGMENT_UNDER_PRESSURE)
                - before.drops(DropReason.TINY_FRAGMENT_UNDER_PRESSURE);
        long expectRefused = floor > 8 ? 1 + (lastIsTiny ? 1 : 0) : 0;
        assertEquals(expectRefused, refused, after.toString());
        assertEquals(expectRefused, after.get(MibCounter.REASM_FAILS) - before.get(MibCounter.REASM_FAILS));
        assertEquals(0, after.drops(DropReason.QUEUE_EVICTED) - before.drops(DropReason.QUEUE_EVICTED));
        assertEquals(queues + 3 - expectRefused, reassembler.queueCount());
        if (floor > 8) {
            assertEquals(0, tiny.refCnt(), "a refused fragment is released");
        }
        // a tiny fragment of a datagram the table already has is taken, under pressure or not
        write(packet, 1232, 8, true, 101);
        assertEquals(after.get(MibCounter.REASM_FAILS), reassembler.stats().get(MibCounter.REASM_FAILS));
        assertEquals(queues + 3 - expectRefused, reassembler.queueCount());
        assertTrue(reassembler.pinnedBytes() >= pinned);
    }

    @Test
    void copyReleasesEachFragmentOnArrival() {
        pipeline(CoalescePolicy.COPY);
        byte[] packet = udp6(payload(8000));
        List<Piece> frags = pieces(packet.length - 40, 1232);
        for (int i = 0; i < frags.size() - 1; i++) {
            write(packet, frags.get(i), 9);
            assertEquals(0, inputs.get(i).refCnt(), "COPY must release fragment " + i + " at once");
        }
        assertEquals(0, reassembler.heldBuffers());
        // without a size hint the copy buffer grows by doubling: at most twice the data
        assertTrue(reassembler.pinnedBytes() < 2 * 8048 + 2048, "pinned " + reassembler.pinnedBytes());
        write(packet, frags.get(frags.size() - 1), 9);
        IpPacket p = readPacket();
        assertArrayEquals(packet, bytes(p.content()));
        p.release();
        // the next datagram of the stream is sized from the last one: it pins its own bytes plus bookkeeping
        for (int i = 0; i < frags.size() - 1; i++) {
            write(packet, frags.get(i), 10);
        }
        assertTrue(reassembler.pinnedBytes() <= 8048 + 2048, "pinned " + reassembler.pinnedBytes());
        write(packet, frags.get(frags.size() - 1), 10);
        p = readPacket();
        assertArrayEquals(packet, bytes(p.content()));
        p.release();
    }

    @Test
    void noneHoldsEveryReceiveBufferUntilTheDatagramIsReleased() {
        pipeline(CoalescePolicy.NONE);
        byte[] packet = udp6(payload(8000));
        List<Piece> frags = pieces(packet.length - 40, 1232);
        for (int i = 0; i < frags.size() - 1; i++) {
            write(packet, frags.get(i), 9);
            assertEquals(1, inputs.get(i).refCnt(), "NONE must hold fragment " + i);
        }
        assertEquals(frags.size() - 1, reassembler.heldBuffers());
        long pinned = 0;
        for (int i = 0; i < frags.size() - 1; i++) {
            pinned += inputs.get(i).capacity();
        }
        assertTrue(reassembler.pinnedBytes() >= pinned, "pinned " + reassembler.pinnedBytes() + " < " + pinned);
        write(packet, frags.get(frags.size() - 1), 9);
        IpPacket p = readPacket();
        for (ByteBuf in : inputs) {
            assertEquals(1, in.refCnt(), "the delivered datagram still holds the receive buffers");
        }
        assertArrayEquals(packet, bytes(p.content()));
        p.release();
    }

    @Test
    void compositeCopiesBeyondTheComponentBudget() {
        pipeline(CoalescePolicy.COMPOSITE,
                ReassemblyLimits.defaults(Duration.ofSeconds(60)).withComponentBudget(3), LocalAddresses.ALL);
        byte[] packet = udp6(payload(8000));
        List<Piece> frags = pieces(packet.length - 40, 1232);
        for (int i = 0; i < frags.size() - 1; i++) {
            write(packet, frags.get(i), 9);
        }
        assertEquals(3, reassembler.heldBuffers());
        for (int i = 0; i < frags.size() - 1; i++) {
            assertEquals(i < 3 ? 1 : 0, inputs.get(i).refCnt(), "fragment " + i);
        }
        write(packet, frags.get(frags.size() - 1), 9);
        IpPacket p = readPacket();
        assertArrayEquals(packet, bytes(p.content()));
        p.release();
    }

    @Test
    void adaptiveCopiesFragmentsThatPinMuchMoreThanTheyCarry() {
        pipeline(CoalescePolicy.ADAPTIVE);
        byte[] packet = udp6(payload(4000));
        List<Piece> frags = pieces(packet.length - 40, 1232);
        // fragment 0 in a 64 KiB buffer (as a slice of a batch): copied; fragment 1 in its own buffer: held
        ByteBuf big = ALLOC.buffer(65536);
        ByteBuf f0 = fragment(ALLOC, packet, frags.get(0), 5);
        big.writeBytes(f0);
        f0.release();
        write(big);
        assertEquals(0, big.refCnt(), "batch-like buffer copied and released");
        write(packet, frags.get(1), 5);
        assertEquals(1, inputs.get(1).refCnt(), "right-sized buffer held");
        for (int i = 2; i < frags.size(); i++) {
            write(packet, frags.get(i), 5);
        }
        IpPacket p = readPacket();
        assertArrayEquals(packet, bytes(p.content()));
        p.release();
    }

    @Test
    void adaptiveCopiesAStalledDatagramsHeldBuffersAfterTheHoldTime() {
        pipeline(CoalescePolicy.ADAPTIVE);
        byte[] packet = udp6(payload(5000));
        List<Piece> frags = pieces(packet.length - 40, 1232);
        write(packet, frags.get(1), 21); // right-sized buffers: held (zero copy) while the datagram is young
        write(packet, frags.get(2), 21);
        assertEquals(1, inputs.get(0).refCnt());
        assertEquals(2, reassembler.heldBuffers());
        ch.advanceTimeBy(ReassemblyLimits.DEFAULT_ADAPTIVE_HOLD_NANOS - 1, TimeUnit.NANOSECONDS);
        ch.runPendingTasks();
        assertEquals(2, reassembler.heldBuffers(), "still young");
        ch.advanceTimeBy(1, TimeUnit.NANOSECONDS);
        ch.runPendingTasks(); // the timer fires even when no fragment arrives (a paused ring delivers none)
        assertEquals(0, reassembler.heldBuffers(), "stalled: copied and released");
        assertEquals(0, inputs.get(0).refCnt());
        assertEquals(0, inputs.get(1).refCnt());
        for (int i : new int[] {0, 3, 4}) {
            write(packet, frags.get(i), 21);
        }
        IpPacket p = readPacket();
        assertArrayEquals(packet, bytes(p.content()));
        p.release();
        assertEquals(0, reassembler.pinnedBytes());
    }

    /**
     * The hold-time timer also serves a datagram that starts holding while the timer is already waiting for a later
     * deadline (here: the first datagram's 60 s expiry, after its buffers were coalesced): the timer is moved earlier,
     * so the second datagram's receive buffers are freed after the hold time although no fragment arrives.
     */
    @Test
    void adaptiveHoldTimerIsMovedEarlierForADatagramThatStartsHoldingLater() {
        pipeline(CoalescePolicy.ADAPTIVE);
        byte[] packet = udp6(payload(5000));
        List<Piece> frags = pieces(packet.length - 40, 1232);
        write(packet, frags.get(1), 31);
        ch.advanceTimeBy(2, TimeUnit.MILLISECONDS);
        ch.runPendingTasks();
        assertEquals(0, reassembler.heldBuffers(), "first datagram stalled and coalesced; the timer now waits 60 s");
        write(packet, frags.get(1), 32);
        assertEquals(1, reassembler.heldBuffers());
        ch.advanceTimeBy(ReassemblyLimits.DEFAULT_ADAPTIVE_HOLD_NANOS, TimeUnit.NANOSECONDS);
        ch.runPendingTasks(); // no fragment arrives
        assertEquals(0, reassembler.heldBuffers(), "the second datagram's buffer was copied and released");
        assertEquals(0, inputs.get(1).refCnt());
        assertEquals(2, reassembler.queueCount());
    }

    /**
     * At Gbit/s a bounded receive ring turns over in much less than the 1 ms hold time: ADAPTIVE also takes a datagram
     * for stalled once 64 fragments of other datagrams arrived while it held buffers — its own fragments do not count,
     * so a big datagram in progress keeps its zero-copy parts.
     */
    @Test
    void adaptiveCopiesAStalledDatagramsHeldBuffersAfter64FragmentsOfOthers() {
        pipeline(CoalescePolicy.ADAPTIVE);
        byte[] stalled = udp6(payload(5000));
        List<Piece> sf = pieces(stalled.length - 40, 1232);
        write(stalled, sf.get(1), 30);
        write(stalled, sf.get(2), 30);
        ByteBuf held1 = inputs.get(0);
        ByteBuf held2 = inputs.get(1);
        assertEquals(2, reassembler.heldBuffers());
        // a big datagram of 70 fragments (more than 64, all its own): its first 17 are held (the component budget)
        byte[] big = udp6(payload(70 * 8 * 16 - 8));
        List<Piece> bf = pieces(big.length - 40, 8 * 16);
        assertEquals(70, bf.size());
        for (int i = 0; i < 61; i++) {
            write(big, bf.get(i), 31);
        }
        assertEquals(1, held1.refCnt(), "61 fragments of another datagram: still held");
        write(big, bf.get(61), 31);
        write(big, bf.get(62), 31);
        assertEquals(1, held1.refCnt(), "63 fragments of another datagram: still held");
        write(big, bf.get(63), 31);
        assertEquals(0, held1.refCnt(), "64 fragments of another datagram: stalled, copied and released");
        assertEquals(0, held2.refCnt());
        // the big one's own 64 fragments did not make it stalled: it still holds its budget of buffers
        assertEquals(ReassemblyLimits.DEFAULT_COMPONENT_BUDGET, reassembler.heldBuffers());
        for (int i = 64; i < bf.size(); i++) {
            write(big, bf.get(i), 31);
        }
        IpPacket p = readPacket();
        assertArrayEquals(big, bytes(p.content()));
        p.release();
        for (int i : new int[] {0, 3, 4}) {
            write(stalled, sf.get(i), 30);
        }
        p = readPacket();
        assertArrayEquals(stalled, bytes(p.content()));
        p.release();
        assertEquals(0, reassembler.pinnedBytes());
    }

    @Test
    void adaptiveHoldInFragmentsIsConfigurable() {
        ReassemblyLimits limits = ReassemblyLimits.defaults(Ipv6FragmentReassembler.DEFAULT_TIMEOUT)
                .withAdaptiveHoldFragments(2);
        assertEquals(2, limits.adaptiveHoldFragments());
        assertEquals(ReassemblyLimits.DEFAULT_ADAPTIVE_HOLD_FRAGMENTS,
                ReassemblyLimits.defaults(Ipv6FragmentReassembler.DEFAULT_TIMEOUT).adaptiveHoldFragments());
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> limits.withAdaptiveHoldFragments(-1));
        pipeline(CoalescePolicy.ADAPTIVE, limits, LocalAddresses.ALL);
        byte[] a = udp6(payload(5000));
        List<Piece> af = pieces(a.length - 40, 1232);
        write(a, af.get(1), 40);
        write(a, af.get(0), 41);
        assertEquals(1, inputs.get(0).refCnt());
        write(a, af.get(0), 42);
        assertEquals(0, inputs.get(0).refCnt(), "two fragments of others: stalled");
        ch.finishAndReleaseAll();
    }

    @ParameterizedTest
    @EnumSource(CoalescePolicy.class)
    void duplicateBeforeCompletionIsIgnoredAndTheDatagramCompletesOnce(CoalescePolicy policy) {
        pipeline(policy);
        byte[] packet = udp6(payload(3000));
        List<Piece> frags = pieces(packet.length - 40, 1232);
        write(packet, frags.get(0), 1);
        write(packet, frags.get(1), 1);
        write(packet, frags.get(1), 1);
        write(packet, 0, 16, true, 1); // inside data already received
        assertNull(ch.readInbound());
        write(packet, frags.get(2), 1);
        IpPacket p = readPacket();
        assertArrayEquals(packet, bytes(p.content()));
        p.release();
        assertNull(ch.readInbound());
        assertEquals(2, stats().drops(DropReason.DUPLICATE_FRAGMENT));
        assertEquals(0, stats().get(MibCounter.REASM_FAILS));
    }

    @Test
    void duplicateAfterCompletionIsNeverDeliveredAgain() {
        pipeline(CoalescePolicy.COPY);
        byte[] packet = udp6(payload(3000));
        List<Piece> frags = pieces(packet.length - 40, 1232);
        for (Piece f : frags) {
            write(packet, f, 1);
        }
        readPacket().release();
        write(packet, frags.get(2), 1);
        assertNull(ch.readInbound());
        ch.advanceTimeBy(61, TimeUnit.SECONDS);
        ch.runPendingTasks();
        assertNull(ch.readInbound());
        assertTrue(collector.events.isEmpty(), "no ICMP: the late duplicate was not a first fragment");
    }

    @ParameterizedTest
    @EnumSource(CoalescePolicy.class)
    void overlapDiscardsTheWholeDatagram(CoalescePolicy policy) {
        pipeline(policy);
        byte[] packet = udp6(payload(3000));
        write(packet, 0, 1232, true, 2);
        write(packet, 1224, 1232, true, 2); // overlaps the first by 8 bytes (identical bytes: still an overlap)
        write(packet, 2456, packet.length - 40 - 2456, false, 2);
        assertNull(ch.readInbound());
        assertEquals(1, stats().get(MibCounter.REASM_OVERLAPS));
        assertEquals(1, stats().get(MibCounter.REASM_FAILS));
        assertEquals(1, reassembler.queueCount(), "the last fragment started a fresh queue");
    }

    @Test
    void aFragmentSpanningTwoRunsIsAnOverlapEvenIfEveryByteWasReceivedAsLinux() {
        pipeline(CoalescePolicy.COPY);
        byte[] packet = udp6(payload(5000));
        write(packet, 2464, 1232, true, 2); // run A
        write(packet, 1232, 1232, true, 2); // run B, inserted before A (not a tail append)
        write(packet, 1232, 1232 + 16, true, 2); // lies in received data but spans B and A
        assertEquals(1, stats().get(MibCounter.REASM_OVERLAPS));
        assertEquals(0, reassembler.queueCount());
    }

    @Test
    void aFragmentInsideOneRunOfTailAppendsIsADuplicate() {
        pipeline(CoalescePolicy.COPY);
        byte[] packet = udp6(payload(5000));
        write(packet, 0, 1232, true, 2);
        write(packet, 1232, 1232, true, 2); // appended to the run
        write(packet, 1224, 16, true, 2); // spans both fragments of one run: duplicate
        assertEquals(1, stats().drops(DropReason.DUPLICATE_FRAGMENT));
        assertEquals(1, reassembler.queueCount());
        write(packet, 2464, packet.length - 40 - 2464, false, 2);
        IpPacket p = readPacket();
        assertArrayEquals(packet, bytes(p.content()));
        p.release();
    }

    @Test
    void partialOverlapWithTheTailIsAnOverlap() {
        pipeline(CoalescePolicy.COPY);
        byte[] packet = udp6(payload(3000));
        write(packet, 1232, 1232, true, 2);
        write(packet, 1224, 16, true, 2); // straddles the start of received data
        assertEquals(1, stats().get(MibCounter.REASM_OVERLAPS));
        assertEquals(0, reassembler.queueCount());
    }

    @Test
    void nonLastFragmentNotMultipleOf8GivesParameterProblemPointer4() {
        pipeline(CoalescePolicy.COPY);
        byte[] packet = udp6(payload(3000));
        write(packet, 0, 1236, true, 3);
        assertNull(ch.readInbound());
        assertEquals(1, collector.events.size());
        IcmpError e = (IcmpError) collector.events.get(0);
        assertEquals(IcmpError.ICMPV6_PARAMETER_PROBLEM, e.type());
        assertEquals(0, e.code());
        assertEquals(4, e.pointer());
        assertEquals(TestPackets.SRC, e.destination());
        assertEquals(1232, e.content().readableBytes());
        assertEquals(1, stats().get(MibCounter.IN_HDR_ERRORS));
        assertEquals(1, stats().drops(DropReason.FRAGMENT_NOT_MULTIPLE_OF_8));
        assertEquals(0, reassembler.queueCount(), "no queue was created");
    }

    @Test
    void fragmentBeyond65535GivesParameterProblemAtTheOffsetField() {
        pipeline(CoalescePolicy.COPY);
        byte[] packet = udp6(payload(3000));
        ByteBuf f = fragment(ALLOC, packet, 0, 1000, true, 4);
        f.setShort(40 + 2, 65000 | 1); // offset 65000, M
        write(f);
        IcmpError e = (IcmpError) collector.events.get(0);
        assertEquals(IcmpError.ICMPV6_PARAMETER_PROBLEM, e.type());
        assertEquals(42, e.pointer());
        assertEquals(1, stats().drops(DropReason.FRAGMENT_TOO_BIG));
    }

    @Test
    void reassembledPayloadOver65535IsDropped() {
        pipeline(CoalescePolicy.COPY);
        // 65528 bytes of fragmentable part + an 8-byte Destination Options header in the unfragmentable part
        byte[] data = new byte[65528];
        ByteBuf first = firstFragmentWithDestOpts(data, 0, 1232, true, 77);
        write(first);
        for (int off = 1232; off < data.length; off += 1232) {
            int len = Math.min(1232, data.length - off);
            write(firstFragmentWithDestOpts(data, off, len, off + len < data.length, 77));
        }
        assertNull(ch.readInbound());
        assertEquals(1, stats().drops(DropReason.REASSEMBLED_TOO_BIG));
        assertEquals(1, stats().get(MibCounter.REASM_FAILS));
        assertEquals(0, reassembler.pinnedBytes());
    }

    /** A fragment with an 8-byte Destination Options header in the unfragmentable part. */
    private static ByteBuf firstFragmentWithDestOpts(byte[] fragmentable, int off, int len, boolean more, int id) {
        ByteBuf b = ALLOC.buffer(56 + len);
        b.writeInt(6 << 28).writeShort(16 + len).writeByte(IpProtocols.DESTINATION_OPTIONS).writeByte(64);
        b.writeBytes(TestPackets.SRC.getAddress()).writeBytes(TestPackets.DST.getAddress());
        b.writeByte(IpProtocols.FRAGMENT).writeByte(0).writeByte(1).writeByte(4).writeInt(0); // PadN
        b.writeByte(IpProtocols.UDP).writeByte(0).writeShort(off | (more ? 1 : 0)).writeInt(id);
        b.writeBytes(fragmentable, off, len);
        return b;
    }

    @Test
    void unfragmentableExtensionHeadersAreKeptAndTheFragmentHeaderRemoved() {
        pipeline(CoalescePolicy.ADAPTIVE);
        byte[] udp = udp6(payload(3000));
        byte[] fragmentable = java.util.Arrays.copyOfRange(udp, 40, udp.length);
        write(firstFragmentWithDestOpts(fragmentable, 0, 1600, true, 5));
        write(firstFragmentWithDestOpts(fragmentable, 1600, fragmentable.length - 1600, false, 5));
        IpPacket p = readPacket();
        ByteBuf c = p.content();
        assertEquals(48 + fragmentable.length, c.readableBytes());
        assertEquals(IpProtocols.DESTINATION_OPTIONS, c.getUnsignedByte(6));
        assertEquals(8 + fragmentable.length, c.getUnsignedShort(4), "payload length");
        assertEquals(IpProtocols.UDP, c.getUnsignedByte(40), "Destination Options now names UDP");
        assertEquals(IpProtocols.UDP, p.protocol());
        assertEquals(48, p.upperOffset());
        byte[] tail = new byte[fragmentable.length];
        c.getBytes(48, tail);
        assertArrayEquals(fragmentable, tail);
        p.release();
    }

    @Test
    void firstFragmentWithoutTheUdpHeaderIsDroppedWithRfc7112ParameterProblem() {
        pipeline(CoalescePolicy.COPY);
        byte[] packet = udp6(payload(100));
        write(packet, 0, 0 + 0 == 0 ? 0 : 0, true, 6); // zero data: UDP header missing
        IcmpError e = (IcmpError) collector.events.get(0);
        assertEquals(IcmpError.CODE_INCOMPLETE_HEADER_CHAIN, e.code());
        assertEquals(0, e.pointer());
        assertEquals(1, stats().drops(DropReason.INCOMPLETE_HEADER_CHAIN));
        assertEquals(1, stats().get(MibCounter.IN_HDR_ERRORS));
    }

    @Test
    void firstFragmentWhoseChainRunsPastItsEndIsDroppedWithRfc7112ParameterProblem() {
        pipeline(CoalescePolicy.COPY);
        ByteBuf b = ALLOC.buffer();
        b.writeInt(6 << 28).writeShort(8 + 8).writeByte(IpProtocols.FRAGMENT).writeByte(64);
        b.writeBytes(TestPackets.SRC.getAddress()).writeBytes(TestPackets.DST.getAddress());
        b.writeByte(IpProtocols.DESTINATION_OPTIONS).writeByte(0).writeShort(1).writeInt(8);
        b.writeByte(IpProtocols.UDP).writeByte(2).writeZero(6); // claims 24 bytes, 8 present
        write(b);
        assertEquals(1, stats().drops(DropReason.INCOMPLETE_HEADER_CHAIN));
        assertEquals(IcmpError.CODE_INCOMPLETE_HEADER_CHAIN, ((IcmpError) collector.events.get(0)).code());
    }

    @Test
    void atomicFragmentBypassesAPendingQueueWithTheSameId() {
        pipeline(CoalescePolicy.COPY);
        byte[] big = udp6(payload(3000));
        write(big, 0, 1232, true, 42);
        byte[] small = udp6(payload(20));
        write(small, 0, small.length - 40, false, 42); // atomic fragment, same id
        IpPacket atomic = readPacket();
        assertEquals(IpProtocols.UDP, atomic.protocol());
        assertEquals(48, atomic.upperOffset());
        assertTrue(atomic.isFragment());
        atomic.release();
        write(big, 1232, big.length - 40 - 1232, false, 42);
        IpPacket p = readPacket();
        assertArrayEquals(big, bytes(p.content()));
        p.release();
        assertEquals(2, stats().get(MibCounter.REASM_OKS));
    }

    @Test
    void zeroLengthFragmentDiscardsTheQueue() {
        pipeline(CoalescePolicy.COPY);
        byte[] packet = udp6(payload(3000));
        write(packet, 0, 1232, true, 8);
        write(packet, 1232, 0, true, 8);
        assertEquals(0, reassembler.queueCount());
        assertEquals(1, stats().drops(DropReason.INVALID_FRAGMENT));
        assertEquals(1, stats().get(MibCounter.REASM_FAILS));
    }

    @Test
    void conflictingLastFragmentsDiscardTheQueue() {
        pipeline(CoalescePolicy.COPY);
        byte[] packet = udp6(payload(3000));
        write(packet, 1232, 800, false, 8);
        write(packet, 1232, 808, false, 8);
        assertEquals(0, reassembler.queueCount());
        assertEquals(1, stats().drops(DropReason.INVALID_FRAGMENT));
    }

    @Test
    void dataBeyondTheKnownEndDiscardsTheQueue() {
        pipeline(CoalescePolicy.COPY);
        byte[] packet = udp6(payload(3000));
        write(packet, 1232, 800, false, 8);
        write(packet, 2464, 16, true, 8);
        assertEquals(0, reassembler.queueCount());
        assertEquals(1, stats().drops(DropReason.INVALID_FRAGMENT));
    }

    @Test
    void lastFragmentEndingBeforeReceivedDataDiscardsTheQueue() {
        pipeline(CoalescePolicy.COPY);
        byte[] packet = udp6(payload(3000));
        write(packet, 1232, 1232, true, 8);
        write(packet, 8, 16, false, 8);
        assertEquals(0, reassembler.queueCount());
        assertEquals(1, stats().drops(DropReason.INVALID_FRAGMENT));
    }

    @ParameterizedTest
    @CsvSource({"true", "false"})
    void timeoutIsFixedFromCreationAndSendsTimeExceededOnlyWithTheFirstFragment(boolean firstArrived) {
        pipeline(CoalescePolicy.COPY);
        byte[] packet = udp6(payload(3000));
        write(packet, firstArrived ? 0 : 1232, 1232, true, 11);
        ch.advanceTimeBy(30, TimeUnit.SECONDS);
        write(packet, 2464, packet.length - 40 - 2464, false, 11); // does not extend the deadline
        ch.advanceTimeBy(30, TimeUnit.SECONDS);
        ch.advanceTimeBy(-1, TimeUnit.NANOSECONDS);
        ch.runPendingTasks();
        assertEquals(1, reassembler.queueCount(), "just before the deadline the queue is alive");
        assertEquals(0, stats().get(MibCounter.REASM_TIMEOUT));
        ch.advanceTimeBy(1, TimeUnit.NANOSECONDS);
        ch.runPendingTasks();
        assertEquals(0, reassembler.queueCount());
        assertEquals(1, stats().get(MibCounter.REASM_TIMEOUT));
        assertEquals(1, stats().get(MibCounter.REASM_FAILS));
        assertEquals(0, reassembler.pinnedBytes());
        if (firstArrived) {
            assertEquals(1, collector.events.size());
            IcmpError e = (IcmpError) collector.events.get(0);
            assertEquals(IcmpError.ICMPV6_TIME_EXCEEDED, e.type());
            assertEquals(IcmpError.CODE_REASSEMBLY_TIME_EXCEEDED, e.code());
            // the quote is the first fragment as received: header, Fragment header, data
            ByteBuf original = fragment(Unpooled.buffer().alloc(), packet, 0, 1232, true, 11);
            byte[] expected = new byte[1232];
            original.getBytes(0, expected);
            original.release();
            assertArrayEquals(expected, bytes(e.content()));
        } else {
            assertTrue(collector.events.isEmpty());
        }
    }

    @Test
    void anExpiredQueueNeverTakesALateFragment() {
        pipeline(CoalescePolicy.COPY);
        byte[] packet = udp6(payload(3000));
        write(packet, 0, 1232, true, 12);
        write(packet, 1232, 1232, true, 12);
        ch.advanceTimeBy(60, TimeUnit.SECONDS); // timer not run yet
        write(packet, 2464, packet.length - 40 - 2464, false, 12);
        assertNull(ch.readInbound(), "a timed-out datagram never delivers partial or late data");
        assertEquals(1, stats().get(MibCounter.REASM_TIMEOUT));
    }

    @Test
    void memoryLimitEvictsOldestFirstAndKeepsNewDatagramsCompleting() {
        ReassemblyLimits limits = ReassemblyLimits.defaults(Duration.ofSeconds(60)).withThresholds(64 << 10, 48 << 10);
        pipeline(CoalescePolicy.COPY, limits, LocalAddresses.ALL);
        byte[] packet = udp6(payload(8000));
        // 80 stalled datagrams (first fragment only), each pinning ≈ 1.4 KiB
        for (int id = 0; id < 80; id++) {
            write(packet, 0, 1232, true, id);
            assertTrue(reassembler.pinnedBytes() <= limits.highThresholdBytes(), "" + reassembler.pinnedBytes());
        }
        assertTrue(stats().drops(DropReason.QUEUE_EVICTED) > 0);
        assertTrue(reassembler.queueCount() < 80);
        // the oldest went first: id 0 is gone, id 19 is alive and completes
        List<Piece> frags = pieces(packet.length - 40, 1232);
        for (int i = 1; i < frags.size(); i++) {
            write(packet, frags.get(i), 79);
        }
        IpPacket p = readPacket();
        assertArrayEquals(packet, bytes(p.content()));
        p.release();
        for (int i = 1; i < frags.size(); i++) {
            write(packet, frags.get(i), 0);
        }
        assertNull(ch.readInbound(), "id 0 was evicted, its first fragment is gone");
        assertTrue(stats().drops(DropReason.QUEUE_EVICTED) >= 1);
    }

    @Test
    void aSingleQueueAboveTheHighThresholdIsDiscardedAndNoQueueIsCreatedAboveIt() {
        ReassemblyLimits limits = ReassemblyLimits.defaults(Duration.ofSeconds(60)).withThresholds(8 << 10, 4 << 10);
        pipeline(CoalescePolicy.NONE, limits, LocalAddresses.ALL);
        byte[] packet = udp6(payload(30000));
        List<Piece> frags = pieces(packet.length - 40, 1232);
        for (int i = 0; i < 10; i++) {
            write(packet, frags.get(i), 1);
        }
        assertTrue(reassembler.pinnedBytes() <= limits.highThresholdBytes(), "" + reassembler.pinnedBytes());
        assertTrue(stats().drops(DropReason.MEMORY_LIMIT) > 0);
    }

    @Test
    void accountReturnsToZeroAcrossAMixOfOutcomes() {
        pipeline(CoalescePolicy.ADAPTIVE);
        byte[] packet = udp6(payload(5000));
        List<Piece> frags = pieces(packet.length - 40, 1232);
        for (Piece f : frags) {
            write(packet, f, 100); // completes
        }
        readPacket().release();
        write(packet, frags.get(0), 101); // stalls
        write(packet, frags.get(1), 102);
        write(packet, 1224, 16, true, 102); // overlap: discarded
        assertTrue(reassembler.pinnedBytes() > 0);
        ch.advanceTimeBy(60, TimeUnit.SECONDS);
        ch.runPendingTasks();
        assertEquals(0, reassembler.pinnedBytes());
        assertEquals(0, reassembler.queueCount());
    }

    @Test
    void forwardedDatagramsKeepGeometryAndAreNotCoalesced() {
        pipeline(CoalescePolicy.COPY, ReassemblyLimits.defaults(Duration.ofSeconds(60)), LocalAddresses.NONE);
        byte[] packet = udp6(payload(5000));
        List<Piece> frags = pieces(packet.length - 40, 1448);
        for (int i = 0; i < frags.size() - 1; i++) {
            write(packet, frags.get(i), 3);
            assertEquals(1, inputs.get(i).refCnt(), "forwarding never coalesces");
        }
        write(packet, frags.get(frags.size() - 1), 3);
        IpPacket p = readPacket();
        assertTrue(p.forwarding());
        assertEquals(1448 + 48, p.maxFragmentSize());
        assertArrayEquals(packet, bytes(p.content()));
        p.release();
    }

    @ParameterizedTest
    @CsvSource({
        // ecn of fragment 1, fragment 2 -> expected ecn of the datagram, or -1 for dropped
        "0,0,0", "2,2,2", "1,1,1", "2,3,3", "1,3,3", "3,3,3", "0,2,-1", "0,3,-1", "0,1,-1", "2,1,2"})
    void ecnIsCombinedAsRfc3168(int ecn1, int ecn2, int expected) {
        pipeline(CoalescePolicy.COPY);
        byte[] packet = udp6(payload(2000));
        ByteBuf a = fragment(ALLOC, packet, 0, 1232, true, 13);
        ByteBuf b = fragment(ALLOC, packet, 1232, packet.length - 40 - 1232, false, 13);
        a.setByte(1, a.getByte(1) | (ecn1 << 4));
        b.setByte(1, b.getByte(1) | (ecn2 << 4));
        write(a);
        write(b);
        IpPacket p = readPacket();
        if (expected < 0) {
            assertNull(p);
            assertEquals(1, stats().drops(DropReason.ECN_MISMATCH));
        } else {
            assertEquals(expected, p.ecn());
            p.release();
        }
    }

    @Test
    void linkLocalDestinationsIncludeTheIngressInTheKey() {
        pipeline(CoalescePolicy.COPY);
        byte[] packet = udp6(TestPackets.SRC, TestPackets.addr("fe80::2"), 1, 2, payload(2000), 0);
        write(packet, 0, 1232, true, 14);
        // same fragment stream through a decoder with another ingress index: a different queue
        IpPacketDecoder other = new IpPacketDecoder(LocalAddresses.ALL, 8);
        ByteBuf second = fragment(ALLOC, packet, 1232, packet.length - 40 - 1232, false, 14);
        inputs.add(second);
        ch.writeInbound(other.decode(second));
        assertNull(ch.readInbound());
        assertEquals(2, reassembler.queueCount());
    }

    @Test
    void nonFragmentsAndIpv4PassThroughUntouched() {
        pipeline(CoalescePolicy.COPY);
        byte[] packet = udp6(payload(10));
        ByteBuf b = ALLOC.buffer().writeBytes(packet);
        write(b);
        IpPacket p = readPacket();
        assertFalse(p.isFragment());
        assertArrayEquals(packet, bytes(p.content()));
        p.release();
        assertEquals(0, stats().get(MibCounter.REASM_REQDS));
    }
}
