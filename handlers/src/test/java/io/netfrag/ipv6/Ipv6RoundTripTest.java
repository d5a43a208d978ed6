package io.netfrag.ipv6;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netfrag.packet.IcmpErrorSink;
import io.netfrag.packet.IpPacketDecoder;
import io.netfrag.reassembly.CoalescePolicy;
import io.netfrag.reassembly.ReassemblyLimits;
import io.netfrag.stats.MibCounter;
import io.netfrag.testing.TestPackets;
import io.netfrag.udp.UdpDeliver;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.DatagramPacket;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A randomized round trip in the manner of the Linux {@code ip_defrag} selftest: payload byte i = i % 256, UDP payload
 * lengths 8..60000, random fragment sizes (multiples of 8), four orders, 1% duplicated fragments: every datagram is
 * delivered byte-exact, once. In overlap mode one overlapping fragment is injected per datagram: nothing is delivered.
 * 16 policy × order combinations × 640 datagrams = 10,240 datagrams per run, plus 1,600 in overlap mode.
 */
class Ipv6RoundTripTest {
    private static final ByteBufAllocator ALLOC = PooledByteBufAllocator.DEFAULT;
    /**
     * Inputs of the big round trip are plain heap buffers without leak tracking (paranoid tracking of ~100,000
     * fragment buffers costs minutes); their release is checked through refCnt() after every datagram, and every
     * buffer netfrag allocates itself is still tracked at paranoid level.
     */
    private static final ByteBufAllocator UNTRACKED = new io.netty.buffer.UnpooledByteBufAllocator(false, true);
    private static final int DATAGRAMS = 640;
    private static final int OVERLAP_DATAGRAMS = 100;
    private static final byte[] PAYLOAD = TestPackets.payload(60000);

    static List<Object[]> cases() {
        List<Object[]> c = new ArrayList<>();
        for (CoalescePolicy p : CoalescePolicy.values()) {
            for (String order : new String[] {"inorder", "reversed", "oddeven", "shuffled"}) {
                c.add(new Object[] {p, order});
            }
        }
        return c;
    }

    private static final class Piece {
        final int offset;
        final int length;
        final boolean more;

        Piece(int offset, int length, boolean more) {
            this.offset = offset;
            this.length = length;
            this.more = more;
        }
    }

    private static List<Piece> randomSplit(int fragmentable, Random rnd) {
        List<Piece> pieces = new ArrayList<>();
        int off = 0;
        while (off < fragmentable) {
            int size = rnd.nextInt(20) == 0 ? 8 * (1 + rnd.nextInt(8)) : 8 * (8 + rnd.nextInt(1017)); // 8..8192
            int len = Math.min(size, fragmentable - off);
            pieces.add(new Piece(off, len, off + len < fragmentable));
            off += len;
        }
        return pieces;
    }


    private static EmbeddedChannel channel(CoalescePolicy policy, Ipv6FragmentReassembler[] out) {
        Ipv6FragmentReassembler r = new Ipv6FragmentReassembler(policy,
                ReassemblyLimits.defaults(Ipv6FragmentReassembler.DEFAULT_TIMEOUT).withThresholds(64L << 20, 48L << 20),
                IcmpErrorSink.DISCARD);
        out[0] = r;
        EmbeddedChannel ch = new EmbeddedChannel(new IpPacketDecoder(), r, new UdpDeliver());
        ch.freezeTime();
        return ch;
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void everyDatagramArrivesByteExactOnce(CoalescePolicy policy, String orderName) {
        Random rnd = new Random(policy.ordinal() * 31L + orderName.hashCode());
        Ipv6FragmentReassembler[] r = new Ipv6FragmentReassembler[1];
        EmbeddedChannel ch = channel(policy, r);
        int duplicates = 0;
        for (int n = 0; n < DATAGRAMS; n++) {
            int length = 8 + rnd.nextInt(60000 - 8 + 1);
            byte[] payload = java.util.Arrays.copyOf(PAYLOAD, length);
            byte[] packet = TestPackets.udp6(TestPackets.SRC, TestPackets.DST, 1000 + n % 50000, 5000, payload, 0);
            List<Piece> pieces = TestPackets.order(randomSplit(packet.length - 40, rnd), orderName, rnd);
            int id = n;
            List<ByteBuf> inputs = new ArrayList<>();
            for (int i = 0; i < pieces.size(); i++) {
                Piece p = pieces.get(i);
                boolean lastToArrive = i == pieces.size() - 1;
                ByteBuf f = TestPackets.fragment(UNTRACKED, packet, p.offset, p.length, p.more, id);
                inputs.add(f);
                ch.writeInbound(f);
                if (!lastToArrive && rnd.nextInt(100) == 0) {
                    duplicates++;
                    ByteBuf dup = TestPackets.fragment(UNTRACKED, packet, p.offset, p.length, p.more, id);
                    inputs.add(dup);
                    ch.writeInbound(dup);
                }
                if (!lastToArrive) {
                    assertNull(ch.readInbound(), "delivered early");
                }
            }
            DatagramPacket d = ch.readInbound();
            assertNotNull(d, "datagram " + n + " (" + length + " bytes, " + pieces.size() + " fragments) missing");
            // one bulk read: per-byte access to a paranoid leak-aware buffer records a stack trace per call
            assertTrue(java.util.Arrays.equals(payload, TestPackets.bytes(d.content())), "datagram " + n);
            assertEquals(5000, d.recipient().getPort());
            d.release();
            assertNull(ch.readInbound(), "delivered twice");
            for (ByteBuf in : inputs) {
                assertEquals(0, in.refCnt(), "input of datagram " + n + " not released");
            }
        }
        assertEquals(DATAGRAMS, r[0].stats().get(MibCounter.REASM_OKS));
        assertEquals(0, r[0].stats().get(MibCounter.REASM_FAILS));
        assertEquals(duplicates, r[0].stats().drops(io.netfrag.stats.DropReason.DUPLICATE_FRAGMENT));
        assertEquals(0, r[0].pinnedBytes());
        assertEquals(0, r[0].queueCount());
        assertTrue(!ch.finishAndReleaseAll());
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void oneInjectedOverlapDeliversNothing(CoalescePolicy policy, String orderName) {
        Random rnd = new Random(7 + policy.ordinal() * 131L + orderName.hashCode());
        Ipv6FragmentReassembler[] r = new Ipv6FragmentReassembler[1];
        EmbeddedChannel ch = channel(policy, r);
        for (int n = 0; n < OVERLAP_DATAGRAMS; n++) {
            int length = 2000 + rnd.nextInt(58001);
            byte[] packet = TestPackets.udp6(java.util.Arrays.copyOf(PAYLOAD, length));
            List<Piece> pieces = TestPackets.order(randomSplit(packet.length - 40, rnd), orderName, rnd);
            while (pieces.size() < 2) {
                pieces = TestPackets.order(randomSplit(packet.length - 40, rnd), orderName, rnd);
            }
            // An overlapping fragment that starts 8 bytes into a piece P (at least 16 bytes long, not the last) and
            // ends 8 bytes past it: whenever P and it meet in one queue the overlap is partial, so the queue dies
            // and P is lost; sent before the last arrival, the datagram can never complete.
            List<Piece> candidates = new ArrayList<>();
            for (Piece p : pieces) {
                if (p.more && p.length >= 16) {
                    candidates.add(p);
                }
            }
            if (candidates.isEmpty()) {
                n--;
                continue;
            }
            Piece target = candidates.get(rnd.nextInt(candidates.size()));
            // It must arrive before the later of P and its successor Q: once both are in, it lies within received
            // data and is (as in Linux) a mere duplicate.
            int later = 0;
            for (int i = 0; i < pieces.size(); i++) {
                Piece p = pieces.get(i);
                if (p == target || p.offset == target.offset + target.length) {
                    later = Math.max(later, i);
                }
            }
            int insertAt = rnd.nextInt(later + 1);
            for (int i = 0; i < pieces.size(); i++) {
                if (i == insertAt) {
                    ch.writeInbound(TestPackets.fragment(ALLOC, packet, target.offset + 8, target.length, true, n));
                }
                Piece p = pieces.get(i);
                ch.writeInbound(TestPackets.fragment(ALLOC, packet, p.offset, p.length, p.more, n));
            }
            assertNull(ch.readInbound(), "datagram " + n + " delivered despite an overlap");
        }
        ch.advanceTimeBy(61, TimeUnit.SECONDS);
        ch.runPendingTasks();
        assertEquals(0, r[0].stats().get(MibCounter.REASM_OKS));
        assertEquals(OVERLAP_DATAGRAMS, r[0].stats().get(MibCounter.REASM_OVERLAPS));
        assertEquals(0, r[0].pinnedBytes());
        assertTrue(!ch.finishAndReleaseAll());
    }
}
