package io.netfrag.internal.reassembly;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.netfrag.reassembly.CoalescePolicy;
import io.netfrag.reassembly.ReassemblyLimits;
import io.netfrag.stats.Counters;
import io.netfrag.stats.DropReason;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The table's map when keys share a hash: queues on one hash chain are found, completed, flushed and evicted
 * independently, whatever their place on the chain. (With the secret keyed hash such chains are rare; a key whose
 * {@link FragmentKey#hash} ignores the hasher forces them.)
 */
class ReassemblyTableHashTest {
    private static final int HEADER = 8;
    private static final ByteBufAllocator ALLOC = PooledByteBufAllocator.DEFAULT;

    /** A key whose every instance has the same keyed hash. */
    static final class CollidingKey implements FragmentKey<CollidingKey> {
        int id;

        CollidingKey(int id) {
            this.id = id;
        }

        @Override
        public CollidingKey copy() {
            return new CollidingKey(id);
        }

        @Override
        public long hash(KeyHasher hasher) {
            return 0x5eed;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof CollidingKey && ((CollidingKey) o).id == id;
        }

        @Override
        public int hashCode() {
            return id;
        }
    }

    /** Header (8 bytes of {@code 0xh0 + id}) and 8 data bytes of {@code id + offset/8}. */
    private static ByteBuf fragment(int id, int offset) {
        ByteBuf b = ALLOC.directBuffer(HEADER + 8);
        for (int i = 0; i < HEADER; i++) {
            b.writeByte(0x80 + id);
        }
        for (int i = 0; i < 8; i++) {
            b.writeByte(id + offset / 8);
        }
        return b;
    }

    private static InsertResult insert(ReassemblyTable<CollidingKey> table, int id, int offset, boolean last) {
        return table.insert(new CollidingKey(id), new Fragment().data(fragment(id, offset), HEADER, offset, 8, last)
                .header(0, HEADER), 0, ALLOC);
    }

    private static void completes(ReassemblyTable<CollidingKey> table, int id) {
        assertEquals(InsertResult.COMPLETE, insert(table, id, 8, true), "id " + id);
        ByteBuf d = table.takeCompleted();
        try {
            assertEquals(HEADER + 16, d.readableBytes());
            for (int i = 0; i < HEADER; i++) {
                assertEquals((byte) (0x80 + id), d.getByte(d.readerIndex() + i), "header of id " + id);
            }
            for (int i = 0; i < 16; i++) {
                assertEquals((byte) (id + i / 8), d.getByte(d.readerIndex() + HEADER + i), "data of id " + id);
            }
        } finally {
            d.release();
        }
    }

    @ParameterizedTest
    @EnumSource(CoalescePolicy.class)
    void queuesSharingAHashLiveAndDieIndependently(CoalescePolicy policy) {
        Counters counters = new Counters();
        ReassemblyTable<CollidingKey> table = new ReassemblyTable<>(policy,
                ReassemblyLimits.defaults(Duration.ofSeconds(60)), 65_535, counters,
                ReassemblyProtocol.<CollidingKey>plain(q -> { }));
        int n = 8;
        for (int id = 0; id < n; id++) {
            assertEquals(InsertResult.QUEUED, insert(table, id, 0, false));
        }
        assertEquals(n, table.queueCount());
        for (int id = 0; id < n; id++) {
            FragmentQueue<CollidingKey> q = table.find(new CollidingKey(id));
            assertNotNull(q, "id " + id);
            assertEquals(id, q.key.id);
        }
        assertNull(table.find(new CollidingKey(n)));
        // the chain is head, then the others newest first: take the head, the tail, a middle one, then the rest
        completes(table, 0);
        completes(table, 1);
        completes(table, 5);
        table.flush(table.find(new CollidingKey(3)), DropReason.QUEUE_EVICTED);
        assertNull(table.find(new CollidingKey(3)));
        assertEquals(n - 4, table.queueCount());
        FragmentQueue<CollidingKey> gone = table.find(new CollidingKey(7));
        table.flush(gone, DropReason.QUEUE_EVICTED);
        assertThrows(IllegalArgumentException.class, () -> table.flush(gone, DropReason.QUEUE_EVICTED),
                "a flushed queue is no longer live");
        for (int id : new int[] {2, 4, 6}) {
            assertSame(table.find(new CollidingKey(id)), table.find(new CollidingKey(id)));
            completes(table, id);
        }
        assertEquals(0, table.queueCount());
        assertEquals(0, table.pinnedBytes());
        // the same keys again: a fresh chain
        for (int id = 0; id < n; id++) {
            assertEquals(InsertResult.QUEUED, insert(table, id, 0, false));
        }
        for (int id = n - 1; id >= 0; id--) {
            completes(table, id);
        }
        assertEquals(0, table.queueCount());
        assertEquals(0, table.pinnedBytes());
    }
}
