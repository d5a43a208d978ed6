package io.netfrag.internal.reassembly;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.netfrag.reassembly.CoalescePolicy;
import io.netfrag.reassembly.ReassemblyLimits;
import io.netfrag.stats.CounterSnapshot;
import io.netfrag.stats.Counters;
import io.netfrag.stats.DropReason;
import io.netfrag.stats.MibCounter;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The core's rules as scripts of events against {@link ReassemblyTable} alone, with a trivial key, in the manner of
 * gVisor's fragmentation tests: each step advances time or inserts a fragment (offset, length, last, the capacity of
 * the buffer it comes in), and says what must follow — the insert's result, the bytes pinned after it, expiries, the
 * datagram delivered and the counters. Pinned bytes are exact: a queue is charged {@value #OVERHEAD} bytes of
 * bookkeeping plus 16 bytes per 64-block word of its two bitmaps, held buffers their capacity, copy buffers and kept
 * headers theirs (buffers come from an unpooled allocator, so a capacity is what was asked for).
 */
class ReassemblyTableScriptTest {
    private static final ByteBufAllocator ALLOC = UnpooledByteBufAllocator.DEFAULT;
    /** Bytes of "header" in front of every fragment's data (kept from the first fragment). */
    private static final int HEADER = 8;
    private static final int OVERHEAD = FragmentQueue.QUEUE_OVERHEAD_BYTES;
    private static final long SECOND = 1_000_000_000L;

    /** A queue's charge with one 64-block word per bitmap: bookkeeping and two 8-byte words. */
    private static final int ONE_WORD_QUEUE = OVERHEAD + 16;

    /** A key that is an int. */
    record Key(int id) implements FragmentKey<Key> {
        @Override
        public Key copy() {
            return this;
        }

        @Override
        public long hash(KeyHasher hasher) {
            return hasher.begin().add(id).end();
        }
    }

    /** One event of a script. */
    private sealed interface Step permits Insert, Advance, Expect {
    }

    /** Inserts fragment [offset, offset + length) of datagram {@code id}, in a buffer of {@code capacity} bytes. */
    private record Insert(int id, int offset, int length, boolean last, int capacity, InsertResult result,
            long pinnedAfter) implements Step {
    }

    /** Advances the ticker and expires what is due: {@code expired} queues must go. */
    private record Advance(long nanos, int expired, long pinnedAfter) implements Step {
    }

    /** Checks the counters accumulated so far (only those named) and which datagrams are live. */
    private record Expect(Map<Object, Long> counters, List<Integer> live, List<Integer> gone) implements Step {
    }

    private static Insert frag(int id, int offset, int length, boolean last, InsertResult result, long pinnedAfter) {
        return new Insert(id, offset, length, last, HEADER + length, result, pinnedAfter);
    }

    private static Insert frag(int id, int offset, int length, boolean last, int capacity, InsertResult result,
            long pinnedAfter) {
        return new Insert(id, offset, length, last, capacity, result, pinnedAfter);
    }

    private static Advance advance(long nanos, int expired, long pinnedAfter) {
        return new Advance(nanos, expired, pinnedAfter);
    }

    private static Expect counters(Object... nameValue) {
        Map<Object, Long> m = new java.util.LinkedHashMap<>();
        for (int i = 0; i < nameValue.length; i += 2) {
            m.put(nameValue[i], ((Number) nameValue[i + 1]).longValue());
        }
        return new Expect(m, List.of(), List.of());
    }

    private static Expect live(List<Integer> live, List<Integer> gone) {
        return new Expect(Map.of(), live, gone);
    }

    private static final boolean MORE = false;
    private static final boolean LAST = true;

    private static ReassemblyLimits limits(long high, long low, int minTiny) {
        return ReassemblyLimits.defaults(Duration.ofSeconds(1)).withThresholds(high, low)
                .withMinFragmentUnderPressure(minTiny);
    }

    private static final ReassemblyLimits DEFAULTS = ReassemblyLimits.defaults(Duration.ofSeconds(1));

    static Stream<Arguments> scripts() {
        List<Arguments> s = new ArrayList<>();
        // COPY: the copy buffer is sized for what is known (the first datagram has no size hint) and grows; the header
        // goes into its headroom; the account returns to zero on completion.
        s.add(script("COPY in order: one growing copy buffer, header in its headroom", CoalescePolicy.COPY, DEFAULTS,
                frag(1, 0, 16, MORE, InsertResult.QUEUED, ONE_WORD_QUEUE + HEADER + 16),
                frag(1, 16, 16, MORE, InsertResult.QUEUED, ONE_WORD_QUEUE + HEADER + 32),
                frag(1, 32, 8, LAST, InsertResult.COMPLETE, 0),
                counters(MibCounter.REASM_FAILS, 0, "delivered", 1)));
        // NONE: fragments held as received (charged their buffers' capacity), the header in a buffer of its own.
        s.add(script("NONE holds fragment buffers: charged their capacity", CoalescePolicy.NONE, DEFAULTS,
                frag(1, 16, 16, MORE, 1000, InsertResult.QUEUED, ONE_WORD_QUEUE + 1000),
                frag(1, 0, 16, MORE, 2048, InsertResult.QUEUED, ONE_WORD_QUEUE + 1000 + 2048 + HEADER),
                frag(1, 32, 8, LAST, InsertResult.COMPLETE, 0),
                counters("delivered", 1)));
        // Duplicates and overlaps as Linux decides: inside one run is a duplicate (queue kept); anything else that
        // touches received data is an overlap and the datagram goes (RFC 5722), even a fragment all of whose bytes
        // arrived when it spans two runs.
        s.add(script("duplicate inside a run is dropped, the queue kept", CoalescePolicy.COPY, DEFAULTS,
                frag(1, 0, 16, MORE, InsertResult.QUEUED, ONE_WORD_QUEUE + HEADER + 16),
                frag(1, 16, 16, MORE, InsertResult.QUEUED, ONE_WORD_QUEUE + HEADER + 32),
                frag(1, 8, 16, MORE, InsertResult.DUPLICATE, ONE_WORD_QUEUE + HEADER + 32),
                frag(1, 32, 8, LAST, InsertResult.COMPLETE, 0),
                counters(DropReason.DUPLICATE_FRAGMENT, 1, MibCounter.REASM_OVERLAPS, 0, "delivered", 1)));
        s.add(script("a fragment spanning two runs is an overlap although every byte arrived", CoalescePolicy.COPY,
                DEFAULTS,
                frag(1, 16, 16, MORE, InsertResult.QUEUED, ONE_WORD_QUEUE + HEADER + 32),
                frag(1, 0, 16, MORE, InsertResult.QUEUED, ONE_WORD_QUEUE + HEADER + 32),
                frag(1, 8, 16, MORE, InsertResult.OVERLAP, 0),
                counters(DropReason.OVERLAPPING_FRAGMENT, 1, MibCounter.REASM_OVERLAPS, 1, MibCounter.REASM_FAILS, 1),
                live(List.of(), List.of(1))));
        s.add(script("a fragment partly over received data is an overlap", CoalescePolicy.NONE, DEFAULTS,
                frag(1, 0, 16, MORE, InsertResult.QUEUED, ONE_WORD_QUEUE + HEADER + 16 + HEADER),
                frag(1, 8, 16, MORE, InsertResult.OVERLAP, 0),
                counters(MibCounter.REASM_OVERLAPS, 1)));
        // Invalid fragments discard the datagram (Linux ip6_frag_queue / ip_frag_queue).
        s.add(script("a last fragment ending before data already seen", CoalescePolicy.COPY, DEFAULTS,
                frag(1, 32, 16, MORE, InsertResult.QUEUED, ONE_WORD_QUEUE + 8 + 48),
                frag(1, 0, 16, LAST, InsertResult.INVALID, 0),
                counters(DropReason.INVALID_FRAGMENT, 1, MibCounter.REASM_FAILS, 1)));
        s.add(script("two last fragments that disagree", CoalescePolicy.COPY, DEFAULTS,
                frag(1, 16, 16, LAST, InsertResult.QUEUED, ONE_WORD_QUEUE + 8 + 32),
                frag(1, 24, 16, LAST, InsertResult.INVALID, 0),
                counters(DropReason.INVALID_FRAGMENT, 1)));
        s.add(script("data beyond the known end", CoalescePolicy.COPY, DEFAULTS,
                frag(1, 16, 16, LAST, InsertResult.QUEUED, ONE_WORD_QUEUE + 8 + 32),
                frag(1, 32, 8, MORE, InsertResult.INVALID, 0),
                counters(DropReason.INVALID_FRAGMENT, 1)));
        s.add(script("a zero-length fragment", CoalescePolicy.COPY, DEFAULTS,
                frag(1, 0, 16, MORE, InsertResult.QUEUED, ONE_WORD_QUEUE + HEADER + 16),
                frag(1, 16, 0, MORE, InsertResult.INVALID, 0),
                counters(DropReason.INVALID_FRAGMENT, 1)));
        // Timeouts are fixed from creation: just before the deadline the queue lives, at it the queue expires.
        s.add(script("timeout: alive 1 ns before the deadline, expired at it", CoalescePolicy.NONE, DEFAULTS,
                frag(1, 16, 16, MORE, 1000, InsertResult.QUEUED, ONE_WORD_QUEUE + 1000),
                advance(SECOND / 2, 0, ONE_WORD_QUEUE + 1000),
                frag(1, 32, 8, MORE, 1000, InsertResult.QUEUED, ONE_WORD_QUEUE + 2000),
                advance(SECOND / 2 - 1, 0, ONE_WORD_QUEUE + 2000),
                advance(1, 1, 0),
                counters(MibCounter.REASM_TIMEOUT, 1, DropReason.QUEUE_TIMEOUT, 1, MibCounter.REASM_FAILS, 1,
                        "expired", 1),
                live(List.of(), List.of(1))));
        s.add(script("timeouts in creation order", CoalescePolicy.NONE, DEFAULTS,
                frag(1, 16, 8, MORE, 1000, InsertResult.QUEUED, ONE_WORD_QUEUE + 1000),
                advance(SECOND / 4, 0, ONE_WORD_QUEUE + 1000),
                frag(2, 16, 8, MORE, 1000, InsertResult.QUEUED, 2 * (ONE_WORD_QUEUE + 1000)),
                frag(1, 24, 8, MORE, 1000, InsertResult.QUEUED, 2 * ONE_WORD_QUEUE + 3000),
                advance(3 * SECOND / 4, 1, ONE_WORD_QUEUE + 1000),
                live(List.of(2), List.of(1)),
                advance(SECOND / 4, 1, 0)));
        // Memory: at the high threshold nothing happens; past it the oldest other queues go until the table is at or
        // below the low threshold; the queue being filled stays.
        long q = ONE_WORD_QUEUE + 1000; // one queue holding one 1000-byte buffer under NONE
        s.add(script("exactly at the high threshold nothing is evicted; past it the oldest go down to low",
                CoalescePolicy.NONE, limits(3 * q, 2 * q, 0),
                frag(1, 16, 8, MORE, 1000, InsertResult.QUEUED, q),
                frag(2, 16, 8, MORE, 1000, InsertResult.QUEUED, 2 * q),
                frag(3, 16, 8, MORE, 1000, InsertResult.QUEUED, 3 * q),
                counters(DropReason.QUEUE_EVICTED, 0),
                frag(4, 16, 8, MORE, 1000, InsertResult.QUEUED, 2 * q),
                counters(DropReason.QUEUE_EVICTED, 2, MibCounter.REASM_FAILS, 2),
                live(List.of(3, 4), List.of(1, 2))));
        s.add(script("a queue alone above the high threshold is discarded", CoalescePolicy.NONE,
                limits(q + 500, q, 0),
                frag(1, 16, 8, MORE, 1000, InsertResult.QUEUED, q),
                frag(1, 24, 8, MORE, 1000, InsertResult.QUEUED, 0),
                counters(DropReason.MEMORY_LIMIT, 1, MibCounter.REASM_FAILS, 1),
                live(List.of(), List.of(1))));
        // The tiny-fragment rule: above the low threshold a fragment under the floor does not start a datagram; one at
        // the floor does, and so does any fragment of a datagram already in the table. Off (0), nothing is refused.
        s.add(script("tiny-fragment rule on", CoalescePolicy.NONE, limits(100 * q, q - 1, 256),
                frag(1, 16, 8, MORE, 1000, InsertResult.QUEUED, q),
                frag(2, 16, 8, MORE, 1000, InsertResult.NO_MEMORY, q),
                frag(3, 16, 255, MORE, 1000, InsertResult.NO_MEMORY, q),
                frag(1, 24, 8, MORE, 1000, InsertResult.QUEUED, q + 1000),
                counters(DropReason.TINY_FRAGMENT_UNDER_PRESSURE, 2, MibCounter.REASM_FAILS, 2),
                frag(4, 0, 256, MORE, 1000, InsertResult.QUEUED, 2 * q + 1000 + HEADER),
                live(List.of(1, 4), List.of(2, 3))));
        s.add(script("tiny-fragment rule below the low threshold and off", CoalescePolicy.NONE, limits(100 * q, q, 0),
                frag(1, 16, 8, MORE, 1000, InsertResult.QUEUED, q),
                frag(2, 16, 8, MORE, 1000, InsertResult.QUEUED, 2 * q),
                frag(3, 16, 8, MORE, 1000, InsertResult.QUEUED, 3 * q),
                counters(DropReason.TINY_FRAGMENT_UNDER_PRESSURE, 0)));
        return s.stream();
    }

    private static Arguments script(String name, CoalescePolicy policy, ReassemblyLimits limits, Step... steps) {
        return Arguments.of(name, policy, limits, List.of(steps));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scripts")
    void script(String name, CoalescePolicy policy, ReassemblyLimits limits, List<Step> steps) {
        Counters counters = new Counters();
        int[] expired = {0};
        ReassemblyTable<Key> table = new ReassemblyTable<>(policy, limits, 65_535, counters,
                ReassemblyProtocol.<Key>plain(q -> expired[0]++));
        long now = 0;
        int delivered = 0;
        Fragment f = new Fragment();
        try {
            for (int i = 0; i < steps.size(); i++) {
                String at = name + ", step " + (i + 1) + ": " + steps.get(i);
                Step step = steps.get(i);
                if (step instanceof Insert in) {
                    ByteBuf b = fragment(in);
                    InsertResult r = table.insert(new Key(in.id()), f.data(b, HEADER, in.offset(), in.length(),
                            in.last()).header(0, HEADER), now, ALLOC);
                    assertEquals(in.result(), r, at);
                    assertNull(f.buf, "the fragment forgets its buffer");
                    if (r == InsertResult.COMPLETE) {
                        checkDatagram(table.takeCompleted(), table.completedQueue().length(), in.id(), at);
                        delivered++;
                    }
                    assertEquals(in.pinnedAfter(), table.pinnedBytes(), at);
                } else if (step instanceof Advance a) {
                    now += a.nanos();
                    assertEquals(a.expired(), table.expire(now), at);
                    assertEquals(a.pinnedAfter(), table.pinnedBytes(), at);
                } else if (step instanceof Expect e) {
                    CounterSnapshot c = counters.snapshot();
                    for (Map.Entry<Object, Long> x : e.counters().entrySet()) {
                        long actual = x.getKey() instanceof MibCounter m ? c.get(m)
                                : x.getKey() instanceof DropReason d ? c.drops(d)
                                : "delivered".equals(x.getKey()) ? delivered : expired[0];
                        assertEquals(x.getValue(), actual, at + " " + x.getKey() + " in " + c);
                    }
                    for (int id : e.live()) {
                        assertEquals(id, table.find(new Key(id)) == null ? -1 : id, at + " live " + id);
                    }
                    for (int id : e.gone()) {
                        assertNull(table.find(new Key(id)), at + " gone " + id);
                    }
                }
            }
        } finally {
            table.releaseAll();
        }
        assertEquals(0, table.pinnedBytes(), name + ": the account returns to zero");
    }

    /** Header bytes {@code 0xA0 + id}; data byte at payload offset {@code o} is {@code (id * 31 + o) & 0xff}. */
    private static ByteBuf fragment(Insert in) {
        ByteBuf b = ALLOC.heapBuffer(in.capacity(), in.capacity());
        for (int i = 0; i < HEADER; i++) {
            b.writeByte(0xA0 + in.id());
        }
        for (int o = in.offset(); o < in.offset() + in.length(); o++) {
            b.writeByte(in.id() * 31 + o);
        }
        return b;
    }

    private static void checkDatagram(ByteBuf d, int length, int id, String at) {
        try {
            assertEquals(HEADER + length, d.readableBytes(), at);
            for (int i = 0; i < HEADER; i++) {
                assertEquals((byte) (0xA0 + id), d.getByte(d.readerIndex() + i), at + " header byte " + i);
            }
            for (int o = 0; o < length; o++) {
                assertEquals((byte) (id * 31 + o), d.getByte(d.readerIndex() + HEADER + o), at + " payload " + o);
            }
        } finally {
            d.release();
        }
    }
}
