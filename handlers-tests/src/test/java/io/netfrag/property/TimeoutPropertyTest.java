package io.netfrag.property;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netfrag.internal.reassembly.AbstractReassembler;
import io.netfrag.ipv4.Ipv4FragmentReassembler;
import io.netfrag.ipv6.Ipv6FragmentReassembler;
import io.netfrag.packet.IpPacket;
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
import java.util.TreeSet;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.LongRange;

/**
 * Timeouts never deliver partial data. A datagram with fragments missing, the others arriving
 * spread over its lifetime, is never delivered: it is alive 1 ns before its deadline (fixed from creation: IPv6 60 s,
 * IPv4 30 s) and gone at the deadline, counted once under ReasmTimeout and ReasmFails, nothing pinned, every buffer
 * released. A datagram whose last fragment arrives before the deadline is delivered whole; one whose last fragment
 * arrives at or after it is not (the late fragment starts a new datagram, which times out in its turn), whether or
 * not the expiry timer ran before the late fragment came. The clock is the EmbeddedChannel's, moved with
 * {@code advanceTimeBy} and {@code runScheduledPendingTasks}.
 */
class TimeoutPropertyTest {

    @Provide
    Arbitrary<Integer> payloadLengths() {
        return Generators.payloadLengths();
    }

    @Provide
    Arbitrary<List<Integer>> blocks() {
        return Generators.blocks(24);
    }

    @Provide
    Arbitrary<List<Integer>> orders() {
        return Generators.orderCodes();
    }

    /** Indexes of fragments never sent (mod the fragment count; at least one fragment is always sent). */
    @Provide
    Arbitrary<List<Integer>> missing() {
        return Arbitraries.integers().between(0, 1000).list().ofMinSize(1).ofMaxSize(4);
    }

    /** Arrival of the last fragment relative to the deadline: at the edges, well before, or after. */
    @Provide
    Arbitrary<Long> lateness() {
        return Arbitraries.frequencyOf(
                Tuple.of(3, Arbitraries.of(-1L, 0L, 1L)),
                Tuple.of(2, Arbitraries.longs().between(-60_000_000_000L, -1L)),
                Tuple.of(1, Arbitraries.longs().between(1L, 60_000_000_000L)));
    }

    @Property(tries = 200)
    void incompleteDatagramsTimeOutWithoutDelivering(@ForAll boolean ipv6,
            @ForAll("payloadLengths") int payloadLength, @ForAll("blocks") List<Integer> blocks,
            @ForAll CoalescePolicy policy, @ForAll("orders") List<Integer> order,
            @ForAll("missing") List<Integer> missing, @ForAll @LongRange(min = 0, max = 5_000_000_000L) long spacing,
            @ForAll Buffers buffers) {
        TestDatagram d = ipv6 ? TestDatagram.ipv6(Ipv6Headers.NONE, payloadLength, 77, 0)
                : TestDatagram.ipv4(Ipv4Options.NONE, payloadLength, 77, 0);
        List<Piece> pieces = Fragmentation.split(d.fragmentableLength(), d.minFirstFragment, blocks);
        TreeSet<Integer> lost = new TreeSet<>();
        for (int m : missing) {
            if (lost.size() < pieces.size() - 1) {
                lost.add(m % pieces.size());
            }
        }
        List<Spec> specs = new ArrayList<>();
        for (int i : Fragmentation.order(pieces.size(), order)) {
            if (!lost.contains(i)) {
                specs.add(new Spec(d, pieces.get(i)));
            }
        }
        long timeout = timeout(d);
        // arrivals spread over at most half the lifetime
        long step = Math.min(spacing, timeout / 2 / specs.size());
        String scenario = d + ", " + policy + ", " + buffers + ", fragments " + pieces + " lost " + lost
                + ", one every " + step + " ns";
        try (Rig rig = Rig.withRoom(policy)) {
            AbstractReassembler<?> r = rig.reassembler(d.version);
            List<ByteBuf> fragments = rig.prepare(specs, buffers);
            long now = 0;
            for (int k = 0; k < fragments.size(); k++) {
                if (k > 0 && step > 0) {
                    rig.advance(step);
                    now += step;
                }
                rig.send(fragments.get(k));
                assertTrue(rig.deliveries().isEmpty(), "incomplete datagram delivered: " + scenario);
            }
            rig.advance(timeout - 1 - now);
            assertEquals(1, rig.queueCount(), "1 ns before the deadline the datagram is alive: " + scenario);
            assertEquals(0, r.stats().get(MibCounter.REASM_TIMEOUT), scenario);
            assertTrue(rig.pinnedBytes() > 0, scenario);
            rig.advance(1);
            assertTrue(rig.deliveries().isEmpty(), "delivered on timeout: " + scenario);
            CounterSnapshot s = r.stats();
            assertEquals(1, s.get(MibCounter.REASM_TIMEOUT), "at the deadline the datagram expires: " + scenario);
            assertEquals(1, s.get(MibCounter.REASM_FAILS), scenario);
            assertEquals(1, s.drops(DropReason.QUEUE_TIMEOUT), scenario);
            assertEquals(0, s.get(MibCounter.REASM_OKS), scenario);
            assertEquals(specs.size(), s.get(MibCounter.REASM_REQDS), scenario);
            assertEquals(0, rig.queueCount(), scenario);
            assertEquals(0, rig.pinnedBytes(), "pinned after the timeout: " + scenario);
        }
    }

    @Property(tries = 200)
    void theLastFragmentBeatsTheDeadlineOrNothingIsDelivered(@ForAll boolean ipv6,
            @ForAll("payloadLengths") int payloadLength, @ForAll("blocks") List<Integer> blocks,
            @ForAll CoalescePolicy policy, @ForAll("orders") List<Integer> order,
            @ForAll("lateness") long lateness, @ForAll boolean runTimersFirst, @ForAll Buffers buffers) {
        TestDatagram d = ipv6 ? TestDatagram.ipv6(Ipv6Headers.NONE, payloadLength, 78, 0)
                : TestDatagram.ipv4(Ipv4Options.NONE, payloadLength, 78, 0);
        race(d, blocks, policy, order, lateness, runTimersFirst, buffers);
    }

    /** The edges, for both versions and every policy: 1 ns before the deadline, at it, 1 ns after it. */
    @Example
    void lastFragmentAtTheEdgesOfTheDeadline() {
        for (boolean ipv6 : new boolean[] {true, false}) {
            for (CoalescePolicy policy : CoalescePolicy.values()) {
                for (long lateness : new long[] {-1, 0, 1}) {
                    for (boolean runTimersFirst : new boolean[] {true, false}) {
                        TestDatagram d = ipv6 ? TestDatagram.ipv6(Ipv6Headers.NONE, 3000, 79, 0)
                                : TestDatagram.ipv4(Ipv4Options.NONE, 3000, 79, 0);
                        race(d, List.of(154), policy, List.of(1, 1), lateness, runTimersFirst, Buffers.OWN);
                    }
                }
            }
        }
    }

    static void race(TestDatagram d, List<Integer> blocks, CoalescePolicy policy, List<Integer> orderCodes,
            long lateness, boolean runTimersFirst, Buffers buffers) {
        List<Piece> pieces = Fragmentation.split(d.fragmentableLength(), d.minFirstFragment, blocks);
        List<Spec> specs = new ArrayList<>();
        for (int i : Fragmentation.order(pieces.size(), orderCodes)) {
            specs.add(new Spec(d, pieces.get(i)));
        }
        long timeout = timeout(d);
        long arrival = Math.max(0, timeout + lateness); // of the last fragment; the others come at time 0
        boolean inTime = arrival < timeout;
        String scenario = d + ", " + policy + ", " + buffers + ", fragments " + specs.size() + ", last at "
                + arrival + " ns of " + timeout + (runTimersFirst ? ", timers run first" : "");
        try (Rig rig = Rig.withRoom(policy)) {
            AbstractReassembler<?> r = rig.reassembler(d.version);
            List<ByteBuf> fragments = rig.prepare(specs, buffers);
            for (int k = 0; k < fragments.size() - 1; k++) {
                rig.send(fragments.get(k));
            }
            if (runTimersFirst) {
                rig.advance(arrival);
            } else {
                rig.channel.advanceTimeBy(arrival, java.util.concurrent.TimeUnit.NANOSECONDS);
            }
            assertTrue(rig.deliveries().isEmpty(), scenario);
            rig.send(fragments.get(fragments.size() - 1));
            List<IpPacket> out = rig.deliveries();
            CounterSnapshot s = r.stats();
            if (inTime) {
                assertEquals(1, out.size(), "completed before the deadline, not delivered: " + scenario);
                RoundTripPropertyTest.checkDelivered(d, out.get(0), scenario);
                assertEquals(1, s.get(MibCounter.REASM_OKS), scenario);
                assertEquals(0, s.get(MibCounter.REASM_TIMEOUT), scenario);
                assertEquals(0, rig.queueCount(), scenario);
                assertEquals(0, rig.pinnedBytes(), scenario);
            } else {
                assertTrue(out.isEmpty(), "delivered after the deadline: " + scenario);
                assertEquals(1, s.get(MibCounter.REASM_TIMEOUT), "the datagram expired: " + scenario);
                assertEquals(1, rig.queueCount(), "the late fragment starts a new datagram: " + scenario);
                rig.advance(timeout);
                assertTrue(rig.deliveries().isEmpty(), scenario);
                s = r.stats();
                assertEquals(2, s.get(MibCounter.REASM_TIMEOUT), scenario);
                assertEquals(2, s.get(MibCounter.REASM_FAILS), scenario);
                assertEquals(0, s.get(MibCounter.REASM_OKS), scenario);
                assertEquals(0, rig.queueCount(), scenario);
                assertEquals(0, rig.pinnedBytes(), "pinned after the timeouts: " + scenario);
            }
            assertEquals(specs.size(), s.get(MibCounter.REASM_REQDS), scenario);
        }
    }

    private static long timeout(TestDatagram d) {
        return (d.version == 6 ? Ipv6FragmentReassembler.DEFAULT_TIMEOUT : Ipv4FragmentReassembler.DEFAULT_TIMEOUT)
                .toNanos();
    }
}
