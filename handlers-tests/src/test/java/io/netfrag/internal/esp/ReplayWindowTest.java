package io.netfrag.internal.esp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ReplayWindowTest {

    /** Runs a script: "seq" accepted, "!seq" rejected; accepted ones are advanced. */
    private static void script(ReplayWindow w, String steps) {
        for (String step : steps.trim().split("\\s+")) {
            boolean reject = step.startsWith("!");
            long seq = Long.parseLong(reject ? step.substring(1) : step);
            long got = w.check((int) seq);
            if (reject) {
                assertEquals(ReplayWindow.REJECT, got, "expected a reject for " + seq);
            } else {
                assertEquals(seq, got, "expected " + seq + " to pass");
                w.advance(got);
            }
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "in order                | 1 2 3 4 5 6",
        "sequence 0              | !0 1 !0",
        "repeated                | 1 2 !2 3 !1",
        "reordered in window     | 5 3 4 1 2 !3 6",
        "window edge 32          | 40 9 !8 !9 10",
        "too old after a jump    | 1 100 !68 69 !1",
        "jump beyond the window  | 1 2 1000 !2 999 969 !968"})
    void table(String name, String steps) {
        script(new ReplayWindow(32, false), steps);
    }

    @Test
    void windowZeroChecksNothingAsLinux() {
        ReplayWindow w = new ReplayWindow(0, false);
        script(w, "0 1 1 0 5 2");
    }

    @Test
    void largestWindow() {
        ReplayWindow w = new ReplayWindow(4096, false);
        script(w, "5000 905 !904 4999 !4999");
    }

    @ParameterizedTest
    @ValueSource(ints = {-1, 4097})
    void badWindowsAreConfigurationErrors(int size) {
        assertThrows(IllegalArgumentException.class, () -> new ReplayWindow(size, false));
    }

    @Test
    void esnNeedsAWindow() {
        assertThrows(IllegalArgumentException.class, () -> new ReplayWindow(0, true));
    }

    @Test
    void esnInfersTheHighBitsAcrossTheWrap() {
        ReplayWindow w = new ReplayWindow(64, true);
        long top = 0xffffffc0L; // low sub-space near its end
        assertEquals(top, w.check((int) top));
        w.advance(top);
        // the next low values wrap into high = 1
        assertEquals((1L << 32) | 5, w.check(5));
        w.advance((1L << 32) | 5);
        // window now spans both sub-spaces: a late packet from the old sub-space keeps high = 0
        assertEquals(0xfffffff0L, w.check(0xfffffff0));
        w.advance(0xfffffff0L);
        assertEquals(ReplayWindow.REJECT, w.check(0xfffffff0), "replay in the old sub-space");
        // below the window bottom in case B, RFC 4303 A.2 assumes the next sub-space: the guessed high bits make the
        // ICV fail, which is how such a packet is rejected
        assertEquals((1L << 32) | 0xffffff00L, w.check((int) 0xffffff00L));
        assertEquals((1L << 32) | 4, w.check(4));
        assertEquals(ReplayWindow.REJECT, w.check(5), "replay in the new sub-space");
    }

    @Test
    void esnWithinOneSubSpace() {
        ReplayWindow w = new ReplayWindow(32, true);
        w.advance((3L << 32) | 1000);
        assertEquals((3L << 32) | 990, w.check(990));
        assertEquals((4L << 32) | 10, w.check(10), "below the window bottom: next sub-space");
    }

    /** The window agrees with a set-based reference model on random streams (without ESN). */
    @Test
    void agreesWithAReferenceModel() {
        Random rnd = new Random(42);
        for (int size : new int[] {1, 32, 64, 100, 4096}) {
            ReplayWindow w = new ReplayWindow(size, false);
            Set<Long> seen = new HashSet<>();
            long top = 0;
            long base = 1;
            for (int i = 0; i < 20000; i++) {
                long seq = Math.max(0, base + rnd.nextInt(3 * size + 10) - size);
                base += rnd.nextInt(3);
                boolean expect = seq != 0 && (seq > top || (top - seq < size && !seen.contains(seq)));
                long got = w.check((int) seq);
                assertEquals(expect, got != ReplayWindow.REJECT, "size " + size + " seq " + seq + " top " + top);
                if (expect && rnd.nextInt(10) != 0) { // sometimes the ICV fails: no advance
                    w.advance(got);
                    seen.add(seq);
                    top = Math.max(top, seq);
                }
            }
        }
    }
}
