package io.netfrag.property;

import io.netfrag.testkit.Fragmenter.Piece;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns small generated integer lists into fragment geometry and arrival orders, so that shrinking works on the
 * integers and counterexamples stay readable: fragment sizes shrink towards 8 bytes, orders towards "in order", and
 * duplicate lists towards none. Not a property itself.
 */
final class Fragmentation {
    private Fragmentation() {
    }

    /**
     * Splits {@code total} bytes into at least two fragments: fragment i carries {@code 8 * blocks[i]} bytes (the first
     * at least {@code minFirst} rounded up to 8) until the rest fits, which becomes the last fragment; every non-last
     * fragment is a multiple of 8.
     *
     * @param total fragmentable bytes; must exceed {@code minFirst} rounded up to 8
     * @param minFirst fewest bytes of the first fragment
     * @param blocks fragment sizes in 8-byte blocks, at least one
     */
    static List<Piece> split(int total, int minFirst, List<Integer> blocks) {
        int firstMin = (minFirst + 7) & ~7;
        if (total <= firstMin || blocks.isEmpty()) {
            throw new IllegalArgumentException("cannot split " + total + " bytes (first fragment at least "
                    + firstMin + ") with " + blocks);
        }
        List<Piece> pieces = new ArrayList<>();
        int offset = 0;
        for (int i = 0;; i++) {
            int size = i < blocks.size() ? 8 * blocks.get(i) : Integer.MAX_VALUE;
            if (offset == 0) {
                size = Math.max(size, firstMin);
            }
            if (size >= total - offset) {
                if (offset == 0) {
                    size = (total - 1) & ~7; // at least two fragments
                    pieces.add(new Piece(0, size, true));
                    offset = size;
                }
                pieces.add(new Piece(offset, total - offset, false));
                return pieces;
            }
            pieces.add(new Piece(offset, size, true));
            offset += size;
        }
    }

    /**
     * A permutation of {@code 0..n-1} from a Lehmer-style code: arrival k takes the {@code choices[k] mod r}-th of the
     * r fragments not yet sent (0 where the list is short). An empty list is "in order".
     */
    static List<Integer> order(int n, List<Integer> choices) {
        List<Integer> remaining = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            remaining.add(i);
        }
        List<Integer> order = new ArrayList<>();
        for (int k = 0; k < n; k++) {
            int c = k < choices.size() ? choices.get(k) : 0;
            order.add(remaining.remove(c % remaining.size()));
        }
        return order;
    }

    /**
     * Adds exact duplicates to an arrival order, all before its last arrival (which completes the datagram; a copy
     * arriving after completion would start a new datagram, a different scenario). Each choice d duplicates arrival
     * {@code j = d mod m} (m arrivals before the last) and places the copy somewhere after it.
     */
    static List<Integer> withDuplicates(List<Integer> order, List<Integer> duplicates) {
        int n = order.size();
        List<Integer> arrivals = new ArrayList<>(order.subList(0, n - 1));
        for (int d : duplicates) {
            int m = arrivals.size();
            int j = d % m;
            int at = j + 1 + (d / m) % (m - j);
            arrivals.add(at, arrivals.get(j));
        }
        arrivals.add(order.get(n - 1));
        return arrivals;
    }

    /** Describes arrivals as piece list positions with their geometry, for failure messages. */
    static String describe(List<Piece> pieces, List<Integer> arrivals) {
        StringBuilder s = new StringBuilder();
        for (int i : arrivals) {
            s.append(s.length() == 0 ? "" : ", ").append('#').append(i).append('(').append(pieces.get(i)).append(')');
        }
        return s.toString();
    }
}
