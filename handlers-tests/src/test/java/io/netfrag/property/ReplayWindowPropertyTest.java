package io.netfrag.property;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.netfrag.internal.esp.ReplayWindow;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

/**
 * {@link ReplayWindow} agrees, at every step, with a reference model written from RFC 4303
 * §3.4.3 and Appendix A.2 — a set of accepted 64-bit sequence numbers and the highest of them — on random streams:
 * window sizes 0 to {@link ReplayWindow#MAX_WINDOW} (0 only without ESN), with and without extended sequence numbers,
 * starting anywhere (0, around the window size, just below and above the 32-bit wrap, far into the 64-bit space),
 * with in-order packets, jumps within and far beyond the window, old packets, duplicates, sequence number 0 on the wire
 * and failed ICVs (a packet that passed the check but is not recorded).
 *
 * <p>The sender's sequence numbers are 64-bit; only the low 32 bits go on the wire. A packet is authentic when the
 * high bits the receiver inferred are the sender's (else its ICV fails, RFC 4303 A.2.2) and its ICV is not otherwise
 * damaged; only authentic packets advance the window, in both the model and the implementation.
 */
class ReplayWindowPropertyTest {
    private static final long SUBSPACE = 1L << 32;

    /** What the sender does next. */
    enum Kind {
        /** The next sequence number. */
        NEXT,
        /** Skips ahead by {@code amount mod 2W}: reordering, loss. */
        AHEAD,
        /** Jumps far ahead: by 2^31, 2^32 ± small, or a random amount up to 2^33. */
        FAR,
        /** Resends (or an attacker replays) the {@code amount}-th packet sent so far. */
        DUPLICATE,
        /** A packet {@code amount mod 2W} behind the highest sent: delayed, or not sent before. */
        OLD,
        /** Jumps to just below the next 32-bit boundary. */
        WRAP,
        /** Sequence number 0 on the wire (under ESN: the first of the next sub-space), injected: not the sender's. */
        ZERO
    }

    /** One packet: what the sender does, a parameter, and whether its ICV is intact. */
    record Step(Kind kind, long amount, boolean icvOk) {
        @Override
        public String toString() {
            return kind + "(" + amount + (icvOk ? ")" : ", bad ICV)");
        }
    }

    /** A window configuration: size and ESN. */
    record Config(int window, boolean esn) {
    }

    @Provide
    Arbitrary<Config> configs() {
        Arbitrary<Integer> windows = Arbitraries.frequencyOf(
                Tuple.of(3, Arbitraries.of(0, 1, 2, 31, 32, 33, 63, 64, 65, 127, 128, 129, 1024, 4095, 4096)),
                Tuple.of(1, Arbitraries.integers().between(1, ReplayWindow.MAX_WINDOW)));
        return Combinators.combine(windows, Arbitraries.of(true, false)).as(Config::new)
                .filter(c -> !(c.esn() && c.window() == 0));
    }

    @Provide
    Arbitrary<Long> starts() {
        return Arbitraries.frequencyOf(
                Tuple.of(3, Arbitraries.of(0L, 1L, 2L, 31L, 63L, 64L, 4095L, 4096L, SUBSPACE - 4097, SUBSPACE - 65,
                        SUBSPACE - 64, SUBSPACE - 2, SUBSPACE - 1, SUBSPACE, SUBSPACE + 1, 2 * SUBSPACE - 3,
                        5 * SUBSPACE + 10)),
                Tuple.of(1, Arbitraries.longs().between(0, 1L << 40)));
    }

    @Provide
    Arbitrary<List<Step>> streams() {
        Arbitrary<Long> amounts = Arbitraries.frequencyOf(
                Tuple.of(4, Arbitraries.longs().between(0, 10_000)),
                Tuple.of(1, Arbitraries.of(1L << 31, SUBSPACE - 1, SUBSPACE, SUBSPACE + 1)),
                Tuple.of(1, Arbitraries.longs().between(0, 1L << 33)));
        Arbitrary<Kind> kinds = Arbitraries.frequencyOf(
                Tuple.of(8, Arbitraries.just(Kind.NEXT)),
                Tuple.of(4, Arbitraries.just(Kind.AHEAD)),
                Tuple.of(1, Arbitraries.just(Kind.FAR)),
                Tuple.of(4, Arbitraries.just(Kind.DUPLICATE)),
                Tuple.of(4, Arbitraries.just(Kind.OLD)),
                Tuple.of(1, Arbitraries.just(Kind.WRAP)),
                Tuple.of(1, Arbitraries.just(Kind.ZERO)));
        Arbitrary<Boolean> icv = Arbitraries.frequencyOf(Tuple.of(9, Arbitraries.just(true)),
                Tuple.of(1, Arbitraries.just(false)));
        return Combinators.combine(kinds, amounts, icv).as(Step::new).list().ofMaxSize(300);
    }

    @Property(tries = 2000)
    void agreesWithTheReferenceModel(@ForAll("configs") Config config, @ForAll("starts") long start,
            @ForAll("streams") List<Step> stream) {
        run(config, start, stream);
    }

    /** Crossing the 32-bit wrap with ESN: late packets from the old sub-space, replays on both sides. */
    @Example
    void esnAcrossTheWrap() {
        run(new Config(64, true), SUBSPACE - 64, List.of(new Step(Kind.WRAP, 3, true), new Step(Kind.NEXT, 0, true),
                new Step(Kind.NEXT, 0, true), new Step(Kind.NEXT, 0, true), new Step(Kind.NEXT, 0, true),
                new Step(Kind.OLD, 5, true), new Step(Kind.DUPLICATE, 2, true), new Step(Kind.OLD, 63, true),
                new Step(Kind.OLD, 64, true), new Step(Kind.ZERO, 0, true), new Step(Kind.DUPLICATE, 3, true)));
    }

    /** A fresh ESN window: a low value in the "previous sub-space", which does not exist below sub-space 0. */
    @Example
    void esnAtTheStartHasNoSubSpaceBelowZero() {
        run(new Config(128, true), 0, List.of(new Step(Kind.NEXT, 0, true), new Step(Kind.ZERO, 0, true),
                new Step(Kind.OLD, 5, true), new Step(Kind.FAR, SUBSPACE - 1, true), new Step(Kind.NEXT, 0, true)));
    }

    /** The largest window, a jump of exactly the bitmap size, then everything just inside and outside the window. */
    @Example
    void largestWindowJumpsByItsBitmap() {
        List<Step> steps = new ArrayList<>();
        steps.add(new Step(Kind.AHEAD, 4095, true));
        steps.add(new Step(Kind.AHEAD, 4095, true));
        for (int i = 4094; i <= 4097; i++) {
            steps.add(new Step(Kind.OLD, i, true));
        }
        run(new Config(4096, false), 1, steps);
        run(new Config(4096, true), SUBSPACE - 5000, steps);
    }

    @Example
    void esnWithoutAWindowIsAConfigurationError() {
        assertThrows(IllegalArgumentException.class, () -> new ReplayWindow(0, true));
    }

    static void run(Config config, long start, List<Step> stream) {
        ReplayWindow w = new ReplayWindow(config.window(), config.esn());
        Model model = new Model(config.window(), config.esn());
        long maxSent = config.esn() ? start : start & 0xffffffffL;
        List<Long> sent = new ArrayList<>();
        if (maxSent > 0) {
            // an SA that has been running: the window already advanced to the start
            w.advance(maxSent);
            model.advance(maxSent);
            sent.add(maxSent);
        }
        int window = config.window();
        for (int i = 0; i < stream.size(); i++) {
            Step step = stream.get(i);
            long raw;
            switch (step.kind()) {
                case AHEAD:
                    raw = maxSent + 1 + step.amount() % (2L * window + 2);
                    break;
                case FAR:
                    raw = maxSent + Math.max(1, step.amount());
                    break;
                case DUPLICATE:
                    raw = sent.isEmpty() ? maxSent + 1 : sent.get((int) (step.amount() % sent.size()));
                    break;
                case OLD:
                    raw = Math.max(0, maxSent - step.amount() % (2L * window + 2));
                    break;
                case WRAP:
                    raw = Math.max(maxSent + 1, ((maxSent >>> 32) + 1 << 32) - 1 - step.amount() % (window + 2));
                    break;
                case ZERO:
                    raw = (maxSent >>> 32) + 1 << 32; // low 32 bits 0; under ESN the next sub-space
                    break;
                case NEXT:
                default:
                    raw = maxSent + 1;
            }
            // without ESN sequence numbers are 32-bit: a sender that goes on past 2^32 - 1 wraps to 0 (RFC 4303
            // wants a new SA first; the receiver must still behave)
            long seq = config.esn() ? raw : raw & 0xffffffffL;
            if (raw > maxSent && step.kind() != Kind.ZERO) { // a 0 on the wire is injected, not the sender's
                maxSent = seq;
            }
            sent.add(seq);
            int wire = (int) seq;
            long expected = model.check(wire);
            long got = w.check(wire);
            String where = "step " + i + " " + step + ": sent " + seq + " (wire " + Integer.toUnsignedString(wire)
                    + "), model top " + model.top + ", " + config;
            assertEquals(expected, got, "check disagrees at " + where);
            boolean authentic = got != ReplayWindow.REJECT && got == seq && step.icvOk();
            if (authentic) {
                w.advance(got);
                model.advance(got);
            }
            assertEquals(model.top, w.top(), "top disagrees after " + where);
        }
    }

    /**
     * The reference: every sequence number ever recorded, and the highest. RFC 4303 §3.4.3: reject 0 (the first
     * packet has 1), accept anything right of the top, reject anything at or left of the window's left edge
     * ({@code top - full >= W}), reject anything recorded. Appendix A.2.2 for ESN, stated as what it amounts to: the
     * full number is the unique one with these low 32 bits in [top − W + 1, top − W + 1 + 2^32); where that is
     * negative (a fresh SA whose window still reaches below sequence 1) there is no sub-space below 0 and the high
     * bits are 0 (what {@link ReplayWindow} infers; Linux computes seq_hi − 1 = 0xffffffff there, which the ICV then
     * rejects). A window of 0 checks nothing, as Linux.
     */
    static final class Model {
        private final int window;
        private final boolean esn;
        private final Set<Long> recorded = new HashSet<>();
        long top;

        Model(int window, boolean esn) {
            this.window = window;
            this.esn = esn;
        }

        long infer(int wire) {
            long low = wire & 0xffffffffL;
            if (!esn) {
                return low;
            }
            long bottom = top - window + 1;
            long full = bottom + Math.floorMod(low - bottom, SUBSPACE);
            return full < 0 ? low : full;
        }

        long check(int wire) {
            long full = infer(wire);
            if (window == 0) {
                return full;
            }
            if (full == 0) {
                return ReplayWindow.REJECT;
            }
            if (full > top) {
                return full;
            }
            if (top - full >= window || recorded.contains(full)) {
                return ReplayWindow.REJECT;
            }
            return full;
        }

        void advance(long full) {
            recorded.add(full);
            top = Math.max(top, full);
        }
    }
}
