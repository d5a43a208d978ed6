package io.netfrag.property;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netfrag.internal.reassembly.AbstractReassembler;
import io.netfrag.ipv4.Ipv4FragmentReassembler;
import io.netfrag.ipv6.Ipv6FragmentReassembler;
import io.netfrag.property.Rig.Buffers;
import io.netfrag.property.Rig.Spec;
import io.netfrag.property.TestDatagram.Ipv4Options;
import io.netfrag.property.TestDatagram.Ipv6Headers;
import io.netfrag.testkit.Fragmenter.Piece;
import io.netfrag.reassembly.CoalescePolicy;
import io.netfrag.stats.CounterSnapshot;
import io.netfrag.stats.DropReason;
import io.netfrag.stats.MibCounter;
import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * A fragment whose range partially overlaps received data with different bytes (RFC 5722 for
 * IPv6; for IPv4 the default overlap policy {@code DROP}, as Linux since 4.19) makes the reassembler discard the whole
 * datagram: nothing is delivered, ever; ReasmOverlaps and the overlap drop count exactly 1; at the moment the overlap
 * is detected the queue is gone and nothing is pinned; the fragments that come afterwards form a new queue that can
 * never complete and times out; every buffer is released.
 *
 * <p>The injected fragment O starts 8 bytes into a non-last fragment P (at least 16 bytes) and ends 8 bytes into P's
 * successor Q, and arrives before the later of P and Q: whichever of P, O, Q meet in one queue, the overlap is partial.
 * (Once P and Q are both in one run of received data, O would lie inside it and be, as in Linux, a duplicate.)
 */
class OverlapPropertyTest {

    @Provide
    Arbitrary<Ipv6Headers> ipv6Headers() {
        return Generators.ipv6Headers();
    }

    @Provide
    Arbitrary<Ipv4Options> ipv4Options() {
        return Generators.ipv4Options();
    }

    /** Room for a fragment of 16 bytes and an overlap reaching 8 bytes past it. */
    @Provide
    Arbitrary<Integer> payloadLengths() {
        return Generators.payloadLengths().filter(n -> n >= 24);
    }

    /** Fragments of 16 bytes or more: most can be overlapped. */
    @Provide
    Arbitrary<List<Integer>> blocks() {
        return Generators.blocks(2, 1024, 32);
    }

    @Provide
    Arbitrary<List<Integer>> orders() {
        return Generators.orderCodes();
    }

    @Property(tries = 250)
    void ipv6OverlapDeliversNothing(@ForAll("ipv6Headers") Ipv6Headers headers,
            @ForAll("payloadLengths") int payloadLength, @ForAll("blocks") List<Integer> blocks,
            @ForAll CoalescePolicy policy, @ForAll("orders") List<Integer> order,
            @ForAll @IntRange(min = 0, max = 1000) int target, @ForAll @IntRange(min = 0, max = 1000) int insert,
            @ForAll @IntRange(min = 1, max = 255) int xor, @ForAll Buffers buffers) {
        overlap(TestDatagram.ipv6(headers, payloadLength, 0x0bad, 0), blocks, policy, order, target, insert, xor,
                buffers);
    }

    @Property(tries = 250)
    void ipv4OverlapDeliversNothing(@ForAll("ipv4Options") Ipv4Options options,
            @ForAll("payloadLengths") int payloadLength, @ForAll("blocks") List<Integer> blocks,
            @ForAll CoalescePolicy policy, @ForAll("orders") List<Integer> order,
            @ForAll @IntRange(min = 0, max = 1000) int target, @ForAll @IntRange(min = 0, max = 1000) int insert,
            @ForAll @IntRange(min = 1, max = 255) int xor, @ForAll Buffers buffers) {
        overlap(TestDatagram.ipv4(options, payloadLength, 0x0bad, 0), blocks, policy, order, target, insert, xor,
                buffers);
    }

    /** The overlapping fragment arrives first, then P (overlap detected), then the rest in order. */
    @Example
    void overlapArrivingFirstIsDetectedWhenTheFragmentItCoversArrives() {
        for (CoalescePolicy policy : CoalescePolicy.values()) {
            overlap(TestDatagram.ipv6(Ipv6Headers.NONE, 100, 1, 0), List.of(4), policy, List.of(), 0, 0, 0xff,
                    Buffers.OWN);
            overlap(TestDatagram.ipv4(Ipv4Options.NONE, 100, 1, 0), List.of(4), policy, List.of(), 0, 0, 0xff,
                    Buffers.OWN);
        }
    }

    static void overlap(TestDatagram d, List<Integer> blocks, CoalescePolicy policy, List<Integer> orderCodes,
            int targetChoice, int insertChoice, int xor, Buffers buffers) {
        int total = d.fragmentableLength();
        List<Piece> pieces = Fragmentation.split(total, d.minFirstFragment, blocks);
        List<Integer> candidates = new ArrayList<>();
        for (int i = 0; i < pieces.size(); i++) {
            Piece p = pieces.get(i);
            if (p.more() && p.length() >= 16 && p.end() + 8 <= total) {
                candidates.add(i);
            }
        }
        Assume.that(!candidates.isEmpty());
        int target = candidates.get(targetChoice % candidates.size());
        Piece p = pieces.get(target);
        List<Integer> order = Fragmentation.order(pieces.size(), orderCodes);
        int later = Math.max(order.indexOf(target), order.indexOf(target + 1));
        int insertAt = insertChoice % (later + 1);
        Spec injected = new Spec(d, p.offset() + 8, p.length(), true, xor);
        List<Spec> specs = new ArrayList<>();
        for (int k = 0; k < order.size(); k++) {
            if (k == insertAt) {
                specs.add(injected);
            }
            specs.add(new Spec(d, pieces.get(order.get(k))));
        }
        String scenario = d + ", " + policy + ", " + buffers + ", overlap " + (p.offset() + 8) + "+" + p.length()
                + " before arrival " + insertAt + " of " + Fragmentation.describe(pieces, order);
        long timeout = (d.version == 6 ? Ipv6FragmentReassembler.DEFAULT_TIMEOUT
                : Ipv4FragmentReassembler.DEFAULT_TIMEOUT).toNanos();
        try (Rig rig = Rig.withRoom(policy)) {
            AbstractReassembler<?> r = rig.reassembler(d.version);
            List<ByteBuf> fragments = rig.prepare(specs, buffers);
            for (int k = 0; k < fragments.size(); k++) {
                long overlapsBefore = r.stats().get(MibCounter.REASM_OVERLAPS);
                rig.send(fragments.get(k));
                assertTrue(rig.deliveries().isEmpty(), "delivered despite the overlap: " + scenario);
                if (overlapsBefore == 0 && r.stats().get(MibCounter.REASM_OVERLAPS) == 1) {
                    assertEquals(0, rig.queueCount(), "queue kept after the overlap: " + scenario);
                    assertEquals(0, rig.pinnedBytes(), "pinned after the overlap: " + scenario);
                }
            }
            rig.advance(timeout);
            assertTrue(rig.deliveries().isEmpty(), scenario);
            CounterSnapshot s = r.stats();
            assertEquals(1, s.get(MibCounter.REASM_OVERLAPS), "overlaps counted: " + scenario);
            assertEquals(1, s.drops(DropReason.OVERLAPPING_FRAGMENT), scenario);
            assertEquals(0, s.get(MibCounter.REASM_OKS), scenario);
            assertEquals(specs.size(), s.get(MibCounter.REASM_REQDS), scenario);
            assertTrue(s.drops(DropReason.QUEUE_TIMEOUT) <= 1, scenario);
            assertEquals(s.drops(DropReason.OVERLAPPING_FRAGMENT) + s.drops(DropReason.QUEUE_TIMEOUT),
                    s.get(MibCounter.REASM_FAILS), "failures " + s + ": " + scenario);
            assertEquals(s.drops(DropReason.QUEUE_TIMEOUT), s.get(MibCounter.REASM_TIMEOUT), scenario);
            assertEquals(0, rig.queueCount(), scenario);
            assertEquals(0, rig.pinnedBytes(), scenario);
        }
    }
}
