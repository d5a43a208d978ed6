package io.netfrag.reassembly;

import io.netfrag.testkit.Fragmenter.Piece;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netfrag.internal.reassembly.AbstractReassembler;
import io.netfrag.ipv4.Ipv4FragmentReassembler;
import io.netfrag.ipv6.Ipv6FragmentReassembler;
import io.netfrag.packet.IcmpErrorSink;
import io.netfrag.packet.IpPacketDecoder;
import io.netfrag.stats.CounterSnapshot;
import io.netfrag.stats.DropReason;
import io.netfrag.stats.MibCounter;
import io.netfrag.testing.TestPackets;
import io.netfrag.udp.UdpDeliver;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.DatagramPacket;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A randomized round trip in the manner of the Linux {@code ip_defrag} selftest, for IPv6 and IPv4: payload byte
 * i = i % 256, UDP payload lengths 8..60000, random fragment sizes (multiples of 8, from 8 to 8192 bytes), the orders
 * in-order, reversed, odd-then-even, shuffled and (IPv4) Linux's "runs" order, 1 % duplicated fragments: every
 * datagram is delivered byte-exact, once, under every coalesce policy. In overlap mode one overlapping fragment is
 * injected per datagram and nothing may be delivered.
 *
 * <p>IPv6: 16 policy × order combinations × 640 = 10,240 datagrams; IPv4: 20 × 512 = 10,240; plus 100 per combination
 * in overlap mode.
 */
class RoundTripTest {
    /**
     * Inputs are plain heap buffers without leak tracking (paranoid tracking of ~200,000 fragment buffers costs
     * minutes); their release is checked through refCnt() after every datagram, and every buffer netfrag allocates
     * itself is still tracked at paranoid level.
     */
    private static final ByteBufAllocator UNTRACKED = new UnpooledByteBufAllocator(false, true);
    private static final int OVERLAP_DATAGRAMS = 100;
    private static final byte[] PAYLOAD = TestPackets.payload(60000);

    static List<Object[]> cases() {
        List<Object[]> c = new ArrayList<>();
        for (int version : new int[] {6, 4}) {
            String[] orders = version == 6 ? new String[] {"inorder", "reversed", "oddeven", "shuffled"}
                    : new String[] {"inorder", "reversed", "oddeven", "shuffled", "runs"};
            for (CoalescePolicy p : CoalescePolicy.values()) {
                for (String order : orders) {
                    c.add(new Object[] {version, p, order});
                }
            }
        }
        return c;
    }

    private static int datagrams(int version) {
        return version == 6 ? 640 : 512;
    }

    private static List<Piece> randomSplit(int fragmentable, Random rnd) {
        List<Piece> pieces = new ArrayList<>();
        int off = 0;
        while (off < fragmentable) {
            int size = rnd.nextInt(20) == 0 ? 8 * (1 + rnd.nextInt(8)) : 8 * (8 + rnd.nextInt(1017));
            int len = Math.min(size, fragmentable - off);
            pieces.add(new Piece(off, len, off + len < fragmentable));
            off += len;
        }
        return pieces;
    }

    private static AbstractReassembler<?> reassembler(int version, CoalescePolicy policy) {
        ReassemblyLimits limits = ReassemblyLimits.defaults(java.time.Duration.ofSeconds(30))
                .withThresholds(64L << 20, 48L << 20);
        // max_dist off: the overlap mode sends many fragments per source on purpose
        return version == 6 ? new Ipv6FragmentReassembler(policy, limits, IcmpErrorSink.DISCARD)
                : new Ipv4FragmentReassembler(policy, limits, IcmpErrorSink.DISCARD, OverlapPolicy.DROP, 0);
    }

    private static EmbeddedChannel channel(AbstractReassembler<?> r) {
        EmbeddedChannel ch = new EmbeddedChannel(new IpPacketDecoder(), r, new UdpDeliver());
        ch.freezeTime();
        return ch;
    }

    @ParameterizedTest(name = "IPv{0} {1} {2}")
    @MethodSource("cases")
    void everyDatagramArrivesByteExactOnce(int version, CoalescePolicy policy, String orderName) {
        Random rnd = new Random(version * 1000L + policy.ordinal() * 31L + orderName.hashCode());
        AbstractReassembler<?> r = reassembler(version, policy);
        EmbeddedChannel ch = channel(r);
        int header = TestPackets.headerLength(version);
        int duplicates = 0;
        int single = 0;
        int count = datagrams(version);
        for (int n = 0; n < count; n++) {
            int length = 8 + rnd.nextInt(60000 - 8 + 1);
            byte[] payload = Arrays.copyOf(PAYLOAD, length);
            byte[] packet = TestPackets.udp(version, 1000 + n, 5000, payload);
            List<Piece> pieces = TestPackets.order(randomSplit(packet.length - header, rnd), orderName, rnd);
            List<ByteBuf> inputs = new ArrayList<>();
            single += pieces.size() == 1 ? 1 : 0;
            for (int i = 0; i < pieces.size(); i++) {
                Piece p = pieces.get(i);
                boolean lastToArrive = i == pieces.size() - 1;
                ByteBuf f = TestPackets.fragment(version, UNTRACKED, packet, p.offset(), p.length(), p.more(), n);
                inputs.add(f);
                ch.writeInbound(f);
                if (!lastToArrive && rnd.nextInt(100) == 0) {
                    duplicates++;
                    ByteBuf dup = TestPackets.fragment(version, UNTRACKED, packet, p.offset(), p.length(), p.more(), n);
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
            assertTrue(Arrays.equals(payload, TestPackets.bytes(d.content())), "datagram " + n);
            assertEquals(1000 + n, d.sender().getPort());
            d.release();
            assertNull(ch.readInbound(), "delivered twice");
            for (ByteBuf in : inputs) {
                assertEquals(0, in.refCnt(), "input of datagram " + n + " not released");
            }
        }
        CounterSnapshot s = r.stats();
        // IPv6 counts an atomic fragment (one piece) as reassembled, as Linux; an unfragmented IPv4 packet never
        // reaches the reassembler
        assertEquals(version == 6 ? count : count - single, s.get(MibCounter.REASM_OKS));
        assertEquals(0, s.get(MibCounter.REASM_FAILS));
        assertEquals(duplicates, s.drops(DropReason.DUPLICATE_FRAGMENT));
        assertEquals(0, r.pinnedBytes());
        assertEquals(0, r.queueCount());
        assertFalse(ch.finishAndReleaseAll());
    }

    @ParameterizedTest(name = "IPv{0} {1} {2}")
    @MethodSource("cases")
    void oneInjectedOverlapDeliversNothing(int version, CoalescePolicy policy, String orderName) {
        Random rnd = new Random(7 + version * 1000L + policy.ordinal() * 131L + orderName.hashCode());
        AbstractReassembler<?> r = reassembler(version, policy);
        EmbeddedChannel ch = channel(r);
        int header = TestPackets.headerLength(version);
        for (int n = 0; n < OVERLAP_DATAGRAMS; n++) {
            int length = 2000 + rnd.nextInt(58001);
            byte[] packet = TestPackets.udp(version, 1000, 5000, Arrays.copyOf(PAYLOAD, length));
            List<Piece> pieces = TestPackets.order(randomSplit(packet.length - header, rnd), orderName, rnd);
            // An overlapping fragment that starts 8 bytes into a piece P (at least 16 bytes long, not the last) and
            // ends 8 bytes past it: whenever P and it meet in one queue the overlap is partial, so the queue dies
            // and P is lost. It must arrive before the later of P and its successor Q: once both are in, it lies
            // within received data and is (as in Linux) at most a duplicate.
            List<Piece> candidates = new ArrayList<>();
            for (Piece p : pieces) {
                if (p.more() && p.length() >= 16 && p.offset() + p.length() + 8 <= packet.length - header) {
                    candidates.add(p);
                }
            }
            if (candidates.isEmpty()) {
                n--;
                continue;
            }
            Piece target = candidates.get(rnd.nextInt(candidates.size()));
            int later = 0;
            for (int i = 0; i < pieces.size(); i++) {
                Piece p = pieces.get(i);
                if (p == target || p.offset() == target.offset() + target.length()) {
                    later = Math.max(later, i);
                }
            }
            int insertAt = rnd.nextInt(later + 1);
            for (int i = 0; i < pieces.size(); i++) {
                if (i == insertAt) {
                    ch.writeInbound(TestPackets.fragment(version, UNTRACKED, packet, target.offset() + 8, target.length(),
                            true, n));
                }
                Piece p = pieces.get(i);
                ch.writeInbound(TestPackets.fragment(version, UNTRACKED, packet, p.offset(), p.length(), p.more(), n));
            }
            assertNull(ch.readInbound(), "datagram " + n + " delivered despite an overlap");
        }
        ch.advanceTimeBy(61, TimeUnit.SECONDS);
        ch.runPendingTasks();
        assertEquals(0, r.stats().get(MibCounter.REASM_OKS));
        assertEquals(OVERLAP_DATAGRAMS, r.stats().get(MibCounter.REASM_OVERLAPS));
        assertEquals(0, r.pinnedBytes());
        assertFalse(ch.finishAndReleaseAll());
    }
}
