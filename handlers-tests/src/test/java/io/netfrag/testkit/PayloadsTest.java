package io.netfrag.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Payloads: round trip on heap, direct and composite buffers; every kind of corruption is caught. */
class PayloadsTest {

    @ParameterizedTest(name = "length {0} direct={1}")
    @CsvSource({"8, false", "9, true", "100, false", "1448, true", "65527, false", "65535, true", "65536, false",
            "65545, true", "200000, false"})
    void fillThenVerify(int length, boolean direct) {
        ByteBufAllocator alloc = direct ? PooledByteBufAllocator.DEFAULT : UnpooledByteBufAllocator.DEFAULT;
        ByteBuf b = alloc.buffer(length + 3);
        b.writeBytes(new byte[] {1, 2, 3}).skipBytes(3);
        Payloads.fill(b, 42, 123456789L, length);
        assertEquals(length, b.readableBytes());
        assertEquals(3, b.readerIndex());
        assertEquals(123456789L, Payloads.index(b));
        assertTrue(Payloads.verify(b, 42));
        assertEquals(3, b.readerIndex(), "verify moves no index");
        assertEquals(length + 3, b.writerIndex());
        if (length > Payloads.HEADER_LENGTH) {
            assertFalse(Payloads.verify(b, 43), "another seed");
        }
        b.release();
    }

    @Test
    void compositeSplitAtOddPlaces() {
        ByteBuf whole = UnpooledByteBufAllocator.DEFAULT.heapBuffer();
        Payloads.fill(whole, 7, 5, 30001);
        CompositeByteBuf c = UnpooledByteBufAllocator.DEFAULT.compositeBuffer();
        int[] cuts = {0, 1, 9, 1457, 17000, 30001};
        for (int i = 0; i + 1 < cuts.length; i++) {
            ByteBuf part = (i % 2 == 0 ? PooledByteBufAllocator.DEFAULT.directBuffer()
                    : UnpooledByteBufAllocator.DEFAULT.heapBuffer());
            part.writeBytes(whole, cuts[i], cuts[i + 1] - cuts[i]);
            c.addComponent(true, part);
        }
        assertTrue(Payloads.verify(c, 7));
        c.setByte(17000, c.getByte(17000) ^ 0x10);
        assertFalse(Payloads.verify(c, 7));
        c.release();
        whole.release();
    }

    @ParameterizedTest(name = "flip at {0}")
    @ValueSource(ints = {0, 7, 8, 9, 1447, 1448, 65535, 65536, 69999})
    void everyFlippedByteIsCaught(int position) {
        ByteBuf b = UnpooledByteBufAllocator.DEFAULT.heapBuffer();
        Payloads.fill(b, 1, 2, 70000);
        b.setByte(position, b.getByte(position) ^ 1);
        assertFalse(Payloads.verify(b, 1));
        b.release();
    }

    @Test
    void dataOfAnotherDatagramOrOffsetIsCaught() {
        ByteBuf a = UnpooledByteBufAllocator.DEFAULT.heapBuffer();
        ByteBuf b = UnpooledByteBufAllocator.DEFAULT.heapBuffer();
        Payloads.fill(a, 9, 100, 4000);
        Payloads.fill(b, 9, 101, 4000);
        // the second half of datagram 101 in datagram 100 (a misassembled fragment)
        ByteBuf mixed = a.copy();
        mixed.setBytes(2000, b, 2000, 2000);
        assertFalse(Payloads.verify(mixed, 9));
        // datagram 100's data shifted by 8 bytes (a fragment at the wrong offset)
        ByteBuf shifted = a.copy();
        shifted.setBytes(1008, a, 1000, 1000);
        assertFalse(Payloads.verify(shifted, 9));
        // a truncated payload is a valid shorter payload: receivers check the length themselves
        assertTrue(Payloads.verify(a.slice(0, 1000), 9));
        a.release();
        b.release();
        mixed.release();
        shifted.release();
    }

    @Test
    void startOffsetsSpreadOverSeedsAndIndexes() {
        Set<Integer> starts = new HashSet<>();
        for (long index = 0; index < 1000; index++) {
            starts.add(Payloads.start(0, index));
            starts.add(Payloads.start(index + 1, 0));
        }
        assertTrue(starts.size() > 1900, "distinct start offsets: " + starts.size());
    }

    @Test
    void shortPayloads() {
        ByteBuf b = UnpooledByteBufAllocator.DEFAULT.heapBuffer();
        assertThrows(IllegalArgumentException.class, () -> Payloads.fill(b, 0, 0, 7));
        assertEquals(0, b.writerIndex());
        b.writeBytes(new byte[7]);
        assertFalse(Payloads.verify(b, 0));
        assertThrows(IndexOutOfBoundsException.class, () -> Payloads.index(b));
        b.release();
    }
}
