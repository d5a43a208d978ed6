package io.netfrag.flood;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netfrag.packet.IpPacket;
import io.netfrag.reassembly.CoalescePolicy;
import io.netfrag.reassembly.ReassemblyLimits;
import io.netfrag.stats.CounterSnapshot;
import io.netfrag.stats.DropReason;
import io.netfrag.stats.MibCounter;
import io.netfrag.testing.TestPackets;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The reassemblers under a fragment flood (FragmentSmack, CVE-2018-5391, and its kin): functional properties, with
 * default limits (high 4 MiB, low 3 MiB, Linux timeouts) and the default ADAPTIVE policy as well as COPY. No timing assertions: speed is
 * {@code perf/.../FloodBenchmark}'s job. Sizes are bounded so that the class runs in seconds.
 *
 * <h2>Why a legitimate datagram survives: the argument the assertions rest on</h2>
 * Eviction removes the <em>oldest</em> queues until pinned memory is at or below the low threshold, and only the
 * queue being inserted into is spared. A queue L is therefore evicted only if, at some eviction, pinned(L) + the pinned
 * bytes of all queues created after L exceed the low threshold (everything older is gone by then). Queues of one key
 * never coexist, so the queues newer than L are at most one per key touched since L was created. Hence:
 *
 * <pre>
 *   pinned(L) + (attack keys touched during L's lifetime) × (most a queue can pin)  ≤  low (3 MiB)
 *       ⇒  L is never evicted (and its first fragment is never refused: the table is at or below high after every
 *          packet, so a new queue can always be created).
 * </pre>
 *
 * <p>"Most a queue can pin" ({@link #MAX_QUEUE_PINNED}): the copy buffer (headroom + payload; a payload of at most the
 * larger of its data end and the previous datagram's length (size hint), or, when grown by doubling, up to the
 * protocol's maximum: 65,535 B for IPv6, 131,063 B for IPv4), the header copy, both coverage bitmaps (2 × 8 B per 512
 * payload bytes), the 128-byte queue charge and at most 17 held fragment buffers under ADAPTIVE (2 KiB receive
 * buffers here): below 192 KiB for either protocol. The FragmentSmack legs below keep the number of attack keys
 * touched during one legitimate datagram small (attack fragments come in bursts of {@value #BURST} per key), so the
 * bound holds with a wide margin and every legitimate datagram must complete. With a fresh key per attack fragment the
 * outcome depends on what an attack queue really pins: under COPY, and under ADAPTIVE for a tiny fragment in a big
 * receive buffer (copied on arrival), a copy buffer sized from the previous datagram, ~66 KiB for one 8-byte
 * fragment, while the table is below the low threshold; past it, a copy of the fragment's own bytes in the queue's
 * sparse store (the reassembler's pressure rule), so only the attack's first ~45 queues are big: see
 * {@link #freshKeyPerAttackFragment}. That is the regime with {@code ReassemblyLimits.minFragmentUnderPressure()} at 0;
 * with its default, past the low threshold a tiny fragment that would start a queue is refused instead, so the attack
 * holds fewer queues still, and both tests run both regimes.
 */
class FragmentFloodTest {
    /** Upper bound of what one queue pins in these tests (see the class comment). */
    static final long MAX_QUEUE_PINNED = 192 << 10;
    /** Attack fragments per attack key before the attacker moves to the next key (FragmentSmack floods each key). */
    static final int BURST = 32;
    /** UDP payload of a legitimate datagram: a 64 KB datagram, 53 IPv6 fragments of 1232 B or 44 IPv4 of 1480 B. */
    static final int LEGIT_PAYLOAD = 65_000;

    /** Fragment data bytes per full legitimate fragment: MTU 1280 for IPv6, 1500 for IPv4. */
    static int legitFragment(int version) {
        return version == 6 ? 1232 : 1480;
    }

    /** Legitimate datagram {@code i}: a UDP datagram with its own payload (seeded by i), same flow for all. */
    static byte[] legit(int version, int i) {
        byte[] payload = new byte[LEGIT_PAYLOAD];
        new SplittableRandom(i).nextBytes(payload);
        return TestPackets.udp(version, 40_000, 5_001, payload);
    }

    /**
     * The bytes attack fragments are cut from: a 64 KB UDP datagram from the legitimate flow's source ({@code same})
     * or from another host, to the legitimate destination. Only the addresses matter; the data is junk.
     */
    static byte[] attackSource(int version, boolean same) {
        byte[] junk = new byte[LEGIT_PAYLOAD];
        new SplittableRandom(99).nextBytes(junk);
        if (version == 6) {
            return TestPackets.udp6(same ? TestPackets.SRC : TestPackets.addr("fc00:66::1"), TestPackets.DST, 1, 2,
                    junk, 0);
        }
        return TestPackets.udp4(same ? 0x0ac80101 : 0x0ac86601, 0x0ac80102, 1, 2, junk, true);
    }

    /**
     * A FragmentSmack attacker (CVE-2018-5391): tiny fragments (8 data bytes, one in 4 of them 16 bytes) at random
     * 8-byte-aligned offsets in the first 16 KiB (so that bursts collide: duplicates and overlaps), M set (never a
     * last fragment), in bursts of {@code burst}
     * fragments per key (identification), alternately from the legitimate flow's own source and from another host.
     * An 8-byte fragment on received data is a duplicate; a 16-byte one that straddles two runs is an overlap and
     * discards the attack datagram (RFC 5722), after which the next fragment of the burst starts a new queue. Attack
     * identifications never equal a legitimate one (an attacker who knows a datagram's identification can always
     * kill it with one overlapping fragment: RFC 5722 by design, not a flood property).
     */
    static final class Attacker {
        final byte[][] sources;
        final int headerLength;
        final int maxBlock;
        final int burst;
        final SplittableRandom random;
        final int version;
        int id;
        int left;
        int source;
        long sent;
        long keys;

        Attacker(int version, int burst, long seed) {
            this.version = version;
            this.burst = burst;
            sources = new byte[][] {attackSource(version, true), attackSource(version, false)};
            headerLength = TestPackets.headerLength(version);
            maxBlock = 2047; // offsets 0 .. 16,376
            random = new SplittableRandom(seed);
            id = version == 6 ? 0x4000_0000 : 0x4000; // legitimate identifications are small
        }

        void send(FloodRig rig) {
            if (left == 0) {
                id++;
                if (version == 4 && id > 0xffff) {
                    id = 0x4000;
                }
                source ^= 1;
                left = burst;
                keys++;
            }
            left--;
            int offset = 8 * random.nextInt(maxBlock + 1);
            int length = random.nextInt(4) == 0 ? 16 : 8;
            rig.write(sources[source], offset, length, true, id);
            sent++;
        }
    }

    /** Sends legitimate datagram {@code i} in order, with {@code k} attack fragments after every fragment. */
    private static void legitWithAttack(FloodRig rig, Attacker attacker, byte[] packet, int id, int k) {
        int header = rig.headerLength();
        int fragmentable = packet.length - header;
        int size = legitFragment(rig.version);
        for (int off = 0; off < fragmentable; off += size) {
            int len = Math.min(size, fragmentable - off);
            boolean more = off + len < fragmentable;
            rig.write(packet, off, len, more, id);
            if (more) {
                assertNull(rig.poll(), "delivered before its last fragment");
            }
            for (int j = 0; j < k; j++) {
                attacker.send(rig);
            }
        }
    }

    /**
     * FragmentSmack within what the memory limit absorbs: every legitimate datagram completes byte-exact; pinned
     * memory stays at or below the high threshold (+ one packet of slack) after every packet; the attack fragments are
     * dropped and counted (DUPLICATE_FRAGMENT, OVERLAPPING_FRAGMENT + ReasmOverlaps, QUEUE_EVICTED / MEMORY_LIMIT /
     * FRAGMENT_TOO_FAR + ReasmFails, QUEUE_DISCARDED for what is left at the end); everything is released.
     *
     * <p>Attack rate k = 4 attack fragments per legitimate fragment: 4× the legitimate packet rate; in bits, IPv6
     * 4 × 58 B (56 or 64 B packets) per 1280-byte legitimate packet ≈ 18 % of the legitimate bit rate, IPv4 4 × 30 B
     * per 1500 B ≈ 8 %. The attack first gets a head start until the table has had to evict (its first ~45 queues get
     * a 64 KiB copy buffer each, as the table is below the low threshold then; past it, each further attack queue
     * keeps its bytes in its small sparse store and pins ~3 KiB, so this takes some 10,000 fragments); over 16
     * datagrams that is another ~3,400 attack fragments. During one legitimate datagram the attacker touches at most
     * ⌈52 × 4 / 32⌉ + 1 = 8 keys: 9 × 192 KiB ≈ 1.7 MiB ≤ 3 MiB, so by the class comment's argument no legitimate
     * datagram may be evicted.
     *
     * <p>{@code floor} is {@link ReassemblyLimits#minFragmentUnderPressure()}. With 0 every attack fragment may start
     * a queue and the attack fills the table until it evicts (the regime the argument above is about). With the
     * default (256 bytes) the attack fills the table to the low threshold, and from then on its fragments that would
     * start a queue are refused (TINY_FRAGMENT_UNDER_PRESSURE + ReasmFails) while the ones for its live queues are
     * still taken; fewer attack queues only strengthen the argument.
     */
    @ParameterizedTest(name = "IPv{0} {1} k={2} time step {3} ns floor {4}")
    @CsvSource({"6,ADAPTIVE,4,0,0", "6,COPY,4,0,0", "4,ADAPTIVE,4,0,0", "4,COPY,4,0,0", "6,ADAPTIVE,1,0,0",
        "4,COPY,1,0,0", "6,ADAPTIVE,4,1000,0", "4,ADAPTIVE,4,1000,0",
        "6,ADAPTIVE,4,0,256", "6,COPY,4,0,256", "4,ADAPTIVE,4,0,256", "4,COPY,4,0,256", "6,ADAPTIVE,4,1000,256"})
    void fragmentSmackNeverCostsALegitimateDatagram(int version, CoalescePolicy policy, int k, long timeStepNanos,
            int floor) {
        int datagrams = 16;
        int fragments = (legit(version, 0).length - TestPackets.headerLength(version) + legitFragment(version) - 1)
                / legitFragment(version);
        long keysPerLifetime = ((long) (fragments - 1) * k + BURST - 1) / BURST + 1;
        assertTrue(MAX_QUEUE_PINNED * (keysPerLifetime + 1) <= FloodRig.LOW, "the survival bound must hold");
        Attacker attacker = new Attacker(version, BURST, 7);
        try (FloodRig rig = new FloodRig(version, policy, timeStepNanos, floor)) {
            // a stream is running (its size hint is 64 KB) when the attack starts; the attack gets a head start until
            // it has filled the table and caused an eviction (floor 0) or a refusal (the default floor), so the table
            // is at its limits when the measured legitimate datagrams begin
            byte[] warmUp = legit(version, 0);
            legitWithAttack(rig, attacker, warmUp, 0x1000, 0);
            rig.expectDelivered(warmUp, 0x1000, "warm-up datagram");
            DropReason filled = floor == 0 ? DropReason.QUEUE_EVICTED : DropReason.TINY_FRAGMENT_UNDER_PRESSURE;
            while (rig.reassembler.stats().drops(filled) == 0) {
                assertTrue(attacker.sent < 100_000, "the attack alone must fill the table");
                attacker.send(rig);
            }
            for (int d = 1; d <= datagrams; d++) {
                byte[] packet = legit(version, d);
                legitWithAttack(rig, attacker, packet, d, k);
                rig.expectDelivered(packet, d, "legitimate datagram " + d);
            }
            assertNull(rig.poll(), "attack fragments never deliver anything");
            CounterSnapshot s = rig.reassembler.stats();
            long legitFragments = (long) (datagrams + 1) * fragments;
            assertEquals(legitFragments + attacker.sent, s.get(MibCounter.REASM_REQDS), s.toString());
            assertEquals(datagrams + 1, s.get(MibCounter.REASM_OKS), s.toString());
            assertTrue(s.drops(DropReason.DUPLICATE_FRAGMENT) > 0, s.toString());
            assertTrue(s.drops(DropReason.OVERLAPPING_FRAGMENT) > 0, s.toString());
            assertEquals(s.drops(DropReason.OVERLAPPING_FRAGMENT), s.get(MibCounter.REASM_OVERLAPS), s.toString());
            // every failure is counted under exactly one reason (no timeouts: at most ~10 ms pass)
            assertEquals(s.get(MibCounter.REASM_FAILS), s.drops(DropReason.OVERLAPPING_FRAGMENT)
                    + s.drops(DropReason.QUEUE_EVICTED) + s.drops(DropReason.MEMORY_LIMIT)
                    + s.drops(DropReason.FRAGMENT_TOO_FAR) + s.drops(DropReason.INVALID_FRAGMENT)
                    + s.drops(DropReason.TINY_FRAGMENT_UNDER_PRESSURE), s.toString());
            if (floor == 0) {
                assertTrue(s.drops(DropReason.QUEUE_EVICTED) > 0, s.toString());
                assertEquals(0, s.drops(DropReason.TINY_FRAGMENT_UNDER_PRESSURE), s.toString());
            } else {
                // every legitimate fragment carries more than the floor: only attack fragments are refused
                assertTrue(s.drops(DropReason.TINY_FRAGMENT_UNDER_PRESSURE) > attacker.sent / 4, s.toString());
            }
            assertTrue(rig.peakPinned > FloodRig.LOW, "the attack filled the table: " + rig.peakPinned);
            int left = rig.reassembler.queueCount();
            rig.close();
            assertEquals(left, rig.reassembler.stats().drops(DropReason.QUEUE_DISCARDED));
            System.out.printf("FragmentSmack IPv%d %s k=%d step %d ns floor %d: %d legit + %d attack fragments on %d"
                    + " keys, peak pinned %d B, %s%n", version, policy, k, timeStepNanos, floor, legitFragments,
                    attacker.sent, attacker.keys, rig.peakPinned, rig.reassembler.stats());
        }
    }

    /**
     * The worst case for oldest-first eviction: a fresh key for every attack fragment ({@code burst} 1), k per
     * legitimate fragment. A legitimate datagram of n fragments then sees (n − 1)·k attack queues created during its
     * life, so it is guaranteed to survive when pinned(L) + (n − 1)·k × (what an attack queue pins) ≤ low; beyond that
     * eviction of legitimate datagrams happens by design (Linux behaves the same way; its per-queue charge is the
     * skb truesize). This test checks the invariants in both regimes, asserts delivery datagram by datagram where the
     * argument holds with {@link #MAX_QUEUE_PINNED}, and that every datagram was delivered in the end in all rows
     * (see the comment at that assertion).
     *
     * <p>{@code floor} is {@link ReassemblyLimits#minFragmentUnderPressure()}: with 0 every attack fragment gets a
     * queue and the oldest are evicted (the regime described above); with the default the attack's queues stop at the
     * low threshold and every later attack fragment is refused, counted, and evicts nothing.
     */
    @ParameterizedTest(name = "IPv{0} {1} payload={2} k={3} floor {4}")
    @CsvSource({
        "6,ADAPTIVE,8000,2,0", "6,COPY,8000,2,0", "4,COPY,8000,2,0",
        "6,ADAPTIVE,65000,1,0", "6,COPY,65000,1,0", "4,ADAPTIVE,65000,1,0", "4,COPY,65000,1,0",
        "6,ADAPTIVE,8000,2,256", "4,COPY,8000,2,256", "6,ADAPTIVE,65000,1,256", "4,ADAPTIVE,65000,1,256"})
    void freshKeyPerAttackFragment(int version, CoalescePolicy policy, int payloadBytes, int k, int floor) {
        int datagrams = 30;
        byte[] first = TestPackets.udp(version, 40_000, 5_001, new byte[payloadBytes]);
        int fragments = (first.length - TestPackets.headerLength(version) + legitFragment(version) - 1)
                / legitFragment(version);
        boolean guaranteed = MAX_QUEUE_PINNED * ((long) (fragments - 1) * k + 1) <= FloodRig.LOW;
        Attacker attacker = new Attacker(version, 1, 11);
        int delivered = 0;
        try (FloodRig rig = new FloodRig(version, policy, 0, floor)) {
            for (int i = 0; i < 2_000; i++) {
                attacker.send(rig);
            }
            for (int d = 1; d <= datagrams; d++) {
                byte[] payload = new byte[payloadBytes];
                new SplittableRandom(d).nextBytes(payload);
                byte[] packet = TestPackets.udp(version, 40_000, 5_001, payload);
                legitWithAttack(rig, attacker, packet, d, k);
                if (guaranteed) {
                    rig.expectDelivered(packet, d, "legitimate datagram " + d);
                    delivered++;
                } else {
                    Object p = rig.poll();
                    if (p != null) {
                        // whatever is delivered is the right datagram, byte for byte
                        IpPacket ip = (IpPacket) p;
                        try {
                            assertArrayEquals(rig.asSent(packet, d), TestPackets.bytes(ip.content()));
                        } finally {
                            ip.release();
                        }
                        delivered++;
                    }
                }
            }
            assertNull(rig.poll());
            CounterSnapshot s = rig.reassembler.stats();
            assertEquals(delivered, s.get(MibCounter.REASM_OKS), s.toString());
            // Beyond the argued bound too: once the table is past the low threshold, a fresh key's tiny fragment gets
            // a copy of its own bytes instead of a datagram-sized copy buffer, so an attack queue pins a few KiB and
            // the oldest-first eviction takes the attack's early, big queues first. Deterministic (seeded attacker,
            // frozen clock): every legitimate datagram completes in every row (before that change: 21 of 30 for
            // 64 KB IPv6 datagrams at k = 1).
            assertEquals(datagrams, delivered, s.toString());
            long refused = s.drops(DropReason.TINY_FRAGMENT_UNDER_PRESSURE);
            if (floor == 0) {
                assertEquals(0, refused, s.toString());
                assertTrue(s.drops(DropReason.QUEUE_EVICTED) > 0, s.toString());
            } else {
                // the attack filled the table to the low threshold; every attack fragment after that was refused
                // (each is on a fresh key), and evicted nothing: only the legitimate datagrams' own growth can push
                // the table over the high threshold
                assertTrue(refused > attacker.sent / 2, s.toString());
                assertTrue(rig.peakPinned > FloodRig.LOW, "the attack filled the table: " + rig.peakPinned);
                assertEquals(attacker.sent, refused + rig.reassembler.queueCount()
                        + s.drops(DropReason.QUEUE_EVICTED) + s.drops(DropReason.MEMORY_LIMIT), s.toString());
            }
            rig.close();
            System.out.printf("fresh-key flood IPv%d %s %d B k=%d floor %d (%d fragments, bound %s): delivered %d/%d,"
                    + " peak pinned %d B, %s%n", version, policy, payloadBytes, k, floor, fragments,
                    guaranteed ? "holds" : "does not hold", delivered, datagrams, rig.peakPinned,
                    rig.reassembler.stats());
        }
    }

    /**
     * Stale-fragment flood (the seed's pathology): first fragments of datagrams that never complete, on many keys,
     * fill the table; afterwards a stream of new legitimate datagrams, with one more stale first fragment after every
     * fourth legitimate fragment, keeps being delivered, every one of them (during one legitimate datagram at most
     * ⌈53 / 4⌉ = 14 stale queues are created: 15 × 192 KiB ≤ 3 MiB). Every stale datagram is counted once: evicted
     * (QUEUE_EVICTED + ReasmFails), refused at creation (MEMORY_LIMIT + ReasmFails) or left at the end and discarded
     * at handler removal (QUEUE_DISCARDED). Pinned ≤ high after every packet.
     */
    @ParameterizedTest(name = "IPv{0} {1} time step {2} ns")
    @CsvSource({"6,ADAPTIVE,0", "6,COPY,0", "4,ADAPTIVE,0", "4,COPY,0", "6,ADAPTIVE,1000"})
    void staleFirstFragmentsAreEvictedAndNewDatagramsKeepCompleting(int version, CoalescePolicy policy,
            long timeStepNanos) {
        int size = legitFragment(version);
        byte[] stale = attackSource(version, false);
        int staleId = version == 6 ? 0x4000_0000 : 0x4000;
        long staleSent = 0;
        int datagrams = 20;
        try (FloodRig rig = new FloodRig(version, policy, timeStepNanos)) {
            // one legitimate datagram first: the stream's size hint is then 64 KB, as in a real stream
            byte[] packet = legit(version, 0);
            legitWithAttack(rig, null, packet, 1, 0);
            rig.expectDelivered(packet, 1, "first datagram");
            // ~4.3 KiB per stale queue while ADAPTIVE holds its 2 KiB buffer, ~66 KiB once copied (COPY at once,
            // ADAPTIVE when stalled): 1,500 are more than 4 MiB either way
            int fill = 1_500;
            for (int i = 0; i < fill; i++) {
                rig.write(stale, 0, size, true, staleId++);
                staleSent++;
            }
            assertTrue(rig.reassembler.stats().drops(DropReason.QUEUE_EVICTED) > 0, "the table was filled");
            int fragmentable = packet.length - rig.headerLength();
            for (int d = 2; d <= datagrams + 1; d++) {
                packet = legit(version, d);
                int n = 0;
                for (int off = 0; off < fragmentable; off += size) {
                    int len = Math.min(size, fragmentable - off);
                    rig.write(packet, off, len, off + len < fragmentable, d);
                    if (++n % 4 == 0) {
                        rig.write(stale, 0, size, true, staleId++);
                        staleSent++;
                    }
                }
                rig.expectDelivered(packet, d, "legitimate datagram " + d);
            }
            CounterSnapshot s = rig.reassembler.stats();
            assertEquals(datagrams + 1, s.get(MibCounter.REASM_OKS), s.toString());
            assertEquals(s.get(MibCounter.REASM_FAILS),
                    s.drops(DropReason.QUEUE_EVICTED) + s.drops(DropReason.MEMORY_LIMIT), s.toString());
            int left = rig.reassembler.queueCount();
            rig.close();
            s = rig.reassembler.stats();
            assertEquals(staleSent, s.drops(DropReason.QUEUE_EVICTED) + s.drops(DropReason.MEMORY_LIMIT)
                    + s.drops(DropReason.QUEUE_DISCARDED), s.toString());
            assertEquals(left, s.drops(DropReason.QUEUE_DISCARDED), s.toString());
            System.out.printf("stale flood IPv%d %s: %d stale first fragments, peak pinned %d B, %s%n", version,
                    policy, staleSent, rig.peakPinned, s);
        }
    }

    /**
     * ADAPTIVE stall coalescing under a stale flood: after a 64 KB datagram (size hint 64 KB), stale first fragments
     * are held in their 2 KiB receive buffers (~4.3 KiB per queue) until the queue counts as stalled (1 ms, or 64
     * fragments of other datagrams); then its held fragments are copied into a copy buffer sized from the hint
     * (~64 KiB) by {@code ReassemblyTable.coalesceStalled}. That used to be charged without any eviction check:
     * with 116 queues, 64 of them holding, 3,768,768 B pinned became 7,800,768 B (1.86 × high) after the 1 ms timer
     * with no packet arriving. {@code coalesceStalled} now evicts down to the low threshold when its copies cross
     * the high one: pinned memory must stay at or below the high threshold.
     */
    @Test
    void adaptiveStallCoalescingKeepsPinnedUnderTheHighThreshold() {
        int version = 6;
        try (FloodRig rig = new FloodRig(version, CoalescePolicy.ADAPTIVE, 0)) {
            byte[] packet = legit(version, 0);
            legitWithAttack(rig, null, packet, 1, 0);
            rig.expectDelivered(packet, 1, "first datagram");
            byte[] stale = attackSource(version, false);
            for (int id = 0; id < 1_000; id++) {
                rig.write(stale, 0, 1232, true, 0x4000_0000 + id);
            }
            rig.ch.advanceTimeBy(1, TimeUnit.MILLISECONDS);
            rig.ch.runPendingTasks(); // the reassembler's timer: coalesceStalled
            long pinned = rig.reassembler.pinnedBytes();
            assertTrue(pinned <= FloodRig.HIGH, "pinned " + pinned + " B after stall coalescing, high "
                    + FloodRig.HIGH + " B, " + rig.reassembler.queueCount() + " queues");
        }
    }
}
