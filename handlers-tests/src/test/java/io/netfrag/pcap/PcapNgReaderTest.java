package io.netfrag.pcap;

import static io.netfrag.pcap.PcapTestSupport.pattern;
import static io.netfrag.pcap.PcapTestSupport.readAll;
import static io.netfrag.pcap.PcapTestSupport.sectionHeader;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.netfrag.pcap.PcapTestSupport.Bytes;
import io.netfrag.pcap.PcapTestSupport.Seen;
import io.netfrag.pcap.PcapTestSupport.TrackingAllocator;
import io.netfrag.pcap.PcapTestSupport.TrickleInputStream;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** pcapng: sections in both byte orders, interfaces and their resolutions, block skipping, malformed files. */
final class PcapNgReaderTest {
    private static final int IDB = PcapNgSource.IDB;
    private static final int EPB = PcapNgSource.EPB;
    private static final int SPB = PcapNgSource.SPB;
    private static final int NRB = 4;
    private static final int ISB = 5;
    private static final int IF_NAME = 2;
    private static final int IF_TSRESOL = 9;
    private static final int IF_TSOFFSET = 14;
    private static final int OPT_COMMENT = 1;

    private static final long T1 = 1_700_000_000_123_456_789L;
    private static final byte[] IPV4 = Bytes.be().hex("45000015 00010000 40110000 0a000001 0a000002 ff").toArray();
    private static final byte[] ETHERNET_IPV6 = Bytes.be()
            .hex("020000000002 020000000001 86dd")
            .hex("60000000 0008 1140 fc000001000000000000000000000001 fc000002000000000000000000000001")
            .hex("9c41 1388 0008 0000").toArray();
    private static final byte[] IPV6_HEADER = Bytes.be()
            .hex("60000000 04d8 2c40 fc000001000000000000000000000001 fc000002000000000000000000000001").toArray();

    /** An EPB: interface, 64-bit timestamp as high and low words, lengths, data, then an epb_flags option. */
    private static Bytes epb(Bytes b, int interfaceId, long ticks, byte[] data, int originalLength) {
        return b.block(EPB, body -> body.u32(interfaceId).u32(ticks >>> 32).u32(ticks).u32(data.length)
                .u32(originalLength).bytes(data).pad4().option(2, new byte[4]).endOfOptions());
    }

    /**
     * Section 1, little-endian: IDB 0 raw IP at ns (if_tsresol 9), IDB 1 Ethernet at 2^-10 s, then NRB, an unknown and
     * a local-use block, EPB on interface 0, ISB, EPB on interface 1, SPB. Section 2, big-endian: IDB 0 raw IPv6 with
     * no options (µs) and snaplen 64, EPB, SPB.
     */
    static byte[] twoSections() {
        Bytes le = sectionHeader(Bytes.le());
        le.block(IDB, b -> b.u16(LinkLayer.RAW).u16(0).u32(0).option(IF_NAME, "eth0")
                .option(IF_TSRESOL, new byte[] {9}).endOfOptions());
        le.block(IDB, b -> b.u16(LinkLayer.ETHERNET).u16(0).u32(65535).option(OPT_COMMENT, "odd!!")
                .option(IF_TSRESOL, new byte[] {(byte) 0x8a}).endOfOptions());
        le.block(NRB, b -> b.u16(1).u16(8).hex("0a000001").bytes(new byte[] {'a', '.', 'b', 0}).endOfOptions());
        le.block(0x0000_0bad, b -> b.zeros(12));
        le.block(0x8000_0001, b -> b.hex("deadbeef"));
        epb(le, 0, T1, IPV4, IPV4.length);
        le.block(ISB, b -> b.u32(0).u32(0).u32(0).endOfOptions());
        epb(le, 1, 1_700_000_000L * 1024 + 1, ETHERNET_IPV6, ETHERNET_IPV6.length);
        le.block(SPB, b -> b.u32(30).bytes(pattern(30, 0x45)));

        Bytes be = sectionHeader(Bytes.be());
        be.block(IDB, b -> b.u16(LinkLayer.IPV6).u16(0).u32(64));
        epb(be, 0, 1_700_000_001_000_001L, IPV6_HEADER, 1280);
        be.block(SPB, b -> b.u32(100).bytes(pattern(64, 0x60)));
        return Bytes.le().bytes(le.toArray()).bytes(be.toArray()).toArray();
    }

    static Stream<Arguments> readModes() {
        return Stream.of(Arguments.of("plain"), Arguments.of("seven bytes per read"), Arguments.of("allocator"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("readModes")
    void readsTwoSectionsOfDifferentByteOrders(String mode) throws IOException {
        byte[] file = twoSections();
        InputStream in = new ByteArrayInputStream(file);
        TrackingAllocator allocator = null;
        if (mode.equals("seven bytes per read")) {
            in = new TrickleInputStream(in, 7);
        } else if (mode.equals("allocator")) {
            allocator = new TrackingAllocator();
        }
        List<Seen> seen = readAll(in, allocator);
        assertEquals(5, seen.size());

        assertEquals(new Seen(1, LinkLayer.RAW, 0, T1, IPV4.length, null), seen.get(0).withoutData());
        assertArrayEquals(IPV4, seen.get(0).data());

        // 2^-10 s resolution: 1/1024 s is 976562.5 ns, truncated.
        assertEquals(new Seen(2, LinkLayer.ETHERNET, 1, 1_700_000_000_000_976_562L, ETHERNET_IPV6.length, null),
                seen.get(1).withoutData());
        assertArrayEquals(ETHERNET_IPV6, seen.get(1).data());

        // SPB: interface 0, no timestamp, captured = original length (the block's padding is not data).
        assertEquals(new Seen(3, LinkLayer.RAW, 0, 0, 30, null), seen.get(2).withoutData());
        assertArrayEquals(pattern(30, 0x45), seen.get(2).data());

        // Section 2: interfaces start again at 0, default resolution is µs.
        assertEquals(new Seen(4, LinkLayer.IPV6, 0, 1_700_000_001_000_001_000L, 1280, null),
                seen.get(3).withoutData());
        assertArrayEquals(IPV6_HEADER, seen.get(3).data());

        // SPB bounded by the interface's snap length.
        assertEquals(new Seen(5, LinkLayer.IPV6, 0, 0, 100, null), seen.get(4).withoutData());
        assertArrayEquals(pattern(64, 0x60), seen.get(4).data());

        if (allocator != null) {
            assertEquals(5, allocator.allocated.size());
            allocator.assertAllReleased();
        }
    }

    @Test
    void detectsPcapngAndFindsTheIpPacketInEachRecord() throws IOException {
        try (PcapReader reader = PcapReader.open(new ByteArrayInputStream(twoSections()))) {
            assertEquals(PcapReader.Format.PCAPNG, reader.format());
            int[] expectedIndex = {0, 14, 0, 0, 0};
            PcapRecord record;
            while ((record = reader.next()) != null) {
                try {
                    long location = LinkLayer.locate(record.linkType(), record.content());
                    assertEquals(expectedIndex[record.number() - 1], LinkLayer.index(location), record.toString());
                } finally {
                    record.release();
                }
            }
        }
    }

    @Test
    void appliesTheInterfaceTimestampOffset() throws IOException {
        Bytes b = sectionHeader(Bytes.le());
        b.block(IDB, body -> body.u16(LinkLayer.RAW).u16(0).u32(0).option(IF_TSOFFSET, Bytes.le().u64(100).toArray())
                .option(IF_TSRESOL, new byte[] {9}).endOfOptions());
        epb(b, 0, 5, IPV4, IPV4.length);
        assertEquals(100_000_000_005L, readAll(b.toArray()).get(0).timestampNanos());
    }

    @Test
    void skipsASectionOfAnUnknownMajorVersion() throws IOException {
        // as pcapng §3.4: skip everything up to the next Section Header Block.
        Bytes b = Bytes.le().block(PcapNgSource.SHB, body -> body.u32(PcapNgSource.BYTE_ORDER_MAGIC).u16(2).u16(0)
                .u64(-1));
        b.block(IDB, body -> body.u16(LinkLayer.ETHERNET).u16(0).u32(0));
        epb(b, 0, 1, IPV4, IPV4.length);
        Bytes second = sectionHeader(Bytes.be());
        second.block(IDB, body -> body.u16(LinkLayer.IPV4).u16(0).u32(0));
        epb(second, 0, 2, IPV4, IPV4.length);
        List<Seen> seen = readAll(b.bytes(second.toArray()).toArray());
        assertEquals(1, seen.size());
        assertEquals(1, seen.get(0).number());
        assertEquals(LinkLayer.IPV4, seen.get(0).linkType());
        assertEquals(2_000L, seen.get(0).timestampNanos());
    }

    @Test
    void aFileOfOnlyASectionHeaderHasNoRecords() throws IOException {
        assertEquals(List.of(), readAll(sectionHeader(Bytes.be()).toArray()));
    }

    /** as pcapng §4.2 if_tsresol: MSB clear, a negative power of 10; MSB set, a negative power of 2. */
    @ParameterizedTest(name = "{0} ticks at 0x{1} = {2} ns")
    @CsvSource({
        "1500000, 06, 1500000000",
        "1500000123, 09, 1500000123",
        "1500, 03, 1500000000",
        "10, 00, 10000000000",
        "1500000000123, 0c, 1500000000",
        "-1, 13, 1844674407",
        "5632, 8a, 5500000000",
        "1, 8a, 976562",
        "3145729, 94, 3000000953",
        "8246337208320, a8, 7500000000",
        "5, 80, 5000000000",
        "-1, ff, 0",
        "1000000000000000000, 7f, 0",
    })
    void convertsTimestampResolutions(long ticks, String tsresolHex, long expectedNanos) {
        assertEquals(expectedNanos, PcapNgSource.toNanos(ticks, Integer.parseInt(tsresolHex, 16)));
    }

    @ParameterizedTest
    @ValueSource(ints = {3, 6, 0x80})
    void rejectsTimestampsBeyondSigned64BitNanoseconds(int tsresol) {
        assertThrows(ArithmeticException.class, () -> PcapNgSource.toNanos(Long.MAX_VALUE, tsresol));
        assertThrows(ArithmeticException.class, () -> PcapNgSource.toNanos(-1, tsresol));
    }

    @Test
    void reportsAnOverflowingTimestampAsAFormatError() {
        Bytes b = sectionHeader(Bytes.le());
        b.block(IDB, body -> body.u16(LinkLayer.RAW).u16(0).u32(0));
        epb(b, 0, -1, IPV4, IPV4.length);
        PcapFormatException e = assertThrows(PcapFormatException.class, () -> readAll(b.toArray()));
        assertEquals("record 1: timestamp 18446744073709551615 at if_tsresol 0x6 offset 0 s does not fit in 64-bit "
                + "nanoseconds", e.getMessage());
    }

    /** SHB and an IDB (raw IP, default resolution), little-endian. */
    private static Bytes start() {
        Bytes b = sectionHeader(Bytes.le());
        b.block(IDB, body -> body.u16(LinkLayer.RAW).u16(0).u32(0));
        return b;
    }

    static Stream<Arguments> malformedFiles() {
        int at = start().size();
        Bytes noIdb = sectionHeader(Bytes.le());
        int shb = noIdb.size();
        return Stream.of(
                Arguments.of("bad byte-order magic", Bytes.be().u32(PcapNgSource.SHB).u32(28).u32(0x11223344).u16(1)
                        .u16(0).u64(-1).u32(28).toArray(), "bad pcapng byte-order magic 0x11223344 at offset 8 "
                                + "(expected 0x1a2b3c4d in either byte order)"),
                Arguments.of("truncated section header", Bytes.le().u32(PcapNgSource.SHB).u32(28)
                        .u32(PcapNgSource.BYTE_ORDER_MAGIC).toArray(),
                        "truncated pcapng section header at offset 0: needs 24 bytes, 12 available"),
                Arguments.of("section header length not a multiple of 4", Bytes.le().u32(PcapNgSource.SHB).u32(30)
                        .u32(PcapNgSource.BYTE_ORDER_MAGIC).u16(1).u16(0).u64(-1).zeros(6).toArray(),
                        "pcapng block type 0x0a0d0d0a at offset 0 has bad length 30 (must be a multiple of 4, at "
                                + "least 28)"),
                Arguments.of("absurd block length", start().u32(EPB).u32(0x7fff_fff0L).zeros(64).toArray(),
                        "pcapng block type 0x00000006 at offset " + at + " claims 2147483632 bytes, more than the "
                                + "268435456-byte limit (corrupt file?)"),
                Arguments.of("absurd captured length", start().u32(EPB).u32(48).u32(0).u32(0).u32(0)
                        .u32(0xffff_ffffL).u32(16).zeros(16).u32(48).toArray(),
                        "record 1 claims 4294967295 captured bytes, more than the 268435456-byte limit "
                                + "(corrupt file?)"),
                Arguments.of("block shorter than its header", start().u32(0xbad).u32(8).toArray(),
                        "pcapng block type 0x00000bad at offset " + at + " has bad length 8 (must be a multiple of "
                                + "4, at least 12)"),
                Arguments.of("trailer mismatch", start().u32(0xbad).u32(16).u32(0).u32(999).toArray(),
                        "pcapng block at offset " + at + ": trailing length 999 does not match leading length 16"),
                Arguments.of("EPB before any IDB", epb(sectionHeader(Bytes.le()), 0, 0, IPV4, IPV4.length).toArray(),
                        "record 1: packet block at offset " + shb + " refers to interface 0 but section 1 describes "
                                + "0 interface(s)"),
                Arguments.of("SPB before any IDB", sectionHeader(Bytes.le()).block(SPB, b -> b.u32(4).zeros(4))
                        .toArray(), "record 1: packet block at offset " + shb + " refers to interface 0 but section 1 "
                                + "describes 0 interface(s)"),
                Arguments.of("EPB on an interface of the previous section",
                        epb(start().bytes(start().toArray()), 1, 0, IPV4, IPV4.length).toArray(),
                        "record 1: packet block at offset " + 2 * at + " refers to interface 1 but section 2 "
                                + "describes 1 interface(s)"),
                Arguments.of("captured length beyond the block", start().u32(EPB).u32(48).u32(0).u32(0).u32(0).u32(100)
                        .u32(100).zeros(16).u32(48).toArray(), "record 1: enhanced packet block at offset " + at
                                + " claims 100 captured bytes but is only 48 bytes long"),
                Arguments.of("truncated packet data", start().u32(EPB).u32(32 + 1516).u32(0).u32(0).u32(0).u32(1514)
                        .u32(1514).zeros(300).toArray(), "truncated record 1: needs 1514 bytes, 300 available"),
                Arguments.of("truncated trailer", start().u32(EPB).u32(36).u32(0).u32(0).u32(0).u32(4).u32(4)
                        .hex("45000004").toArray(),
                        "truncated pcapng block at offset " + at + ": needs 4 more bytes, 0 available"),
                Arguments.of("truncated block header", start().zeros(5).toArray(),
                        "truncated pcapng block at offset " + at + ": needs 8 more bytes, 5 available"),
                Arguments.of("IDB option overrunning the block", sectionHeader(Bytes.le()).block(IDB, b -> b
                        .u16(LinkLayer.RAW).u16(0).u32(0).u16(IF_TSRESOL).u16(200).u8(9).pad4()).toArray(),
                        "pcapng interface description block at offset " + shb + ": option 9 of 200 bytes overruns the "
                                + "block"));
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

    @Test
    void releasesTheRecordWhenTheBlockAfterItsDataIsTruncated() {
        // The packet data is complete but the options are cut: the content already read must be released.
        byte[] file = start().u32(EPB).u32(48).u32(0).u32(0).u32(0).u32(4).u32(4).hex("45000004").zeros(2).toArray();
        TrackingAllocator allocator = new TrackingAllocator();
        assertThrows(PcapFormatException.class, () -> readAll(new ByteArrayInputStream(file), allocator));
        assertEquals(1, allocator.allocated.size());
        allocator.assertAllReleased();
    }

    @Test
    void recordCopiesKeepTheirMetadata() throws IOException {
        try (PcapReader reader = PcapReader.open(new ByteArrayInputStream(twoSections()))) {
            reader.next().release();
            PcapRecord record = reader.next();
            PcapRecord copy = record.copy();
            PcapRecord duplicate = record.retainedDuplicate();
            try {
                assertEquals(record, copy);
                assertEquals(record.hashCode(), copy.hashCode());
                assertEquals(2, duplicate.number());
                assertEquals(1, duplicate.interfaceId());
                assertEquals(2, record.refCnt());
            } finally {
                copy.release();
                duplicate.release();
                record.release();
            }
            assertEquals(0, record.refCnt());
            assertEquals(0, copy.refCnt());
            ByteBuf empty = Unpooled.buffer(0);
            PcapRecord replaced = record.replace(empty);
            assertEquals(2, replaced.number());
            assertEquals(0, replaced.capturedLength());
            replaced.release();
            assertEquals(0, empty.refCnt());
        }
    }
}
