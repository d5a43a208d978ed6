package io.netfrag.pcap;

import static io.netfrag.pcap.PcapTestSupport.pattern;
import static io.netfrag.pcap.PcapTestSupport.readAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netfrag.pcap.PcapTestSupport.Bytes;
import io.netfrag.pcap.PcapTestSupport.CountingInputStream;
import io.netfrag.pcap.PcapTestSupport.Seen;
import io.netfrag.pcap.PcapTestSupport.TrackingAllocator;
import io.netfrag.pcap.PcapTestSupport.TrickleInputStream;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntUnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Classic pcap: {@link PcapWriter} round trips, hand-built files in both byte orders, streaming, malformed files. */
final class PcapReaderTest {
    private static final long BASE_NANOS = 1_700_000_000_123_456_789L;
    /** A 20-byte IPv4 header with no payload: 10.0.0.1 to 10.0.0.2, UDP. */
    private static final byte[] IPV4_HEADER = Bytes.be().hex("45000014 00010000 40110000 0a000001 0a000002").toArray();

    /** A classic pcap file header in {@code b}'s byte order (pcap §4). */
    private static Bytes classic(Bytes b, int magic, long linkTypeField) {
        return b.u32(magic).u16(2).u16(4).u32(0).u32(0).u32(65535).u32(linkTypeField);
    }

    private static Bytes classicLe() {
        return classic(Bytes.le(), ClassicPcapSource.MAGIC_MICROS, LinkLayer.RAW);
    }

    /** A record whose original length is its captured length (pcap §5). */
    private static Bytes record(Bytes b, long seconds, long fraction, byte[] data) {
        return b.u32(seconds).u32(fraction).u32(data.length).u32(data.length).bytes(data);
    }

    private static byte[] writeCapture(PcapWriter.Precision precision, int count, long step,
            IntUnaryOperator length) throws IOException {
        ByteArrayOutputStream file = new ByteArrayOutputStream();
        try (PcapWriter writer = PcapWriter.open(file, LinkLayer.RAW, precision)) {
            for (int i = 0; i < count; i++) {
                byte[] bytes = pattern(length.applyAsInt(i), i);
                ByteBuf packet = Unpooled.buffer(bytes.length).writeBytes(bytes);
                writer.write(BASE_NANOS + i * step, packet);
                assertEquals(0, packet.readerIndex(), "the packet is borrowed: reader index untouched");
                assertEquals(1, packet.refCnt(), "the packet is borrowed: not released");
                packet.release();
                assertEquals(0, packet.refCnt());
            }
            assertEquals(count, writer.records());
        }
        return file.toByteArray();
    }

    @ParameterizedTest
    @EnumSource(PcapWriter.Precision.class)
    void roundTripsThroughTheWriter(PcapWriter.Precision precision) throws IOException {
        int count = 50;
        long step = 1_000_001_001L;
        byte[] file = writeCapture(precision, count, step, i -> i * 31);
        try (PcapReader reader = PcapReader.open(new ByteArrayInputStream(file))) {
            assertEquals(precision == PcapWriter.Precision.NANOS ? PcapReader.Format.PCAP_NANOS
                    : PcapReader.Format.PCAP_MICROS, reader.format());
        }
        TrackingAllocator allocator = new TrackingAllocator();
        for (List<Seen> seen : List.of(readAll(file), readAll(new ByteArrayInputStream(file), allocator))) {
            assertEquals(count, seen.size());
            for (int i = 0; i < count; i++) {
                Seen s = seen.get(i);
                long written = BASE_NANOS + i * step;
                long expected = precision == PcapWriter.Precision.NANOS ? written : written - written % 1000;
                assertEquals(i + 1, s.number());
                assertEquals(LinkLayer.RAW, s.linkType());
                assertEquals(0, s.interfaceId());
                assertEquals(expected, s.timestampNanos(), "record " + (i + 1));
                assertEquals(i * 31, s.originalLength());
                assertArrayEquals(pattern(i * 31, i), s.data());
            }
        }
        assertEquals(count, allocator.allocated.size());
        allocator.assertAllReleased();
    }

    @Test
    void writerTruncatesToTheSnapLengthAndKeepsOriginalLengths() throws IOException {
        ByteArrayOutputStream file = new ByteArrayOutputStream();
        ByteBuf big = Unpooled.buffer().writeBytes(pattern(PcapWriter.SNAPLEN + 100, 1));
        ByteBuf small = Unpooled.buffer().writeBytes(pattern(60, 2));
        try (PcapWriter writer = PcapWriter.open(file, LinkLayer.ETHERNET, PcapWriter.Precision.MICROS)) {
            writer.write(1_000_000_000L, big);
            writer.write(2_000_000_000L, small, 1514);
        } finally {
            big.release();
            small.release();
        }
        assertEquals(0, big.refCnt());
        assertEquals(0, small.refCnt());
        List<Seen> seen = readAll(file.toByteArray());
        assertEquals(2, seen.size());
        assertEquals(PcapWriter.SNAPLEN + 100, seen.get(0).originalLength());
        assertArrayEquals(pattern(PcapWriter.SNAPLEN, 1), seen.get(0).data());
        assertEquals(LinkLayer.ETHERNET, seen.get(0).linkType());
        assertEquals(1514, seen.get(1).originalLength());
        assertEquals(60, seen.get(1).data().length);
        assertEquals(2_000_000_000L, seen.get(1).timestampNanos());
    }

    @Test
    void writerRejectsWhatPcapCannotHold() throws IOException {
        assertThrows(IllegalArgumentException.class,
                () -> PcapWriter.open(new ByteArrayOutputStream(), 70_000, PcapWriter.Precision.NANOS));
        ByteBuf packet = Unpooled.buffer().writeBytes(pattern(10, 0));
        try {
            PcapWriter writer = PcapWriter.open(new ByteArrayOutputStream(), LinkLayer.RAW, PcapWriter.Precision.NANOS);
            assertThrows(IllegalArgumentException.class, () -> writer.write(-1, packet));
            assertThrows(IllegalArgumentException.class, () -> writer.write(0x1_0000_0000L * 1_000_000_000L, packet));
            assertThrows(IllegalArgumentException.class, () -> writer.write(0, packet, 9));
            writer.close();
            writer.close();
            IOException e = assertThrows(IOException.class, () -> writer.write(0, packet));
            assertEquals("writer is closed", e.getMessage());
        } finally {
            packet.release();
        }
        assertEquals(0, packet.refCnt());
    }

    /** Hand-built files: big- and little-endian, µs and ns, FCS bits set above the link type (pcap §4). */
    @ParameterizedTest(name = "bigEndian={0} nanos={1}")
    @CsvSource({"true, false", "true, true", "false, false", "false, true"})
    void readsHandBuiltFilesInEitherByteOrder(boolean bigEndian, boolean nanos) throws IOException {
        Bytes b = classic(new Bytes(bigEndian), nanos ? ClassicPcapSource.MAGIC_NANOS : ClassicPcapSource.MAGIC_MICROS,
                0x5000_0000L | LinkLayer.IPV4);
        byte[] first = IPV4_HEADER;
        record(b, 1_700_000_000L, nanos ? 999_999_999L : 999_999L, first);
        // Second record: u32 seconds at its maximum, and a captured length smaller than the original.
        b.u32(0xffff_ffffL).u32(0).u32(1).u32(9000).u8(0x45);
        byte[] file = b.toArray();
        assertEquals(bigEndian ? (byte) 0xa1 : (byte) (nanos ? 0x4d : 0xd4), file[0]);
        try (PcapReader reader = PcapReader.open(new ByteArrayInputStream(file))) {
            assertEquals(nanos ? PcapReader.Format.PCAP_NANOS : PcapReader.Format.PCAP_MICROS, reader.format());
            PcapRecord r1 = reader.next();
            assertEquals(1, r1.number());
            assertEquals(LinkLayer.IPV4, r1.linkType());
            assertEquals(1_700_000_000_000_000_000L + (nanos ? 999_999_999L : 999_999_000L), r1.timestampNanos());
            assertEquals(first.length, r1.originalLength());
            assertArrayEquals(first, ByteBufUtil.getBytes(r1.content()));
            assertTrue(r1.release());
            assertEquals(0, r1.refCnt());
            PcapRecord r2 = reader.next();
            assertEquals(2, r2.number());
            assertEquals(0xffff_ffffL * 1_000_000_000L, r2.timestampNanos());
            assertEquals(1, r2.capturedLength());
            assertEquals(9000, r2.originalLength());
            assertTrue(r2.truncated());
            assertTrue(r2.release());
            assertEquals(0, r2.refCnt());
            assertNull(reader.next());
        }
    }

    @Test
    void aFileWithoutRecordsEndsAtOnce() throws IOException {
        assertEquals(List.of(), readAll(classicLe().toArray()));
    }

    @Test
    void emptyRecordsAreReleasableBuffers() throws IOException {
        byte[] file = record(classicLe(), 1, 2, new byte[0]).toArray();
        try (PcapReader reader = PcapReader.open(new ByteArrayInputStream(file))) {
            PcapRecord r = reader.next();
            assertEquals(0, r.capturedLength());
            ByteBuf content = r.content();
            assertTrue(r.release());
            assertEquals(0, content.refCnt());
        }
    }

    @Test
    void streamsThroughAnInputStreamReturningAtMostSevenBytesPerRead() throws IOException {
        int count = 2000;
        byte[] file = writeCapture(PcapWriter.Precision.NANOS, count, 1, i -> i * 97 % 1601);
        TrickleInputStream trickle = new TrickleInputStream(new ByteArrayInputStream(file), 7);
        List<Seen> seen = readAll(trickle, null);
        assertEquals(count, seen.size());
        for (int i = 0; i < count; i++) {
            assertEquals(i + 1, seen.get(i).number());
            assertEquals(BASE_NANOS + i, seen.get(i).timestampNanos());
            assertArrayEquals(pattern(i * 97 % 1601, i), seen.get(i).data());
        }
        assertTrue(trickle.reads >= file.length / 7, "the reader had to cope with short reads");
    }

    @Test
    void readsOneRecordAtATimeWithoutLoadingTheFile() throws IOException {
        int count = 1000;
        byte[] file = writeCapture(PcapWriter.Precision.MICROS, count, 1000, i -> 1000);
        CountingInputStream in = new CountingInputStream(new ByteArrayInputStream(file));
        PcapReader reader = PcapReader.open(in);
        PcapRecord first = reader.next();
        first.release();
        assertTrue(in.count <= 24 + 16 + 1000 + PcapInput.BUFFER_SIZE,
                "read " + in.count + " of " + file.length + " bytes for the first record");
        int n = 1;
        PcapRecord r;
        while ((r = reader.next()) != null) {
            n++;
            r.release();
            assertTrue(in.count <= 24 + (long) n * 1016 + PcapInput.BUFFER_SIZE);
        }
        assertEquals(count, n);
        assertEquals(file.length, in.count);
        reader.close();
        assertTrue(in.closed, "closing the reader closes the stream");
        IOException e = assertThrows(IOException.class, reader::next);
        assertEquals("reader is closed", e.getMessage());
    }

    /** Records above the 64 KiB read buffer and the 1 MiB first chunk, through both content allocation modes. */
    @ParameterizedTest(name = "allocator={0}")
    @ValueSource(booleans = {false, true})
    void readsRecordsLargerThanItsBuffers(boolean useAllocator) throws IOException {
        int[] lengths = {100_000, 3 * 1024 * 1024 + 5, 7};
        Bytes b = classicLe();
        for (int i = 0; i < lengths.length; i++) {
            record(b, i, 0, pattern(lengths[i], i));
        }
        TrackingAllocator allocator = useAllocator ? new TrackingAllocator() : null;
        List<Seen> seen = readAll(new ByteArrayInputStream(b.toArray()), allocator);
        assertEquals(lengths.length, seen.size());
        for (int i = 0; i < lengths.length; i++) {
            assertArrayEquals(pattern(lengths[i], i), seen.get(i).data(), "record " + (i + 1));
        }
        if (allocator != null) {
            allocator.assertAllReleased();
        }
    }

    static Stream<Arguments> malformedFiles() {
        byte[] header = classicLe().toArray();
        Bytes sixteenThenTruncated = classicLe();
        for (int i = 0; i < 16; i++) {
            record(sixteenThenTruncated, i, 0, pattern(60, i));
        }
        sixteenThenTruncated.u32(16).u32(0).u32(1514).u32(1514).bytes(pattern(300, 0));
        return Stream.of(
                Arguments.of("empty", new byte[0], "not a pcap or pcapng file: empty input"),
                Arguments.of("three bytes", new byte[] {(byte) 0xd4, (byte) 0xc3, (byte) 0xb2},
                        "not a pcap or pcapng file: only 3 byte(s)"),
                Arguments.of("bad magic", Bytes.be().u32(0xdeadbeefL).zeros(20).toArray(),
                        "not a pcap or pcapng file: magic 0xdeadbeef"),
                Arguments.of("gzip", Bytes.be().hex("1f8b0800").zeros(20).toArray(),
                        "not a pcap or pcapng file: magic 0x1f8b0800 (gzip-compressed? wrap the stream in a "
                                + "GZIPInputStream)"),
                Arguments.of("truncated file header", Arrays.copyOf(header, 10),
                        "truncated pcap file header: needs 24 bytes, 10 available"),
                Arguments.of("version 1.0", Bytes.le().u32(ClassicPcapSource.MAGIC_MICROS).u16(1).u16(0).zeros(16)
                        .toArray(), "unsupported pcap version 1.0 (expected 2.x)"),
                Arguments.of("truncated record header", record(classicLe(), 1, 0, pattern(10, 0)).zeros(5).toArray(),
                        "truncated record 2 header: needs 16 bytes, 5 available"),
                Arguments.of("truncated record", sixteenThenTruncated.toArray(),
                        "truncated record 17: needs 1514 bytes, 300 available"),
                Arguments.of("absurd length", classicLe().u32(0).u32(0).u32(0xffff_fff0L).u32(64).zeros(64).toArray(),
                        "record 1 claims 4294967280 captured bytes, more than the 268435456-byte limit "
                                + "(corrupt file?)"),
                Arguments.of("one byte over the limit", classicLe().u32(0).u32(0).u32(PcapReader.MAX_RECORD_LENGTH + 1L)
                        .u32(64).toArray(), "record 1 claims 268435457 captured bytes, more than the 268435456-byte "
                                + "limit (corrupt file?)"),
                Arguments.of("truncated huge record", classicLe().u32(0).u32(0).u32(200L << 20).u32(200L << 20)
                        .zeros(2 << 20).toArray(), "truncated record 1: needs 209715200 bytes, 2097152 available"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformedFiles")
    void rejectsMalformedFilesWithAClearMessage(String name, byte[] file, String message) {
        PcapFormatException e = assertThrows(PcapFormatException.class, () -> readAll(file));
        assertEquals(message, e.getMessage());
        TrackingAllocator allocator = new TrackingAllocator();
        e = assertThrows(PcapFormatException.class, () -> readAll(new ByteArrayInputStream(file), allocator));
        assertEquals(message, e.getMessage());
        allocator.assertAllReleased();
    }
}
