package io.netfrag.internal.reassembly;

import io.netfrag.reassembly.OverlapPolicy;
import io.netty.buffer.ByteBuf;
import java.util.Arrays;

/**
 * One datagram being reassembled: which bytes arrived, where they are, and what they pin. Owned by a
 * {@link ReassemblyTable} and touched only from its event loop. Protocols read it in callbacks (for ICMP quotes) and
 * in the completed-datagram result; they never change it.
 *
 * <p>Coverage is kept as a bitmap of 8-byte blocks (fragment offsets are multiples of 8 in both IPv4 and IPv6): the
 * overlap/duplicate test of a fragment costs O(its length / 512) word operations whatever the number of fragments
 * already held, so a flood of tiny fragments cannot make one queue quadratic (CVE-2018-5391). A fragment that starts at
 * or after the current end of data (in-order arrival) skips the test: nothing can lie there. A second bitmap marks
 * where Linux's fragment "runs" start, so that a fragment is a duplicate exactly when Linux says so: inside one run.
 *
 * <p>Held buffers are kept in arrival order and sorted once at completion; data copied on arrival lives in one
 * contiguous buffer at {@code headroom + offset}, with the header written into the headroom in front of it.
 *
 * <p>A protocol subclasses it to keep its own state per datagram ({@link ReassemblyProtocol#newQueue()}), as Linux's
 * {@code struct frag_queue} wraps {@code struct inet_frag_queue}; everything declared here is the core's.
 *
 * @param <K> key type
 */
public class FragmentQueue<K> {
    /** Fixed bookkeeping charge per queue besides the coverage bitmap (Linux charges {@code sizeof} its queue). */
    static final int QUEUE_OVERHEAD_BYTES = 128;

    K key;
    /** The key's hash in its table, and the next queue of that table with the same hash (see the table's map). */
    int hash;
    FragmentQueue<K> sameHash;
    boolean forwarding;
    OverlapPolicy overlapPolicy;
    /** Whether the copy buffers are heap buffers (see {@link Fragment#decryptedNext}). */
    boolean heapCopy;

    boolean firstIn;
    boolean lastIn;
    /** Known end: the last fragment's end once it arrived, else the largest end seen (Linux {@code q.len}). */
    int length;
    /** Bytes received (Linux {@code q.meat}). */
    int meat;
    /** End of the data with the highest end so far; offsets at or beyond it cannot overlap. */
    int tailEnd;
    int flags;
    int maxFragmentSize;
    int firstFragmentLength;
    long[] coverage;
    /** Blocks where a run starts (Linux {@code fragrun_create}); in-order tail appends extend the last run. */
    long[] runStarts;

    ByteBuf head;
    int headroom;

    ByteBuf headerBuf;
    int headerLength = -1;
    boolean headerInHead;

    ByteBuf[] held;
    int[] heldOffset;
    int heldCount;

    /** The data of a queue that is tiny next to its copy buffer, under memory pressure; {@code null} when unused. */
    SparseStore sparse;

    long pinnedBytes;
    boolean released;

    /** ADAPTIVE: the list of queues holding fragment buffers, in creation order; and the headroom to copy into. */
    FragmentQueue<K> olderHolding;
    FragmentQueue<K> newerHolding;
    boolean holding;
    int expectedHeaderLength;
    /** ADAPTIVE: the table's arrival count when this queue started holding, and its own arrivals since then. */
    long holdingSinceArrival;
    int arrivalsWhileHolding;

    /** Creation-order list links, maintained by the table (no iterator allocation on the hot path). */
    FragmentQueue<K> older;
    FragmentQueue<K> newer;

    /** Target-based overlap policies only: who owns each block; {@code null} otherwise. */
    TargetBasedInsertion.Owners owners;

    long createdNanos;
    long deadlineNanos;
    long timeoutNanos;

    /** An empty queue; the table initializes it when it takes it into use. */
    protected FragmentQueue() {
    }

    /** Takes a fresh queue into use for {@code key}; the table gives it its bitmaps. */
    void init(K key, long createdNanos, long timeoutNanos, boolean forwarding, OverlapPolicy overlapPolicy) {
        this.key = key;
        this.createdNanos = createdNanos;
        this.timeoutNanos = timeoutNanos;
        this.deadlineNanos = createdNanos + timeoutNanos;
        this.forwarding = forwarding;
        this.overlapPolicy = overlapPolicy;
    }

    /**
     * Forgets what the queue received and restarts its timeout from {@code nowNanos} (Linux {@code ip_frag_reinit});
     * its key, forwarding, overlap policy and the protocol's state stay. The caller has unlinked and uncharged it.
     */
    void restart(long nowNanos) {
        releaseData();
        firstIn = false;
        lastIn = false;
        length = 0;
        meat = 0;
        tailEnd = 0;
        flags = 0;
        maxFragmentSize = 0;
        firstFragmentLength = 0;
        Arrays.fill(coverage, 0);
        Arrays.fill(runStarts, 0);
        headroom = 0;
        headerLength = -1;
        headerInHead = false;
        owners = null;
        holding = false;
        expectedHeaderLength = 0;
        holdingSinceArrival = 0;
        arrivalsWhileHolding = 0;
        createdNanos = nowNanos;
        deadlineNanos = nowNanos + timeoutNanos;
    }

    /** The key. */
    public K key() {
        return key;
    }

    /** When the queue was created, in ticker nanoseconds. */
    public long createdNanos() {
        return createdNanos;
    }

    /** When the queue expires: creation plus the timeout, never extended. */
    public long deadlineNanos() {
        return deadlineNanos;
    }

    /** Whether the fragment at offset 0 arrived. */
    public boolean firstIn() {
        return firstIn;
    }

    /** Whether the last fragment arrived. */
    public boolean lastIn() {
        return lastIn;
    }

    /** Known (or largest seen) payload length. */
    public int length() {
        return length;
    }

    /** Protocol flags ORed over the fragments (e.g. ECN codepoint bits). */
    public int flags() {
        return flags;
    }

    /** Size of the largest fragment packet received (readable bytes as received). */
    public int maxFragmentSize() {
        return maxFragmentSize;
    }

    /** Length of the header kept from the first fragment, or -1 before it arrived. */
    public int headerLength() {
        return headerLength;
    }

    /** Data bytes carried by the first fragment (0 before it arrived). */
    public int firstFragmentLength() {
        return firstFragmentLength;
    }

    /** Bytes this queue pins now. */
    public long pinnedBytes() {
        return pinnedBytes;
    }

    /** Number of fragment buffers held (not copied). */
    public int heldBuffers() {
        return heldCount;
    }

    /** The overlap policy this datagram is reassembled under. */
    public OverlapPolicy overlapPolicy() {
        return overlapPolicy;
    }

    /** Whether this queue forwards (keeps geometry, never coalesces). */
    public boolean forwarding() {
        return forwarding;
    }

    /**
     * Copies the first fragment's header and up to {@code maxDataBytes} of its data to {@code dst}: the start of the
     * packet for an ICMP quote. Only valid while the queue is alive and {@link #firstIn()}.
     *
     * @param dst borrowed; written at its writer index
     */
    public void copyHeaderTo(ByteBuf dst) {
        if (headerInHead) {
            dst.writeBytes(head, headroom - headerLength, headerLength);
        } else {
            dst.writeBytes(headerBuf, headerBuf.readerIndex(), headerLength);
        }
    }

    /**
     * Copies up to {@code maxBytes} of the first fragment's data to {@code dst}.
     *
     * @param dst borrowed; written at its writer index
     */
    public void copyFirstDataTo(ByteBuf dst, int maxBytes) {
        int n = Math.min(maxBytes, firstFragmentLength);
        for (int i = 0; i < heldCount; i++) {
            if (heldOffset[i] == 0) {
                dst.writeBytes(held[i], held[i].readerIndex(), n);
                return;
            }
        }
        if (sparse != null && sparse.copyFirstTo(dst, n)) {
            return;
        }
        dst.writeBytes(head, headroom, n);
    }

    // ---- coverage bitmap -------------------------------------------------------------------------------------

    void ensureCoverage(int blocks) {
        int words = (blocks + 63) >>> 6;
        if (words > coverage.length) {
            int n = Math.max(words, coverage.length * 2);
            coverage = Arrays.copyOf(coverage, n);
            runStarts = Arrays.copyOf(runStarts, n);
        }
    }

    /** Number of covered blocks in [from, to). */
    int covered(int from, int to) {
        return count(coverage, from, to);
    }

    /** Whether a run starts at any block in [from, to). */
    boolean runStartIn(int from, int to) {
        return from < to && count(runStarts, from, to) != 0;
    }

    void markRunStart(int block) {
        runStarts[block >>> 6] |= 1L << (block & 63);
    }

    void cover(int from, int to) {
        long[] c = coverage;
        int w0 = from >>> 6;
        int w1 = (to - 1) >>> 6;
        for (int w = w0; w <= w1; w++) {
            c[w] |= mask(w, w0, w1, from, to);
        }
    }

    /** Set bits of {@code bits} in [from, to). */
    private static int count(long[] bits, int from, int to) {
        int n = 0;
        int w0 = from >>> 6;
        int w1 = (to - 1) >>> 6;
        for (int w = w0; w <= w1 && w < bits.length; w++) {
            n += Long.bitCount(bits[w] & mask(w, w0, w1, from, to));
        }
        return n;
    }

    /** The bits of word {@code w} that lie in [from, to). */
    private static long mask(int w, int w0, int w1, int from, int to) {
        long m = -1L;
        if (w == w0) {
            m &= -1L << (from & 63);
        }
        if (w == w1) {
            m &= -1L >>> (63 - ((to - 1) & 63));
        }
        return m;
    }

    // ---- held buffers -----------------------------------------------------------------------------------------

    void hold(ByteBuf buf, int offset, int initialCapacity) {
        if (held == null) {
            held = new ByteBuf[initialCapacity];
            heldOffset = new int[initialCapacity];
        } else if (heldCount == held.length) {
            int n = heldCount * 2;
            held = Arrays.copyOf(held, n);
            heldOffset = Arrays.copyOf(heldOffset, n);
        }
        held[heldCount] = buf;
        heldOffset[heldCount] = offset;
        heldCount++;
    }

    /**
     * Puts held buffers in offset order. Arrival order is usually already sorted or exactly reversed (both linear);
     * anything else is sorted in O(n log n) through packed (offset, index) keys, so no arrival order is quadratic.
     */
    void sortHeld() {
        int n = heldCount;
        boolean ascending = true;
        boolean descending = true;
        for (int i = 1; i < n && (ascending || descending); i++) {
            ascending &= heldOffset[i - 1] < heldOffset[i];
            descending &= heldOffset[i - 1] > heldOffset[i];
        }
        if (ascending) {
            return;
        }
        if (descending) {
            for (int i = 0, j = n - 1; i < j; i++, j--) {
                ByteBuf b = held[i];
                held[i] = held[j];
                held[j] = b;
                int o = heldOffset[i];
                heldOffset[i] = heldOffset[j];
                heldOffset[j] = o;
            }
            return;
        }
        long[] keys = new long[n];
        for (int i = 0; i < n; i++) {
            keys[i] = ((long) heldOffset[i] << 32) | i;
        }
        Arrays.sort(keys);
        ByteBuf[] sorted = new ByteBuf[held.length];
        for (int i = 0; i < n; i++) {
            int from = (int) keys[i];
            sorted[i] = held[from];
            heldOffset[i] = (int) (keys[i] >>> 32);
        }
        held = sorted;
    }

    /** Releases everything this queue holds; idempotent. */
    void releaseAll() {
        if (released) {
            return;
        }
        released = true;
        releaseData();
    }

    /** Releases the buffers and the sparse store, leaving the queue usable. */
    private void releaseData() {
        if (head != null) {
            head.release();
            head = null;
        }
        if (headerBuf != null) {
            headerBuf.release();
            headerBuf = null;
        }
        sparse = null;
        for (int i = 0; i < heldCount; i++) {
            held[i].release();
            held[i] = null;
        }
        heldCount = 0;
    }

    @Override
    public String toString() {
        return "FragmentQueue(" + key + ", len " + length + ", meat " + meat + (firstIn ? ", first" : "")
                + (lastIn ? ", last" : "") + ", held " + heldCount + ", sparse " + (sparse == null ? 0 : sparse.count())
                + ", pinned "
                + pinnedBytes + ')';
    }
}
