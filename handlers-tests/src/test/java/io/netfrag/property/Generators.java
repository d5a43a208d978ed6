package io.netfrag.property;

import io.netfrag.property.TestDatagram.Ipv4Options;
import io.netfrag.property.TestDatagram.Ipv6Headers;
import io.netfrag.testkit.Fragmenter.LaterOptions;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.RandomDistribution;
import net.jqwik.api.Tuple;

/**
 * Arbitraries shared by the reassembly properties: header shapes, payload lengths with the edge sizes, fragment sizes
 * in 8-byte blocks, Lehmer-style order codes and duplicate choices. All are small integers or enums, so that jqwik
 * shrinks them towards the simplest datagram (no extension headers, 1-byte payload, 8-byte fragments, in order,
 * no duplicates). Not a property itself.
 */
final class Generators {
    private Generators() {
    }

    /** Each extension header absent (-1) or 8, 16 or 24 bytes long; absent is the shrinking target. */
    static Arbitrary<Ipv6Headers> ipv6Headers() {
        Arbitrary<Integer> h = Arbitraries.integers().between(0, 3).map(v -> v - 1); // shrinks towards 0: absent
        return Combinators.combine(h, h, h, h).as(Ipv6Headers::new);
    }

    /** Up to 40 bytes of options; how later fragments carry them. */
    static Arbitrary<Ipv4Options> ipv4Options() {
        return Combinators.combine(Arbitraries.integers().between(0, 10), Arbitraries.of(LaterOptions.class))
                .as(Ipv4Options::new);
    }

    /**
     * UDP payload lengths: edge sizes (1 byte, around 8 and 16, around Linux's 1232/1448-byte fragments, 64 KiB —
     * cut to the largest the headers allow), small datagrams and the whole range.
     */
    static Arbitrary<Integer> payloadLengths() {
        return Arbitraries.frequencyOf(
                Tuple.of(2, Arbitraries.of(1, 7, 8, 9, 15, 16, 17, 1231, 1232, 1233, 1448, 8192, 65535)),
                Tuple.of(5, Arbitraries.integers().between(1, 3000)),
                Tuple.of(3, Arbitraries.integers().between(1, 65535)));
    }

    /** Fragment sizes in 8-byte blocks (8 bytes to 8 KiB, small ones more likely), 1..maxFragments of them. */
    static Arbitrary<List<Integer>> blocks(int maxFragments) {
        return blocks(1, 1024, maxFragments);
    }

    /**
     * Fragment sizes of {@code minBlocks} to {@code maxBlocks} 8-byte blocks, small ones more likely; 1..maxFragments
     * of them, any count equally likely (so that datagrams beyond the component budget of 17 fragments are common).
     */
    static Arbitrary<List<Integer>> blocks(int minBlocks, int maxBlocks, int maxFragments) {
        return Arbitraries.integers().between(minBlocks, maxBlocks).withDistribution(RandomDistribution.biased())
                .list().ofMinSize(1).ofMaxSize(maxFragments).withSizeDistribution(RandomDistribution.uniform());
    }

    /** Lehmer-style order codes (see {@link Fragmentation#order}); the empty list (shrinking target) is in order. */
    static Arbitrary<List<Integer>> orderCodes() {
        return Arbitraries.integers().between(0, 1000).list().ofMaxSize(60);
    }

    /** Duplicate choices (see {@link Fragmentation#withDuplicates}), at most {@code max}. */
    static Arbitrary<List<Integer>> duplicates(int max) {
        return Arbitraries.integers().between(0, 10_000).list().ofMaxSize(max);
    }

    /** Pauses before arrivals in nanoseconds: mostly none, sometimes around the 1 ms adaptive hold time. */
    static Arbitrary<List<Long>> pauses() {
        return Arbitraries.frequencyOf(
                Tuple.of(6, Arbitraries.just(0L)),
                Tuple.of(2, Arbitraries.of(999_999L, 1_000_000L, 1_000_001L)),
                Tuple.of(1, Arbitraries.longs().between(0, 5_000_000L))).list().ofMaxSize(60);
    }
}
