package io.netfrag.testkit;

import static io.netty.util.internal.ObjectUtil.checkNotNull;

import io.netfrag.internal.wire.Ipv4Header;
import io.netfrag.internal.wire.Ipv6FragmentHeader;
import io.netfrag.internal.wire.Ipv6Header;
import io.netfrag.internal.wire.Ipv6HeaderChain;
import io.netty.buffer.ByteBuf;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * Damages the fragments of one datagram at a time the way a network might, reproducibly from a seed: whole-datagram
 * orders, per-fragment reordering, loss and duplication, and, for negative tests, an injected overlapping fragment.
 *
 * <p>For each datagram, in this order (each step draws from one {@link SplittableRandom} only when its probability
 * is non-zero, so a seed replays exactly):
 * <ol>
 * <li>the {@link Order} of the whole datagram: in order, reversed or shuffled;</li>
 * <li>reordering: each position but the last, with probability {@code reorder}, swaps with a uniformly chosen later
 * position;</li>
 * <li>loss: each fragment is dropped (released) with probability {@code loss};</li>
 * <li>overlap: with probability {@code overlap}, one extra fragment is made that starts 8 bytes into a delivered
 * fragment {@code i} (one with at least 16 data bytes and a contiguous successor) and runs 8 bytes into fragment
 * {@code i + 1} (or to the end of the datagram). It is sent immediately before fragment {@code i}, so a receiver that
 * drops overlapping datagrams (RFC 5722; Linux since 4.19, IPv4 too) sees the overlap whatever else arrived before:
 * no run of received data can contain it or fragment {@code i} whole. Such a datagram gets no duplicates and is not
 * completable;</li>
 * <li>duplication: each delivered fragment is, with probability {@code duplicate}, followed directly by a deep copy
 * of itself (a copy, not a view, because receivers may work in place).</li>
 * </ol>
 *
 * <p>A datagram is <em>completable</em> when none of its fragments was lost and no overlap was injected: a
 * Linux-like receiver delivers exactly the completable datagrams (within its memory limits and timeouts), except that
 * a duplicated <em>unfragmented</em> UDP packet is delivered twice, as UDP does, unless ESP anti-replay drops the
 * copy. The {@link Stats} add up what was done over all datagrams.
 *
 * <p>Fragments must be handed over in offset order, as {@link Fragmenter} makes them; the overlap step needs real
 * IPv4 or IPv6 fragments and skips datagrams whose fragments are not contiguous. Not thread-safe.
 */
public final class Impairments {

    /** The order in which the fragments of a datagram are sent, before reordering. */
    public enum Order {
        /** Offset order, as Linux sends them. */
        IN_ORDER,
        /** Last fragment first. */
        REVERSED,
        /** A uniformly random permutation. */
        SHUFFLED
    }

    /**
     * What was done so far.
     *
     * @param datagrams datagrams processed
     * @param completableDatagrams datagrams with no lost fragment and no injected overlap
     * @param fragments fragments handed in
     * @param fragmentsSent fragments passed on, duplicates and injected overlaps included
     * @param fragmentsDropped fragments deliberately dropped (lost)
     * @param fragmentsDuplicated duplicate copies sent
     * @param fragmentsReordered reordering swaps done (on top of the {@link Order})
     * @param overlapsInjected overlapping fragments injected (one per affected datagram)
     */
    public record Stats(long datagrams, long completableDatagrams, long fragments, long fragmentsSent,
            long fragmentsDropped, long fragmentsDuplicated, long fragmentsReordered, long overlapsInjected) {
    }

    private final long seed;
    private final double loss;
    private final double duplicate;
    private final double reorder;
    private final double overlap;
    private final Order order;
    private final SplittableRandom random;
    private final Ipv6HeaderChain chain = new Ipv6HeaderChain();
    private final boolean passThrough;

    private int[] permutation = new int[64];
    private boolean[] lost = new boolean[64];
    private boolean[] duplicated = new boolean[64];
    private boolean[] handed = new boolean[64];
    private int[] offsets = new int[64];
    private int[] dataIndexes = new int[64];
    private int[] dataLengths = new int[64];
    private int[] candidates = new int[64];

    private boolean lastCompletable = true;
    private long datagrams;
    private long completableDatagrams;
    private long fragments;
    private long fragmentsSent;
    private long fragmentsDropped;
    private long fragmentsDuplicated;
    private long fragmentsReordered;
    private long overlapsInjected;

    private Impairments(Builder b) {
        this.seed = b.seed;
        this.loss = b.loss;
        this.duplicate = b.duplicate;
        this.reorder = b.reorder;
        this.overlap = b.overlap;
        this.order = b.order;
        this.random = new SplittableRandom(b.seed);
        this.passThrough = loss == 0 && duplicate == 0 && reorder == 0 && overlap == 0 && order == Order.IN_ORDER;
    }

    /** A builder: seed 0, in order, no loss, duplicates, reordering or overlaps. */
    public static Builder builder() {
        return new Builder();
    }

    /** Impairments that pass every fragment on in order (still counting). */
    public static Impairments none() {
        return builder().build();
    }

    /** Whether this instance passes every fragment on unchanged and in order. */
    public boolean passThrough() {
        return passThrough;
    }

    /** The seed. */
    public long seed() {
        return seed;
    }

    /** Whether the last datagram processed is completable (true before the first). */
    public boolean lastCompletable() {
        return lastCompletable;
    }

    /** What was done so far. */
    public Stats stats() {
        return new Stats(datagrams, completableDatagrams, fragments, fragmentsSent, fragmentsDropped,
                fragmentsDuplicated, fragmentsReordered, overlapsInjected);
    }

    /**
     * Impairs the fragments of one datagram and passes the survivors, duplicates and any injected overlap to
     * {@code out}.
     *
     * @param datagramFragments the fragments of one datagram in offset order, in a modifiable list that is borrowed
     *     and cleared on return; release ownership of every buffer in it is transferred (each is passed on or released, also when
     *     {@code out} throws)
     * @param out receives the fragments to send; ownership of each is transferred to it
     * @return the number of fragments passed to {@code out}
     */
    public int apply(List<ByteBuf> datagramFragments, Consumer<? super ByteBuf> out) {
        checkNotNull(datagramFragments, "datagramFragments");
        checkNotNull(out, "out");
        int n = datagramFragments.size();
        if (passThrough) {
            int sent = 0;
            try {
                for (; sent < n; sent++) {
                    out.accept(datagramFragments.get(sent));
                }
            } finally {
                // buffers after a throwing accept were never handed over
                for (int k = sent + 1; k < n; k++) {
                    datagramFragments.get(k).release();
                }
                datagramFragments.clear();
                count(n, sent, 0, 0, 0, false);
            }
            return sent;
        }
        ensureCapacity(n);
        ByteBuf overlapping = null;
        int sent = 0;
        try {
            int swaps = order(n);
            int lostCount = 0;
            if (loss > 0) {
                for (int k = 0; k < n; k++) {
                    lost[k] = random.nextDouble() < loss;
                    lostCount += lost[k] ? 1 : 0;
                }
            }
            int overlapBefore = -1;
            if (overlap > 0 && random.nextDouble() < overlap) {
                int i = chooseOverlapped(datagramFragments, n);
                if (i >= 0) {
                    // built before anything is sent: the receiver may release fragments i and i + 1 at once
                    overlapping = overlapFragment(datagramFragments, i, n);
                    overlapBefore = i;
                }
            }
            int duplicates = 0;
            if (duplicate > 0 && overlapping == null) {
                for (int k = 0; k < n; k++) {
                    duplicated[k] = !lost[k] && random.nextDouble() < duplicate;
                    duplicates += duplicated[k] ? 1 : 0;
                }
            }
            count(n, 0, lostCount, duplicates, swaps, overlapping != null);
            for (int p = 0; p < n; p++) {
                int k = permutation[p];
                ByteBuf f = datagramFragments.get(k);
                if (lost[k]) {
                    handed[k] = true;
                    f.release();
                    continue;
                }
                if (k == overlapBefore) {
                    ByteBuf o = overlapping;
                    overlapping = null;
                    out.accept(o);
                    sent++;
                }
                // copy before handing over: the receiver may release or rewrite f at once
                ByteBuf copy = duplicated[k] ? f.copy() : null;
                handed[k] = true;
                try {
                    out.accept(f);
                } catch (RuntimeException | Error e) {
                    if (copy != null) {
                        copy.release();
                    }
                    throw e;
                }
                sent++;
                if (copy != null) {
                    out.accept(copy);
                    sent++;
                }
            }
        } finally {
            if (overlapping != null) {
                overlapping.release();
            }
            for (int k = 0; k < n; k++) {
                if (!handed[k]) {
                    datagramFragments.get(k).release();
                }
            }
            datagramFragments.clear();
            fragmentsSent += sent;
        }
        return sent;
    }

    /** Counts a datagram of {@code n} fragments that a pass-through instance let its caller send directly. */
    void countPassThrough(int n) {
        count(n, n, 0, 0, 0, false);
    }

    private void count(int n, int sent, int lostCount, int duplicates, int swaps, boolean overlapped) {
        datagrams++;
        fragments += n;
        fragmentsSent += sent;
        fragmentsDropped += lostCount;
        fragmentsDuplicated += duplicates;
        fragmentsReordered += swaps;
        overlapsInjected += overlapped ? 1 : 0;
        lastCompletable = lostCount == 0 && !overlapped;
        completableDatagrams += lastCompletable ? 1 : 0;
    }

    private void ensureCapacity(int n) {
        if (permutation.length < n) {
            int c = Math.max(n, permutation.length * 2);
            permutation = new int[c];
            lost = new boolean[c];
            duplicated = new boolean[c];
            handed = new boolean[c];
            offsets = new int[c];
            dataIndexes = new int[c];
            dataLengths = new int[c];
            candidates = new int[c];
        }
        for (int k = 0; k < n; k++) {
            permutation[k] = k;
            lost[k] = false;
            duplicated[k] = false;
            handed[k] = false;
        }
    }

    /** Fills the permutation: the datagram order, then reordering swaps; returns the number of swaps. */
    private int order(int n) {
        switch (order) {
            case REVERSED:
                for (int p = 0; p < n; p++) {
                    permutation[p] = n - 1 - p;
                }
                break;
            case SHUFFLED:
                for (int p = n - 1; p > 0; p--) {
                    swap(p, random.nextInt(p + 1));
                }
                break;
            default:
                break;
        }
        int swaps = 0;
        if (reorder > 0) {
            for (int p = 0; p < n - 1; p++) {
                if (random.nextDouble() < reorder) {
                    swap(p, p + 1 + random.nextInt(n - p - 1));
                    swaps++;
                }
            }
        }
        return swaps;
    }

    private void swap(int a, int b) {
        int t = permutation[a];
        permutation[a] = permutation[b];
        permutation[b] = t;
    }

    /**
     * Picks a delivered fragment {@code i} with at least 16 data bytes whose successor follows it without a gap, or
     * -1 when there is none (or the buffers are not IP fragments).
     */
    private int chooseOverlapped(List<ByteBuf> list, int n) {
        if (n < 2) {
            return -1;
        }
        for (int k = 0; k < n; k++) {
            if (!locate(list.get(k), k)) {
                return -1;
            }
        }
        int count = 0;
        for (int k = 0; k < n - 1; k++) {
            if (offsets[k] + dataLengths[k] != offsets[k + 1]) {
                return -1;
            }
            if (!lost[k] && dataLengths[k] >= 16) {
                candidates[count++] = k;
            }
        }
        return count == 0 ? -1 : candidates[random.nextInt(count)];
    }

    /** Finds offset, data index and data length of fragment {@code k}; false if it is not an IP fragment. */
    private boolean locate(ByteBuf f, int k) {
        int start = f.readerIndex();
        if (!f.isReadable()) {
            return false;
        }
        int version = f.getUnsignedByte(start) >>> 4;
        if (version == 6) {
            if (!Ipv6Header.fits(f, start)) {
                return false;
            }
            int end = start + Ipv6Header.LENGTH + Ipv6Header.payloadLength(f, start);
            if (end > f.writerIndex() || chain.walk(f, start, end) != Ipv6HeaderChain.Status.OK
                    || chain.fragmentIndex() < 0) {
                return false;
            }
            offsets[k] = Ipv6FragmentHeader.offsetBytes(f, chain.fragmentIndex());
            dataIndexes[k] = chain.fragmentIndex() + Ipv6FragmentHeader.LENGTH;
            dataLengths[k] = end - dataIndexes[k];
            return true;
        }
        if (version == 4 && Ipv4Header.fits(f, start)) {
            int headerLength = Ipv4Header.headerLength(f, start);
            int total = Ipv4Header.totalLength(f, start);
            if (headerLength < Ipv4Header.MIN_LENGTH || total < headerLength || start + total > f.writerIndex()) {
                return false;
            }
            offsets[k] = Ipv4Header.offsetBytes(f, start);
            dataIndexes[k] = start + headerLength;
            dataLengths[k] = total - headerLength;
            return true;
        }
        return false;
    }

    /**
     * A fragment with the headers of fragment {@code i + 1} covering [offset(i) + 8, end(i) + 8), cut at the end of
     * the datagram (then without MF).
     */
    private ByteBuf overlapFragment(List<ByteBuf> list, int i, int n) {
        ByteBuf first = list.get(i);
        ByteBuf template = list.get(i + 1);
        int datagramEnd = offsets[n - 1] + dataLengths[n - 1];
        int start = offsets[i] + 8;
        int end = offsets[i] + dataLengths[i] + 8;
        boolean more = true;
        if (end >= datagramEnd) {
            end = datagramEnd;
            more = moreFragments(list.get(n - 1));
        }
        int headerLength = dataIndexes[i + 1] - template.readerIndex();
        int fromFirst = offsets[i] + dataLengths[i] - start;
        ByteBuf o = template.alloc().buffer(headerLength + end - start);
        try {
            int base = o.writerIndex();
            o.writeBytes(template, template.readerIndex(), headerLength);
            o.writeBytes(first, dataIndexes[i] + 8, fromFirst);
            o.writeBytes(template, dataIndexes[i + 1], end - start - fromFirst);
            if (o.getUnsignedByte(base) >>> 4 == 6) {
                Ipv6Header.payloadLength(o, base, o.writerIndex() - base - Ipv6Header.LENGTH);
                int fragment = base + headerLength - Ipv6FragmentHeader.LENGTH;
                o.setShort(fragment + Ipv6FragmentHeader.OFFSET_FIELD_OFFSET, (start & 0xfff8) | (more ? 1 : 0));
            } else {
                o.setShort(base + Ipv4Header.TOTAL_LENGTH_OFFSET, o.writerIndex() - base);
                o.setShort(base + Ipv4Header.FRAGMENT_FIELD_OFFSET, (more ? Ipv4Header.FLAG_MF : 0) | (start >>> 3));
                Ipv4Header.updateChecksum(o, base, headerLength);
            }
            return o;
        } catch (RuntimeException | Error e) {
            o.release();
            throw e;
        }
    }

    private boolean moreFragments(ByteBuf f) {
        int start = f.readerIndex();
        if (f.getUnsignedByte(start) >>> 4 == 6) {
            chain.walk(f, start, f.writerIndex());
            return Ipv6FragmentHeader.moreFragments(f, chain.fragmentIndex());
        }
        return Ipv4Header.moreFragments(f, start);
    }

    /** Configures {@link Impairments}. Probabilities are in [0, 1]. */
    public static final class Builder {
        private long seed;
        private double loss;
        private double duplicate;
        private double reorder;
        private double overlap;
        private Order order = Order.IN_ORDER;

        private Builder() {
        }

        /** The seed of the random generator (default 0). */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** Probability that a fragment is lost (default 0). */
        public Builder loss(double probability) {
            this.loss = probability(probability, "loss");
            return this;
        }

        /** Probability that a delivered fragment is sent twice (default 0). */
        public Builder duplicate(double probability) {
            this.duplicate = probability(probability, "duplicate");
            return this;
        }

        /** Probability that a position swaps with a random later one (default 0). */
        public Builder reorder(double probability) {
            this.reorder = probability(probability, "reorder");
            return this;
        }

        /** Probability that a datagram gets an overlapping fragment (default 0). */
        public Builder overlap(double probability) {
            this.overlap = probability(probability, "overlap");
            return this;
        }

        /** The order of each datagram's fragments (default {@link Order#IN_ORDER}). */
        public Builder order(Order order) {
            this.order = checkNotNull(order, "order");
            return this;
        }

        /** A new {@link Impairments} with fresh counters and a random generator seeded from {@link #seed}. */
        public Impairments build() {
            return new Impairments(this);
        }

        private static double probability(double p, String name) {
            if (!(p >= 0 && p <= 1)) {
                throw new IllegalArgumentException(name + " probability must be in [0, 1]: " + p);
            }
            return p;
        }
    }
}
