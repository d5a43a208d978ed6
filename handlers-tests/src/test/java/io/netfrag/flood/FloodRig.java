package io.netfrag.flood;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netfrag.internal.reassembly.AbstractReassembler;
import io.netfrag.internal.wire.Ipv4Header;
import io.netfrag.ipv4.Ipv4FragmentReassembler;
import io.netfrag.ipv6.Ipv6FragmentReassembler;
import io.netfrag.packet.IcmpErrorSink;
import io.netfrag.packet.IpPacket;
import io.netfrag.packet.IpPacketDecoder;
import io.netfrag.reassembly.CoalescePolicy;
import io.netfrag.reassembly.ReassemblyLimits;
import io.netfrag.testing.TestPackets;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One flood scenario's pipeline ({@code IpPacketDecoder → Ipv6FragmentReassembler | Ipv4FragmentReassembler} with
 * default limits and the policy under test) and its bookkeeping: every packet written is kept to check it was released
 * at the end, pinned memory is checked after every packet, reassembled packets are read and compared byte for byte.
 *
 * <p>Time is frozen and moves only by {@link #timeStepNanos} per packet written (0: frozen, the reassembler sees one
 * instant), through the channel's ticker, never by sleeping.
 */
final class FloodRig implements AutoCloseable {
    /** Pooled and leak-tracked (paranoid in the test JVM). */
    static final ByteBufAllocator ALLOC = PooledByteBufAllocator.DEFAULT;
    /**
     * Every packet is received into a buffer of this capacity, as a socket read with 2 KiB receive buffers would: a
     * tiny fragment pins 2 KiB (ADAPTIVE copies it on arrival), a 1280/1500-byte fragment is about its buffer's size
     * (ADAPTIVE holds it).
     */
    static final int RECEIVE_BUFFER = 2048;
    /** What one packet pins at most here: its receive buffer. */
    static final int ONE_PACKET = RECEIVE_BUFFER;
    /** Default high threshold (4 MiB). */
    static final long HIGH = ReassemblyLimits.DEFAULT_HIGH_THRESHOLD_BYTES;
    /** Default low threshold (3 MiB). */
    static final long LOW = ReassemblyLimits.DEFAULT_LOW_THRESHOLD_BYTES;

    final int version;
    final CoalescePolicy policy;
    final AbstractReassembler<?> reassembler;
    final EmbeddedChannel ch;
    final long timeStepNanos;
    private final List<ByteBuf> inputs = new ArrayList<>();
    long packets;
    long peakPinned;
    private boolean closed;

    FloodRig(int version, CoalescePolicy policy, long timeStepNanos) {
        this(version, policy, timeStepNanos, ReassemblyLimits.DEFAULT_MIN_FRAGMENT_UNDER_PRESSURE);
    }

    /** With another {@link ReassemblyLimits#minFragmentUnderPressure()} (0: every fragment may start a queue). */
    FloodRig(int version, CoalescePolicy policy, long timeStepNanos, int minFragmentUnderPressure) {
        this.version = version;
        this.policy = policy;
        this.timeStepNanos = timeStepNanos;
        // Linux limits and timeouts, as the one-argument constructors, ICMP errors fired as user events (released by
        // the pipeline's tail)
        if (version == 6) {
            reassembler = new Ipv6FragmentReassembler(policy, ReassemblyLimits.defaults(
                    Ipv6FragmentReassembler.DEFAULT_TIMEOUT).withMinFragmentUnderPressure(minFragmentUnderPressure),
                    IcmpErrorSink.FIRE_USER_EVENT);
        } else {
            reassembler = new Ipv4FragmentReassembler(policy, ReassemblyLimits.defaults(
                    Ipv4FragmentReassembler.DEFAULT_TIMEOUT).withMinFragmentUnderPressure(minFragmentUnderPressure),
                    IcmpErrorSink.FIRE_USER_EVENT);
        }
        ch = new EmbeddedChannel(new IpPacketDecoder(), reassembler);
        ch.freezeTime();
    }

    /** Header bytes in front of the fragmentable part of a plain packet of this version. */
    int headerLength() {
        return TestPackets.headerLength(version);
    }

    /**
     * Writes one fragment of {@code packet} (ownership stays with the pipeline; the rig checks it is released at the
     * end) and checks the memory bound after it.
     */
    void write(byte[] packet, int offset, int length, boolean more, int id) {
        ByteBuf wire = TestPackets.fragment(version, UnpooledByteBufAllocator.DEFAULT, packet, offset, length, more,
                id);
        ByteBuf b = ALLOC.directBuffer(RECEIVE_BUFFER, RECEIVE_BUFFER).writeBytes(wire);
        wire.release();
        inputs.add(b);
        if (timeStepNanos != 0) {
            ch.advanceTimeBy(timeStepNanos, TimeUnit.NANOSECONDS);
        }
        ch.writeInbound(b);
        packets++;
        long pinned = reassembler.pinnedBytes();
        peakPinned = Math.max(peakPinned, pinned);
        assertTrue(pinned <= HIGH + ONE_PACKET, () -> "pinned " + pinned + " B > high " + HIGH + " + one packet after "
                + packets + " packets (" + policy + ", IPv" + version + ", " + reassembler.queueCount() + " queues)");
    }

    /**
     * The packet as the reassembler must deliver it when it was sent in fragments with identification {@code id}:
     * {@code packet} itself for IPv6 (the Fragment header is removed); for IPv4 the header carries the identification
     * (and so a different header checksum).
     */
    byte[] asSent(byte[] packet, int id) {
        if (version == 6) {
            return packet;
        }
        byte[] p = packet.clone();
        ByteBuf b = Unpooled.wrappedBuffer(p);
        b.setShort(4, id);
        Ipv4Header.updateChecksum(b, 0, Ipv4Header.headerLength(b, 0));
        return p;
    }

    /**
     * Reads the next reassembled packet, which must be {@code packet} sent with identification {@code id}, byte for
     * byte, and releases it.
     */
    void expectDelivered(byte[] packet, int id, String what) {
        IpPacket p = ch.readInbound();
        assertNotNull(p, what + ": not delivered; " + reassembler.stats());
        try {
            assertTrue(p.reassembled(), what);
            assertArrayEquals(asSent(packet, id), TestPackets.bytes(p.content()), what + ": bytes differ");
        } finally {
            p.release();
        }
    }

    /** Whether anything was delivered (and releases it). */
    Object poll() {
        return ch.readInbound();
    }

    /**
     * Removes the handlers (queues left are released and counted as QUEUE_DISCARDED), then checks pinned 0 and every
     * packet written released.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        assertFalse(ch.finishAndReleaseAll(), "messages left in the pipeline");
        assertEquals(0, reassembler.pinnedBytes(), "pinned bytes after handler removal");
        assertEquals(0, reassembler.queueCount(), "queues after handler removal");
        for (int i = 0; i < inputs.size(); i++) {
            assertEquals(0, inputs.get(i).refCnt(), "packet " + i + " not released");
        }
    }
}
