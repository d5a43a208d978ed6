package io.netfrag.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netfrag.internal.wire.Ipv4Header;
import io.netfrag.internal.wire.Ipv6FragmentHeader;
import io.netfrag.internal.wire.Ipv6Header;
import io.netfrag.testkit.Impairments.Order;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Impairments: orders, statistics against the configured probabilities, reproducibility, ownership, overlaps. */
class ImpairmentsTest {
    /** Untracked (the statistics tests handle ~10^6 buffers); release is checked through refCnt. */
    private static final ByteBufAllocator UNTRACKED = new UnpooledByteBufAllocator(false, true);
    private static final ByteBufAllocator TRACKED = UnpooledByteBufAllocator.DEFAULT;

    /** n marker buffers holding their own index. */
    private static List<ByteBuf> markers(ByteBufAllocator alloc, int n) {
        List<ByteBuf> list = new ArrayList<>();
        for (int k = 0; k < n; k++) {
            list.add(alloc.buffer(4).writeInt(k));
        }
        return list;
    }

    private static List<Integer> run(Impairments impairments, int n) {
        List<ByteBuf> in = markers(TRACKED, n);
        List<ByteBuf> all = new ArrayList<>(in);
        List<Integer> order = new ArrayList<>();
        int sent = impairments.apply(in, f -> {
            order.add(f.getInt(0));
            f.release();
        });
        assertEquals(order.size(), sent);
        assertTrue(in.isEmpty(), "list cleared");
        all.forEach(b -> assertEquals(0, b.refCnt()));
        return order;
    }

    @Test
    void orders() {
        assertEquals(List.of(0, 1, 2, 3, 4), run(Impairments.none(), 5));
        assertTrue(Impairments.none().passThrough());
        assertEquals(List.of(4, 3, 2, 1, 0), run(Impairments.builder().order(Order.REVERSED).build(), 5));
        Impairments shuffled = Impairments.builder().order(Order.SHUFFLED).seed(3).build();
        int identity = 0;
        for (int i = 0; i < 100; i++) {
            List<Integer> o = run(shuffled, 6);
            assertEquals(Set.of(0, 1, 2, 3, 4, 5), new HashSet<>(o));
            assertEquals(6, o.size());
            identity += o.equals(List.of(0, 1, 2, 3, 4, 5)) ? 1 : 0;
        }
        assertTrue(identity < 5, "shuffled left " + identity + " of 100 in order");
        assertEquals(List.of(0), run(Impairments.builder().order(Order.SHUFFLED).build(), 1));
        assertEquals(List.of(), run(Impairments.builder().order(Order.SHUFFLED).build(), 0));
    }

    @Test
    void sameSeedSameDamage() {
        for (int i = 0; i < 50; i++) {
            Impairments a = Impairments.builder().seed(i).order(Order.SHUFFLED).reorder(0.2).loss(0.1).duplicate(0.1)
                    .build();
            Impairments b = Impairments.builder().seed(i).order(Order.SHUFFLED).reorder(0.2).loss(0.1).duplicate(0.1)
                    .build();
            for (int d = 0; d < 5; d++) {
                assertEquals(run(a, 9), run(b, 9));
            }
            assertEquals(a.stats(), b.stats());
        }
        List<Integer> one = run(Impairments.builder().seed(1).order(Order.SHUFFLED).build(), 20);
        List<Integer> two = run(Impairments.builder().seed(2).order(Order.SHUFFLED).build(), 20);
        assertNotEquals(one, two);
    }

    /** 40,000 datagrams of 1..16 fragments: every count within 5 standard deviations of its expectation. */
    @ParameterizedTest(name = "order {0}")
    @ValueSource(strings = {"IN_ORDER", "SHUFFLED"})
    void statisticsMatchTheProbabilities(String orderName) {
        double loss = 0.05;
        double dup = 0.03;
        double reorder = 0.1;
        Impairments impairments = Impairments.builder().seed(11).order(Order.valueOf(orderName)).loss(loss)
                .duplicate(dup).reorder(reorder).build();
        int datagrams = 40_000;
        long fragments = 0;
        long positions = 0;
        double expectedCompletable = 0;
        long completable = 0;
        long received = 0;
        List<ByteBuf> in = new ArrayList<>();
        List<ByteBuf> all = new ArrayList<>();
        int[] seen = new int[16];
        for (int d = 0; d < datagrams; d++) {
            int n = 1 + d % 16;
            in.addAll(markers(UNTRACKED, n));
            all.addAll(in);
            fragments += n;
            positions += n - 1;
            expectedCompletable += Math.pow(1 - loss, n);
            java.util.Arrays.fill(seen, 0);
            int[] got = {0};
            impairments.apply(in, f -> {
                seen[f.getInt(0)]++;
                got[0]++;
                f.release();
            });
            received += got[0];
            boolean complete = true;
            for (int k = 0; k < n; k++) {
                complete &= seen[k] > 0;
                assertTrue(seen[k] <= 2, "at most one duplicate");
            }
            assertEquals(complete, impairments.lastCompletable());
            completable += complete ? 1 : 0;
            if (d % 1000 == 999) {
                all.forEach(b -> assertEquals(0, b.refCnt()));
                all.clear();
            }
        }
        Impairments.Stats s = impairments.stats();
        assertEquals(datagrams, s.datagrams());
        assertEquals(fragments, s.fragments());
        assertEquals(received, s.fragmentsSent());
        assertEquals(completable, s.completableDatagrams());
        assertEquals(s.fragments() - s.fragmentsDropped() + s.fragmentsDuplicated(), s.fragmentsSent());
        assertEquals(0, s.overlapsInjected());
        within(s.fragmentsDropped(), fragments, loss, "lost");
        within(s.fragmentsDuplicated(), fragments - s.fragmentsDropped(), dup, "duplicated");
        within(s.fragmentsReordered(), positions, reorder, "reordered");
        double sd = Math.sqrt(expectedCompletable);
        assertTrue(Math.abs(completable - expectedCompletable) < 5 * sd,
                "completable " + completable + " expected " + expectedCompletable);
    }

    private static void within(long observed, long trials, double p, String what) {
        double expected = trials * p;
        double sd = Math.sqrt(trials * p * (1 - p));
        assertTrue(Math.abs(observed - expected) < 5 * sd,
                what + ": " + observed + " of " + trials + ", expected " + expected + " ± " + 5 * sd);
    }

    @Test
    void consumerFailureReleasesTheRest() {
        Impairments impairments = Impairments.builder().seed(5).order(Order.SHUFFLED).duplicate(0.5).build();
        List<ByteBuf> in = markers(TRACKED, 10);
        List<ByteBuf> all = new ArrayList<>(in);
        List<ByteBuf> got = new ArrayList<>();
        assertThrows(IllegalStateException.class, () -> impairments.apply(in, f -> {
            got.add(f);
            if (got.size() == 4) {
                throw new IllegalStateException("full");
            }
        }));
        assertTrue(in.isEmpty());
        got.forEach(ByteBuf::release);
        all.forEach(b -> assertEquals(0, b.refCnt()));
    }

    @Test
    void passThroughFailureReleasesTheRest() {
        List<ByteBuf> in = markers(TRACKED, 5);
        List<ByteBuf> all = new ArrayList<>(in);
        List<ByteBuf> got = new ArrayList<>();
        assertThrows(IllegalStateException.class, () -> Impairments.none().apply(in, f -> {
            got.add(f);
            throw new IllegalStateException("full");
        }));
        got.forEach(ByteBuf::release);
        all.forEach(b -> assertEquals(0, b.refCnt()));
    }

    /**
     * The injected fragment starts 8 bytes into a fragment i, ends 8 bytes into i + 1, carries the original bytes and
     * is sent directly before i; the datagram gets no duplicates and is not completable.
     */
    @ParameterizedTest(name = "IPv{0}")
    @ValueSource(ints = {6, 4})
    void overlapGeometry(int version) {
        ByteBuf packet = FragmenterTest.packet(version, 6000);
        int header = version == 6 ? 48 : 20;
        Impairments impairments = Impairments.builder().seed(1).order(Order.SHUFFLED).overlap(1).duplicate(1)
                .build();
        for (int round = 0; round < 50; round++) {
            List<ByteBuf> fragments = new Fragmenter(round).fragment(packet, 1280, TRACKED);
            int n = fragments.size();
            List<ByteBuf> all = new ArrayList<>(fragments);
            List<ByteBuf> out = new ArrayList<>();
            assertEquals(n + 1, impairments.apply(fragments, out::add));
            assertFalse(impairments.lastCompletable());
            int injected = -1;
            for (int k = 0; k < out.size(); k++) {
                ByteBuf candidate = out.get(k);
                if (all.stream().noneMatch(b -> b == candidate)) {
                    assertEquals(-1, injected, "one injected fragment");
                    injected = k;
                }
            }
            ByteBuf o = out.get(injected);
            ByteBuf next = out.get(injected + 1);
            int offset = offset(o);
            assertEquals(offset(next) + 8, offset, "starts 8 bytes into the fragment sent after it");
            int length = o.readableBytes() - header;
            int nextLength = next.readableBytes() - header;
            int datagramEnd = packet.readableBytes() - (version == 6 ? 40 : 20);
            assertEquals(Math.min(offset + nextLength, datagramEnd), offset + length, "ends 8 bytes after it");
            assertEquals(offset + length < datagramEnd, more(o));
            assertTrue(o.slice(header, length).equals(packet.slice((version == 6 ? 40 : 20) + offset, length)),
                    "original bytes");
            if (version == 4) {
                assertTrue(Ipv4Header.checksumValid(o, 0, 20));
                assertEquals(o.readableBytes(), Ipv4Header.totalLength(o, 0));
            } else {
                assertEquals(o.readableBytes() - 40, Ipv6Header.payloadLength(o, 0));
            }
            out.forEach(ByteBuf::release);
            all.forEach(b -> assertEquals(0, b.refCnt()));
        }
        Impairments.Stats s = impairments.stats();
        assertEquals(50, s.overlapsInjected());
        assertEquals(0, s.fragmentsDuplicated(), "no duplicates in an overlapped datagram");
        assertEquals(0, s.completableDatagrams());
        packet.release();
    }

    @Test
    void overlapNeedsTwoFragments() {
        ByteBuf packet = FragmenterTest.packet(6, 100);
        Impairments impairments = Impairments.builder().overlap(1).build();
        List<ByteBuf> fragments = new Fragmenter().fragment(packet, 1280, TRACKED);
        List<ByteBuf> out = new ArrayList<>();
        assertEquals(1, impairments.apply(fragments, out::add));
        assertTrue(impairments.lastCompletable());
        assertEquals(0, impairments.stats().overlapsInjected());
        out.forEach(ByteBuf::release);
        packet.release();
    }

    @Test
    void probabilitiesAreChecked() {
        assertThrows(IllegalArgumentException.class, () -> Impairments.builder().loss(-0.1));
        assertThrows(IllegalArgumentException.class, () -> Impairments.builder().duplicate(1.5));
        assertThrows(IllegalArgumentException.class, () -> Impairments.builder().reorder(Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> Impairments.builder().overlap(2));
    }

    private static int offset(ByteBuf f) {
        return f.getUnsignedByte(0) >>> 4 == 6 ? Ipv6FragmentHeader.offsetBytes(f, 40) : Ipv4Header.offsetBytes(f, 0);
    }

    private static boolean more(ByteBuf f) {
        return f.getUnsignedByte(0) >>> 4 == 6 ? Ipv6FragmentHeader.moreFragments(f, 40)
                : Ipv4Header.moreFragments(f, 0);
    }
}
