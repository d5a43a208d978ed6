package io.netfrag.property;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.netfrag.internal.reassembly.AbstractReassembler;
import io.netfrag.ipv6.Ipv6FragmentReassembler;
import io.netfrag.packet.IpPacket;
import io.netfrag.property.Rig.Buffers;
import io.netfrag.property.Rig.Spec;
import io.netfrag.property.TestDatagram.Ipv4Options;
import io.netfrag.property.TestDatagram.Ipv6Headers;
import io.netfrag.testkit.Fragmenter.Piece;
import io.netfrag.reassembly.CoalescePolicy;
import io.netfrag.reassembly.ReassemblyLimits;
import io.netfrag.stats.CounterSnapshot;
import io.netfrag.stats.DropReason;
import io.netfrag.stats.MibCounter;
import io.netfrag.testing.TestPackets;
import io.netty.buffer.ByteBuf;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.RandomDistribution;

/**
 * Memory accounting returns to zero. Several IPv6 and IPv4 datagrams at once, their fragments
 * interleaved at random, each complete or damaged (a fragment missing, an overlapping fragment, a conflicting last
 * fragment), under every coalesce policy, three kinds of receive buffers and three levels of memory pressure (none,
 * Linux's 4/3 MiB, a tight random threshold that forces eviction and refusal of new queues, tiny fragments' refusal
 * above the low threshold included), ending in timeouts or in handler removal with datagrams in flight:
 *
 * <ul>
 *   <li>after every fragment, each reassembler pins at most its high threshold;
 *   <li>every datagram is delivered at most once; without memory pressure exactly the undamaged ones are, byte-exact
 *       (under memory pressure, see {@code checkDelivery});
 *   <li>counters agree: ReasmReqds = fragments sent, ReasmOKs = deliveries, ReasmFails = the sum of the failure drops
 *       (timeout, eviction, memory limit, overlap, invalid fragment), ReasmTimeout = timeout drops;
 *   <li>once nothing is in flight (all timed out, or the handlers removed), pinned bytes and queues are 0 and every
 *       input buffer has reference count 0 after the delivered datagrams are released.
 * </ul>
 */
class AccountingPropertyTest {
    /** What happens to one datagram of a scenario. */
    enum Damage {
        /** All fragments arrive. */
        NONE,
        /** One fragment never arrives. */
        MISSING,
        /** An overlapping fragment with different data arrives (see {@link OverlapPropertyTest}). */
        OVERLAP,
        /** A second last fragment with a different end arrives before the datagram completes. */
        CONFLICTING_END
    }

    /** Memory thresholds of both reassemblers. */
    enum Pressure {
        /** 1 GiB: nothing is ever evicted. */
        NONE,
        /** Linux: high 4 MiB, low 3 MiB. */
        LINUX,
        /** High {@code tightKib} KiB, low three quarters of it. */
        TIGHT
    }

    /** How a scenario ends. */
    enum Ending {
        /** The clock passes both timeouts. */
        TIMEOUT,
        /** The handlers are removed with datagrams in flight. */
        REMOVAL
    }

    /** One datagram of a scenario. */
    record Plan(boolean ipv6, int payloadLength, List<Integer> blocks, List<Integer> order, Damage damage, int choice) {
    }

    @Provide
    Arbitrary<List<Plan>> plans() {
        Arbitrary<Plan> plan = Combinators.combine(Arbitraries.of(true, false),
                Arbitraries.frequencyOf(
                        net.jqwik.api.Tuple.of(3, Arbitraries.integers().between(1, 3000)),
                        net.jqwik.api.Tuple.of(1, Arbitraries.integers().between(1, 60000))),
                Generators.blocks(24), Generators.orderCodes(), Arbitraries.of(Damage.class),
                Arbitraries.integers().between(0, 1000)).as(Plan::new);
        return plan.list().ofMinSize(1).ofMaxSize(6).withSizeDistribution(RandomDistribution.uniform());
    }

    /** Interleaving choices (see {@code interleave}); the empty list, the shrinking target, sends one after another. */
    @Provide
    Arbitrary<List<Integer>> interleavings() {
        return Arbitraries.integers().between(0, 100).list().ofMaxSize(150)
                .withSizeDistribution(RandomDistribution.uniform());
    }

    /** High threshold under {@link Pressure#TIGHT}: 2 to 256 KiB, small ones more likely. */
    @Provide
    Arbitrary<Integer> tightKib() {
        return Arbitraries.integers().between(2, 256).withDistribution(RandomDistribution.biased());
    }

    @Property(tries = 250)
    void accountReturnsToZero(@ForAll("plans") List<Plan> plans, @ForAll CoalescePolicy policy,
            @ForAll Buffers buffers, @ForAll Pressure pressure, @ForAll("tightKib") int tightKib,
            @ForAll("interleavings") List<Integer> interleaving, @ForAll Ending ending) {
        scenario(plans, policy, buffers, pressure, tightKib, interleaving, ending);
    }

    /** Tight memory, batch buffers (each held slice pins the whole batch), NONE: eviction and refused queues. */
    @Example
    void batchSlicesUnderTightMemory() {
        List<Plan> plans = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            plans.add(new Plan(i % 2 == 0, 20000, List.of(181), List.of(), i == 3 ? Damage.MISSING : Damage.NONE, i));
        }
        scenario(plans, CoalescePolicy.NONE, Buffers.BATCH, Pressure.TIGHT, 64, List.of(0, 1, 2, 3, 0, 1, 2, 3),
                Ending.TIMEOUT);
    }

    static void scenario(List<Plan> plans, CoalescePolicy policy, Buffers buffers, Pressure pressure, int tightKib,
            List<Integer> interleaving, Ending ending) {
        ReassemblyLimits v6Limits = limits(Ipv6FragmentReassembler.DEFAULT_TIMEOUT, pressure, tightKib);
        ReassemblyLimits v4Limits = limits(io.netfrag.ipv4.Ipv4FragmentReassembler.DEFAULT_TIMEOUT, pressure, tightKib);
        List<TestDatagram> datagrams = new ArrayList<>();
        List<List<Spec>> perPlan = new ArrayList<>();
        Set<Integer> deliverable = new HashSet<>();
        List<Damage> damages = new ArrayList<>();
        StringBuilder description = new StringBuilder(policy + ", " + buffers + ", " + pressure
                + (pressure == Pressure.TIGHT ? " " + tightKib + " KiB" : "") + ", " + ending);
        for (int i = 0; i < plans.size(); i++) {
            Plan plan = plans.get(i);
            int id = 1000 + i;
            TestDatagram d = plan.ipv6() ? TestDatagram.ipv6(Ipv6Headers.NONE, plan.payloadLength(), id, i)
                    : TestDatagram.ipv4(Ipv4Options.NONE, plan.payloadLength(), id, i + 1);
            datagrams.add(d);
            List<Piece> pieces = Fragmentation.split(d.fragmentableLength(), d.minFirstFragment, plan.blocks());
            List<Integer> order = Fragmentation.order(pieces.size(), plan.order());
            List<Spec> specs = new ArrayList<>();
            for (int k : order) {
                specs.add(new Spec(d, pieces.get(k)));
            }
            Damage damage = damage(plan, d, pieces, order, specs);
            damages.add(damage);
            if (damage == Damage.NONE) {
                deliverable.add(i);
            }
            perPlan.add(specs);
            description.append("\n  #").append(i).append(' ').append(d).append(' ').append(damage).append(": ")
                    .append(specs.size()).append(" fragments");
        }
        List<Spec> all = interleave(perPlan, interleaving);
        String scenario = description.toString();

        Rig rig = new Rig(policy, v6Limits, v4Limits);
        Map<Integer, Integer> sent = new HashMap<>();
        Set<Integer> delivered = new HashSet<>();
        Map<Integer, Integer> queuesAtEnd = new HashMap<>();
        try (rig) { // closing releases the deliveries, removes the handlers and checks every input buffer
            List<ByteBuf> fragments = rig.prepare(all, buffers);
            for (int k = 0; k < fragments.size(); k++) {
                rig.send(fragments.get(k));
                sent.merge(all.get(k).datagram().version, 1, Integer::sum);
                assertTrue(rig.v6.pinnedBytes() <= v6Limits.highThresholdBytes(),
                        "IPv6 pinned " + rig.v6.pinnedBytes() + " after fragment " + k + ": " + scenario);
                assertTrue(rig.v4.pinnedBytes() <= v4Limits.highThresholdBytes(),
                        "IPv4 pinned " + rig.v4.pinnedBytes() + " after fragment " + k + ": " + scenario);
                for (IpPacket p : rig.deliveries()) {
                    int i = indexOf(datagrams, p);
                    assertTrue(delivered.add(i), "datagram #" + i + " delivered twice: " + scenario);
                    checkDelivery(i, p, datagrams.get(i), damages.get(i), pressure, rig, scenario);
                }
            }
            if (pressure == Pressure.NONE) {
                assertEquals(deliverable, delivered, "without memory pressure every undamaged datagram arrives: "
                        + scenario);
            }
            if (ending == Ending.TIMEOUT) {
                rig.advance(Ipv6FragmentReassembler.DEFAULT_TIMEOUT.toNanos()); // the longer of the two
                assertTrue(rig.deliveries().isEmpty(), scenario);
                assertEquals(0, rig.queueCount(), "queues after the timeouts: " + scenario);
                assertEquals(0, rig.pinnedBytes(), "pinned after the timeouts: " + scenario);
            }
            queuesAtEnd.put(6, rig.v6.queueCount());
            queuesAtEnd.put(4, rig.v4.queueCount());
        }
        for (int version : new int[] {6, 4}) {
            AbstractReassembler<?> r = rig.reassembler(version);
            CounterSnapshot s = r.stats();
            String where = "IPv" + version + " " + s + ": " + scenario;
            long deliveredHere = delivered.stream().filter(i -> datagrams.get(i).version == version).count();
            assertEquals(sent.getOrDefault(version, 0).longValue(), s.get(MibCounter.REASM_REQDS), where);
            assertEquals(deliveredHere, s.get(MibCounter.REASM_OKS), where);
            assertEquals(s.drops(DropReason.QUEUE_TIMEOUT) + s.drops(DropReason.QUEUE_EVICTED)
                    + s.drops(DropReason.MEMORY_LIMIT) + s.drops(DropReason.OVERLAPPING_FRAGMENT)
                    + s.drops(DropReason.INVALID_FRAGMENT) + s.drops(DropReason.FRAGMENT_TOO_FAR)
                    + s.drops(DropReason.TINY_FRAGMENT_UNDER_PRESSURE),
                    s.get(MibCounter.REASM_FAILS), "ReasmFails against the failure drops: " + where);
            assertEquals(s.drops(DropReason.QUEUE_TIMEOUT), s.get(MibCounter.REASM_TIMEOUT), where);
            assertEquals(s.drops(DropReason.OVERLAPPING_FRAGMENT), s.get(MibCounter.REASM_OVERLAPS), where);
            assertEquals(queuesAtEnd.get(version).longValue(), s.drops(DropReason.QUEUE_DISCARDED),
                    "queues discarded at removal: " + where);
            assertEquals(0, s.drops(DropReason.FRAGMENT_TOO_FAR), "distinct sources never hit max_dist: " + where);
            if (pressure == Pressure.NONE) {
                assertEquals(0, s.drops(DropReason.QUEUE_EVICTED) + s.drops(DropReason.MEMORY_LIMIT)
                        + s.drops(DropReason.TINY_FRAGMENT_UNDER_PRESSURE), where);
            }
        }
    }

    /**
     * Without memory pressure only undamaged datagrams arrive, byte-exact. Under pressure fragments are lost to
     * eviction and refused queues, which changes what a damaged datagram's fragments can form: an overlapping fragment
     * evicted alone lets the genuine fragments complete (byte-exact), and a conflicting last fragment that meets the
     * other fragments after the genuine last one was evicted completes a forged datagram, as it would in Linux. A
     * datagram missing a fragment never arrives.
     */
    private static void checkDelivery(int i, IpPacket p, TestDatagram d, Damage damage, Pressure pressure, Rig rig,
            String scenario) {
        if (pressure == Pressure.NONE) {
            assertEquals(Damage.NONE, damage, "damaged datagram #" + i + " delivered: " + scenario);
        }
        assertTrue(damage != Damage.MISSING, "datagram #" + i + " delivered without one of its fragments: "
                + scenario);
        if (damage == Damage.CONFLICTING_END && !java.util.Arrays.equals(d.packet, TestPackets.bytes(p.content()))) {
            CounterSnapshot s = rig.reassembler(d.version).stats();
            assertTrue(s.drops(DropReason.QUEUE_EVICTED) + s.drops(DropReason.MEMORY_LIMIT)
                    + s.drops(DropReason.TINY_FRAGMENT_UNDER_PRESSURE) > 0,
                    "forged datagram #" + i + " completed without any fragment lost to memory pressure: " + scenario);
            return;
        }
        RoundTripPropertyTest.checkDelivered(d, p, "datagram #" + i + ": " + scenario);
    }

    private static ReassemblyLimits limits(Duration timeout, Pressure pressure, int tightKib) {
        ReassemblyLimits l = ReassemblyLimits.defaults(timeout);
        switch (pressure) {
            case NONE:
                return l.withThresholds(1L << 30, 3L << 28);
            case TIGHT:
                return l.withThresholds(tightKib * 1024L, tightKib * 768L);
            case LINUX:
            default:
                return l;
        }
    }

    /** Applies a plan's damage to its arrivals; returns the damage in effect (an overlap needs a fitting fragment). */
    private static Damage damage(Plan plan, TestDatagram d, List<Piece> pieces, List<Integer> order, List<Spec> specs) {
        int n = pieces.size();
        int choice = plan.choice();
        switch (plan.damage()) {
            case MISSING:
                specs.remove(choice % n);
                return Damage.MISSING;
            case OVERLAP: {
                List<Integer> candidates = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    Piece p = pieces.get(i);
                    if (p.more() && p.length() >= 16 && p.end() + 8 <= d.fragmentableLength()) {
                        candidates.add(i);
                    }
                }
                if (candidates.isEmpty()) {
                    specs.remove(choice % n); // nothing to overlap: lose a fragment instead
                    return Damage.MISSING;
                }
                int target = candidates.get(choice % candidates.size());
                Piece p = pieces.get(target);
                int later = Math.max(order.indexOf(target), order.indexOf(target + 1));
                specs.add(choice % (later + 1), new Spec(d, p.offset() + 8, p.length(), true, 0x5a));
                return Damage.OVERLAP;
            }
            case CONFLICTING_END: {
                // After the genuine last fragment (so that the conflict is seen: end differs from the known end) and
                // before the final genuine arrival (so that the datagram never completes). Arriving earlier, the
                // conflicting fragment would itself be taken for the last one and could complete a forged datagram,
                // which no reassembler can tell from the real one.
                int lastAt = order.indexOf(n - 1);
                if (lastAt == n - 1) {
                    specs.add(n - 2, specs.remove(n - 1));
                    lastAt = n - 2;
                }
                Piece last = pieces.get(n - 1);
                int delta = last.length() > 1 && choice % 2 == 1 ? -1 : 8;
                specs.add(lastAt + 1 + choice % (n - 1 - lastAt),
                        new Spec(d, last.offset(), last.length() + delta, false, 0));
                return Damage.CONFLICTING_END;
            }
            case NONE:
            default:
                return Damage.NONE;
        }
    }

    /** Merges per-datagram arrivals: step k takes the next arrival of the ({@code choices[k] mod r})-th unfinished. */
    private static List<Spec> interleave(List<List<Spec>> perPlan, List<Integer> choices) {
        List<List<Spec>> active = new ArrayList<>();
        for (List<Spec> specs : perPlan) {
            if (!specs.isEmpty()) {
                active.add(new ArrayList<>(specs));
            }
        }
        List<Spec> all = new ArrayList<>();
        for (int k = 0; !active.isEmpty(); k++) {
            int c = (k < choices.size() ? choices.get(k) : 0) % active.size();
            List<Spec> next = active.get(c);
            all.add(next.remove(0));
            if (next.isEmpty()) {
                active.remove(c);
            }
        }
        return all;
    }

    private static int indexOf(List<TestDatagram> datagrams, IpPacket p) {
        for (int i = 0; i < datagrams.size(); i++) {
            TestDatagram d = datagrams.get(i);
            if (d.version == p.version() && d.identification == p.identification()) {
                return i;
            }
        }
        return fail("delivered a datagram that was never sent: " + p);
    }
}
