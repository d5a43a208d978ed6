package io.netfrag.property;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netfrag.internal.reassembly.AbstractReassembler;
import io.netfrag.internal.wire.IpProtocols;
import io.netfrag.packet.IpPacket;
import io.netfrag.property.Rig.Buffers;
import io.netfrag.property.Rig.Spec;
import io.netfrag.property.TestDatagram.Ipv4Options;
import io.netfrag.property.TestDatagram.Ipv6Headers;
import io.netfrag.testkit.Fragmenter.LaterOptions;
import io.netfrag.testkit.Fragmenter.Piece;
import io.netfrag.reassembly.CoalescePolicy;
import io.netfrag.stats.CounterSnapshot;
import io.netfrag.stats.DropReason;
import io.netfrag.stats.MibCounter;
import io.netfrag.testing.TestPackets;
import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * For random UDP datagrams over IPv6 (with and without unfragmentable and fragmentable
 * extension headers) and IPv4 (with and without options, carried in three legal ways by later fragments), random legal
 * fragmentation (any sizes that are multiples of 8, not only Linux's geometry; the first fragment holding the header
 * chain through UDP, RFC 7112), every coalesce policy, every arrival order, exact duplicates before completion, three
 * kinds of receive buffers and pauses around the adaptive hold time: exactly one datagram is delivered, byte for byte
 * the original packet (the Fragment header removed and the payload length restored for IPv6; total length, flags and
 * checksum restored for IPv4, options as in the first fragment), and only on the last arrival; ReasmOKs = 1,
 * ReasmReqds = fragments received (duplicates included), duplicates counted, no failure; nothing stays pinned or
 * queued; every input buffer is released once the datagram is.
 */
class RoundTripPropertyTest {

    @Provide
    Arbitrary<Ipv6Headers> ipv6Headers() {
        return Generators.ipv6Headers();
    }

    @Provide
    Arbitrary<Ipv4Options> ipv4Options() {
        return Generators.ipv4Options();
    }

    @Provide
    Arbitrary<Integer> payloadLengths() {
        return Generators.payloadLengths();
    }

    /** Up to 2 KiB per fragment, so that datagrams of more than 17 fragments (the component budget) are common. */
    @Provide
    Arbitrary<List<Integer>> blocks() {
        return Generators.blocks(1, 256, 48);
    }

    @Provide
    Arbitrary<List<Integer>> orders() {
        return Generators.orderCodes();
    }

    @Provide
    Arbitrary<List<Integer>> duplicates() {
        return Generators.duplicates(8);
    }

    @Provide
    Arbitrary<List<Long>> pauses() {
        return Generators.pauses();
    }

    @Property(tries = 400)
    void ipv6DatagramsArriveWholeAndOnce(@ForAll("ipv6Headers") Ipv6Headers headers,
            @ForAll("payloadLengths") int payloadLength, @ForAll("blocks") List<Integer> blocks,
            @ForAll CoalescePolicy policy, @ForAll("orders") List<Integer> order,
            @ForAll("duplicates") List<Integer> duplicates, @ForAll Buffers buffers,
            @ForAll("pauses") List<Long> pauses) {
        roundTrip(TestDatagram.ipv6(headers, payloadLength, 0x2a2a0001, 0), blocks, policy, order, duplicates,
                buffers, pauses);
    }

    @Property(tries = 400)
    void ipv4DatagramsArriveWholeAndOnce(@ForAll("ipv4Options") Ipv4Options options,
            @ForAll("payloadLengths") int payloadLength, @ForAll("blocks") List<Integer> blocks,
            @ForAll CoalescePolicy policy, @ForAll("orders") List<Integer> order,
            @ForAll("duplicates") List<Integer> duplicates, @ForAll Buffers buffers,
            @ForAll("pauses") List<Long> pauses) {
        roundTrip(TestDatagram.ipv4(options, payloadLength, 0x4242, 0), blocks, policy, order, duplicates, buffers,
                pauses);
    }

    /** The largest IPv6 datagram with every extension header, 8-byte fragments then one big last one, shuffled. */
    @Example
    void largestIpv6DatagramWithEveryExtensionHeaderInSmallFragmentsShuffled() {
        Ipv6Headers all = new Ipv6Headers(2, 2, 2, 2);
        roundTrip(TestDatagram.ipv6(all, 65535, 7, 0), List.of(1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1),
                CoalescePolicy.COMPOSITE, List.of(1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000,
                        1000, 1000, 1000, 1000, 1000, 1000), List.of(0, 5, 9), Buffers.BATCH, List.of());
    }

    /** A 1-byte IPv4 payload: a 8-byte first fragment (the UDP header) and a 1-byte last one, shorter later header. */
    @Example
    void oneByteIpv4PayloadWithOptionsInTwoFragments() {
        for (CoalescePolicy policy : CoalescePolicy.values()) {
            roundTrip(TestDatagram.ipv4(new Ipv4Options(10, LaterOptions.COPIED_ONLY), 1, 9, 0), List.of(1), policy,
                    List.of(1), List.of(0, 0), Buffers.NIC, List.of());
        }
    }

    /** More than the component budget (17) of fragments, stalled past the adaptive hold time half-way. */
    @Example
    void adaptiveStallHalfWayThroughManyFragments() {
        List<Integer> blocks = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            blocks.add(29);
        }
        List<Long> pauses = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            pauses.add(i == 20 ? 1_000_000L : 0L);
        }
        roundTrip(TestDatagram.ipv6(Ipv6Headers.NONE, 20000, 11, 0), blocks, CoalescePolicy.ADAPTIVE, List.of(3, 1),
                List.of(), Buffers.OWN, pauses);
    }

    /** RFC 6946: an atomic fragment (offset 0, M clear) is delivered as it is, Fragment header included. */
    @Example
    void atomicIpv6FragmentIsDeliveredAsIs() {
        try (Rig rig = Rig.withRoom(CoalescePolicy.ADAPTIVE)) {
            TestDatagram d = TestDatagram.ipv6(new Ipv6Headers(0, -1, -1, 1), 100, 3, 0);
            List<ByteBuf> f = rig.prepare(List.of(new Spec(d, 0, d.fragmentableLength(), false, 0)), Buffers.OWN);
            byte[] sent = TestPackets.bytes(f.get(0));
            rig.send(f.get(0));
            List<IpPacket> out = rig.deliveries();
            assertEquals(1, out.size());
            assertArrayEquals(sent, TestPackets.bytes(out.get(0).content()));
            assertEquals(1, rig.v6.stats().get(MibCounter.REASM_OKS));
            assertEquals(0, rig.queueCount());
        }
    }

    static void roundTrip(TestDatagram d, List<Integer> blocks, CoalescePolicy policy, List<Integer> orderCodes,
            List<Integer> duplicateChoices, Buffers buffers, List<Long> pauses) {
        List<Piece> pieces = Fragmentation.split(d.fragmentableLength(), d.minFirstFragment, blocks);
        List<Integer> arrivals = Fragmentation.withDuplicates(Fragmentation.order(pieces.size(), orderCodes),
                duplicateChoices);
        String scenario = d + ", " + policy + ", " + buffers + ", arrivals " + Fragmentation.describe(pieces, arrivals);
        try (Rig rig = Rig.withRoom(policy)) {
            List<Spec> specs = new ArrayList<>();
            for (int i : arrivals) {
                specs.add(new Spec(d, pieces.get(i)));
            }
            List<ByteBuf> fragments = rig.prepare(specs, buffers);
            AbstractReassembler<?> r = rig.reassembler(d.version);
            for (int k = 0; k < fragments.size(); k++) {
                long pause = k < pauses.size() ? pauses.get(k) : 0;
                if (pause > 0) {
                    rig.advance(pause);
                }
                rig.send(fragments.get(k));
                List<IpPacket> out = rig.deliveries();
                if (k < fragments.size() - 1) {
                    assertTrue(out.isEmpty(), "delivered before the last arrival (after " + (k + 1) + "): "
                            + scenario);
                    assertTrue(rig.pinnedBytes() > 0, "nothing pinned while a datagram is in flight: " + scenario);
                    assertEquals(1, rig.queueCount(), scenario);
                } else {
                    assertEquals(1, out.size(), "deliveries on the last arrival: " + scenario);
                    checkDelivered(d, out.get(0), scenario);
                }
            }
            CounterSnapshot s = r.stats();
            int duplicates = arrivals.size() - pieces.size();
            assertEquals(1, s.get(MibCounter.REASM_OKS), scenario);
            assertEquals(arrivals.size(), s.get(MibCounter.REASM_REQDS), scenario);
            assertEquals(duplicates, s.drops(DropReason.DUPLICATE_FRAGMENT), scenario);
            assertEquals(0, s.get(MibCounter.REASM_FAILS), scenario);
            assertEquals(0, s.get(MibCounter.REASM_OVERLAPS), scenario);
            assertEquals(0, s.totalDrops() - duplicates, "drops " + s + ": " + scenario);
            assertEquals(0, rig.pinnedBytes(), "pinned after completion: " + scenario);
            assertEquals(0, rig.queueCount(), scenario);
            assertEquals(0, r.heldBuffers(), scenario);
            assertEquals(0, rig.reassembler(10 - d.version).stats().get(MibCounter.REASM_REQDS),
                    "the other family's reassembler saw fragments: " + scenario);
        }
    }

    /** The delivered packet is the original datagram, byte for byte, marked reassembled, with its UDP header found. */
    static void checkDelivered(TestDatagram d, IpPacket p, String scenario) {
        // one bulk read: per-byte access to a paranoid leak-aware buffer records a stack trace per call
        assertArrayEquals(d.packet, TestPackets.bytes(p.content()), "delivered bytes: " + scenario);
        assertTrue(p.reassembled(), scenario);
        assertFalse(p.isFragment(), scenario);
        assertEquals(IpProtocols.UDP, p.protocol(), scenario);
        assertEquals(d.upperOffset, p.upperOffset(), scenario);
        assertEquals(d.version, p.version(), scenario);
    }
}
