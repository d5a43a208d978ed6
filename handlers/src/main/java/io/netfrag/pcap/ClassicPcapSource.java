package io.netfrag.pcap;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.io.IOException;

/**
 * Classic pcap (draft-ietf-opsawg-pcap): a 24-byte file header, then records of a 16-byte header and the captured
 * bytes. Byte order and timestamp resolution come from the magic.
 */
final class ClassicPcapSource extends RecordSource {
    /** Microsecond magic as read in the writer's byte order (draft-ietf-opsawg-pcap §4). */
    static final int MAGIC_MICROS = 0xa1b2c3d4;
    /** Nanosecond magic as read in the writer's byte order (draft-ietf-opsawg-pcap §4). */
    static final int MAGIC_NANOS = 0xa1b23c4d;
    static final int FILE_HEADER_LENGTH = 24;
    static final int RECORD_HEADER_LENGTH = 16;

    private final boolean bigEndian;
    private final boolean nanos;
    private final int linkType;

    private ClassicPcapSource(PcapInput input, ByteBufAllocator allocator, boolean bigEndian, boolean nanos,
            int linkType) {
        super(input, allocator);
        this.bigEndian = bigEndian;
        this.nanos = nanos;
        this.linkType = linkType;
    }

    /** Reads the file header; {@code magicBigEndian} is the first 4 bytes read big-endian (still unconsumed). */
    static ClassicPcapSource open(PcapInput input, ByteBufAllocator allocator, int magicBigEndian) throws IOException {
        boolean bigEndian = magicBigEndian == MAGIC_MICROS || magicBigEndian == MAGIC_NANOS;
        int magic = bigEndian ? magicBigEndian : Integer.reverseBytes(magicBigEndian);
        boolean nanos = magic == MAGIC_NANOS;
        int available = input.fill(FILE_HEADER_LENGTH);
        if (available < FILE_HEADER_LENGTH) {
            throw new PcapFormatException("truncated pcap file header: needs " + FILE_HEADER_LENGTH + " bytes, "
                    + available + " available");
        }
        int major = input.getUnsignedShort(4, bigEndian);
        int minor = input.getUnsignedShort(6, bigEndian);
        // as pcap §4: readers should accept only major version 2 (minor 4 today; older minors use the same layout).
        if (major != 2) {
            throw new PcapFormatException("unsupported pcap version " + major + '.' + minor + " (expected 2.x)");
        }
        // as pcap §4: LinkType is the low 16 bits; the high bits hold the optional FCS length and F flag.
        int linkType = input.getInt(20, bigEndian) & 0xffff;
        input.consume(FILE_HEADER_LENGTH);
        return new ClassicPcapSource(input, allocator, bigEndian, nanos, linkType);
    }

    @Override
    PcapReader.Format format() {
        return nanos ? PcapReader.Format.PCAP_NANOS : PcapReader.Format.PCAP_MICROS;
    }

    @Override
    PcapRecord next() throws IOException {
        int available = input.fill(RECORD_HEADER_LENGTH);
        if (available == 0) {
            return null;
        }
        if (available < RECORD_HEADER_LENGTH) {
            throw new PcapFormatException("truncated record " + nextNumber() + " header: needs "
                    + RECORD_HEADER_LENGTH + " bytes, " + available + " available");
        }
        // as pcap §5: seconds, micro- or nanoseconds, captured length, original length; all u32.
        long seconds = input.getUnsignedInt(0, bigEndian);
        long fraction = input.getUnsignedInt(4, bigEndian);
        long capturedLength = input.getUnsignedInt(8, bigEndian);
        long originalLength = input.getUnsignedInt(12, bigEndian);
        checkCapturedLength(capturedLength);
        input.consume(RECORD_HEADER_LENGTH);
        // u32 seconds * 1e9 stays below 2^63, and so does adding a u32 fraction * 1000.
        long timestamp = seconds * 1_000_000_000L + (nanos ? fraction : fraction * 1000L);
        ByteBuf content = readPacket((int) capturedLength);
        return record(linkType, 0, timestamp, originalLength, content);
    }
}
