package io.netfrag.internal.esp;

/**
 * The anti-replay window of one inbound SA (RFC 4303 §3.4.3 and Appendix A), with optional extended sequence numbers.
 *
 * <p>Use in two steps, as Linux {@code xfrm_replay_check} / {@code xfrm_replay_advance}: {@link #check(int)} before
 * decryption (it infers the high 32 bits under ESN and rejects sequence 0, packets left of the window and packets
 * already seen), and {@link #advance(long)} only after the ICV verified. A window of 0 disables the check (Linux does
 * no replay check when {@code replay-window} is 0). The bitmap is circular over up to {@link #MAX_WINDOW} packets, so
 * advancing costs at most one pass over it and checking is O(1).
 *
 * <p><b>Threads.</b> One window per SA, shared by every event loop that decrypts the SA's packets. As Linux's
 * {@code xfrm_input} does under the state's lock, {@link #check(int)} runs under the window's monitor before decryption
 * and {@link #recheckAndAdvance(long)} re-checks and advances under it afterwards, atomically: of two loops that
 * authenticated the same sequence number concurrently, exactly one advances and the other is told to drop a replay.
 * Decryption itself runs outside the lock, so loops decrypt one SA's packets in parallel.
 */
public final class ReplayWindow {
    /** Largest window supported, in packets (Linux's {@code XFRMA_REPLAY_ESN_VAL} allows up to 4096 here). */
    public static final int MAX_WINDOW = 4096;
    /** Returned by {@link #check(int)} for a packet that must be dropped. */
    public static final long REJECT = -1;

    private final int window;
    private final boolean esn;
    private final long[] bitmap;
    private final int bits;
    private long top;

    /**
     * Creates a window.
     *
     * @param window packets, 0 (no check) to {@link #MAX_WINDOW}
     * @param esn whether sequence numbers are 64-bit with only the low 32 bits on the wire
     */
    public ReplayWindow(int window, boolean esn) {
        if (window < 0 || window > MAX_WINDOW) {
            throw new IllegalArgumentException("replay window must be in [0, " + MAX_WINDOW + "]: " + window);
        }
        if (esn && window == 0) {
            throw new IllegalArgumentException("extended sequence numbers need a replay window > 0");
        }
        this.window = window;
        this.esn = esn;
        this.bits = Math.max(64, (window + 63) & ~63);
        this.bitmap = new long[bits >>> 6];
    }

    /**
     * Starts the window where an SA already is: {@code top} is the highest sequence number received so far (64 bits
     * under ESN), nothing within the window marked as seen — as Linux sets up a state added with {@code replay-seq}.
     * Call before the first {@link #check}.
     */
    public void start(long top) {
        start(top, new long[0]);
    }

    /**
     * As {@link #start(long)}, with the packets of the window already received: bit {@code i} of {@code history}
     * (word {@code i / 64}, bit {@code i % 64}) set means sequence number {@code top - i} was received, so that the
     * window continues exactly where an SA listing left it.
     */
    public synchronized void start(long top, long[] history) {
        if (top < 0 || !esn && top >>> 32 != 0) {
            throw new IllegalArgumentException("sequence number out of range: " + top);
        }
        this.top = top;
        java.util.Arrays.fill(bitmap, 0);
        for (int i = 0; i < window && i < 64 * history.length && top - i >= 1; i++) {
            if ((history[i >>> 6] & 1L << (i & 63)) != 0) {
                mark(top - i);
            }
        }
    }

    /** The highest sequence number authenticated so far (0 before any). */
    public synchronized long top() {
        return top;
    }

    /** The window size. */
    public int window() {
        return window;
    }

    /**
     * Checks a received low sequence number before decryption.
     *
     * @param sequenceLow the 32-bit sequence number from the ESP header
     * @return the full (64-bit under ESN) sequence number to authenticate, or {@link #REJECT}
     */
    public synchronized long check(int sequenceLow) {
        long low = sequenceLow & 0xffffffffL;
        long full = esn ? infer(low) : low;
        if (window == 0) {
            return full;
        }
        if (full == 0) {
            return REJECT; // RFC 4303 §3.4.3: the first packet sent has sequence number 1
        }
        if (full > top) {
            return full;
        }
        long diff = top - full;
        if (diff >= window) {
            return REJECT; // left of the window
        }
        return seen(full) ? REJECT : full;
    }

    /**
     * RFC 4303 Appendix A.2.2: infers the high 32 bits of a sequence number from the window position.
     */
    private long infer(long low) {
        long tl = top & 0xffffffffL;
        long th = top >>> 32;
        long bottom = (tl - window + 1) & 0xffffffffL;
        long high;
        if (tl >= window - 1) {
            // window within one sub-space
            high = low >= bottom ? th : th + 1;
        } else {
            // window spans two sub-spaces
            high = low >= bottom ? th - 1 : th;
            if (high < 0) {
                high = 0;
            }
        }
        return (high << 32) | low;
    }

    /**
     * After authentication: checks {@code full} again (another event loop may have accepted it, or moved the window
     * past it, since {@link #check(int)}) and, if it still passes, records it — both under the window's monitor, as
     * Linux's {@code xfrm_replay_recheck} then {@code xfrm_replay_advance} under the state's lock.
     *
     * @param full the value {@link #check(int)} returned
     * @return false if the packet is now a replay (or left of the window, or its inferred high bits changed) and must
     *     be dropped
     */
    public synchronized boolean recheckAndAdvance(long full) {
        if (window != 0 && (full == 0 || (esn ? infer(full & 0xffffffffL) : full & 0xffffffffL) != full
                || full <= top && (top - full >= window || seen(full)))) {
            return false;
        }
        advance(full);
        return true;
    }

    /**
     * Records an authenticated packet without re-checking it: moves the window when {@code full} is new at the right,
     * else marks it seen. Only for a caller that holds the sequence number's check exclusively (one thread); decoders
     * use {@link #recheckAndAdvance(long)}.
     *
     * @param full the value {@link #check(int)} returned
     */
    public synchronized void advance(long full) {
        if (window == 0) {
            if (full > top) {
                top = full;
            }
            return;
        }
        if (full > top) {
            long diff = full - top;
            if (diff >= bits) {
                java.util.Arrays.fill(bitmap, 0);
            } else {
                for (long s = top + 1; s < full; s++) {
                    clear(s);
                }
            }
            top = full;
        }
        mark(full);
    }

    private boolean seen(long seq) {
        int i = (int) (seq % bits);
        return (bitmap[i >>> 6] & (1L << (i & 63))) != 0;
    }

    private void mark(long seq) {
        int i = (int) (seq % bits);
        bitmap[i >>> 6] |= 1L << (i & 63);
    }

    private void clear(long seq) {
        int i = (int) (seq % bits);
        bitmap[i >>> 6] &= ~(1L << (i & 63));
    }
}
