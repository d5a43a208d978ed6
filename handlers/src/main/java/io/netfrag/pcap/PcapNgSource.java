package io.netfrag.pcap;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.io.IOException;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;

/**
 * pcapng (draft-ietf-opsawg-pcapng): a sequence of sections, each a Section Header Block followed by blocks in the
 * section's byte order. Interface Description Blocks are remembered per section; Enhanced and Simple Packet Blocks
 * become records; every other block is skipped by its length.
 */
final class PcapNgSource extends RecordSource {
    /** Section Header Block type; palindromic, so it reads the same in either byte order (pcapng §4.1). */
    static final int SHB = 0x0A0D0D0A;
    static final int IDB = 0x00000001;
    static final int SPB = 0x00000003;
    static final int EPB = 0x00000006;
    /** Byte-order magic of the SHB, read big-endian (pcapng §4.1). */
    static final int BYTE_ORDER_MAGIC = 0x1A2B3C4D;

    static final int OPT_ENDOFOPT = 0;
    static final int IF_TSRESOL = 9;
    static final int IF_TSOFFSET = 14;

    /** Microseconds: the resolution when an IDB has no if_tsresol option (pcapng §4.2). */
    static final int DEFAULT_TSRESOL = 6;

    private static final int BLOCK_HEADER = 8;
    private static final int BLOCK_TRAILER = 4;
    private static final long[] POW10 = {
        1L, 10L, 100L, 1_000L, 10_000L, 100_000L, 1_000_000L, 10_000_000L, 100_000_000L, 1_000_000_000L,
        10_000_000_000L, 100_000_000_000L, 1_000_000_000_000L, 10_000_000_000_000L, 100_000_000_000_000L,
        1_000_000_000_000_000L, 10_000_000_000_000_000L, 100_000_000_000_000_000L, 1_000_000_000_000_000_000L,
    };
    private static final BigInteger NANOS_PER_SECOND = BigInteger.valueOf(1_000_000_000L);

    /** What the section's IDB said about one interface. */
    private record Interface(int linkType, long snapLength, int tsresol, long tsoffsetSeconds) {
    }

    private final List<Interface> interfaces = new ArrayList<>();
    private boolean bigEndian;
    private int section;
    private boolean skipSection;

    private PcapNgSource(PcapInput input, ByteBufAllocator allocator) {
        super(input, allocator);
    }

    /** Reads the first Section Header Block; the stream starts with its (unconsumed) block type. */
    static PcapNgSource open(PcapInput input, ByteBufAllocator allocator) throws IOException {
        PcapNgSource source = new PcapNgSource(input, allocator);
        source.readSectionHeader();
        return source;
    }

    @Override
    PcapReader.Format format() {
        return PcapReader.Format.PCAPNG;
    }

    @Override
    PcapRecord next() throws IOException {
        while (true) {
            long start = input.offset();
            int available = input.fill(BLOCK_HEADER);
            if (available == 0) {
                return null;
            }
            if (available < BLOCK_HEADER) {
                throw truncatedBlock(start, BLOCK_HEADER, available);
            }
            int type = input.getInt(0, bigEndian);
            if (type == SHB) {
                readSectionHeader();
                continue;
            }
            long length = input.getUnsignedInt(4, bigEndian);
            checkBlockLength(start, type, length, BLOCK_HEADER + BLOCK_TRAILER);
            if (skipSection) {
                skipBlock(start, length);
                continue;
            }
            switch (type) {
                case IDB:
                    readInterfaceDescription(start, length);
                    break;
                case EPB:
                    return readEnhancedPacket(start, length);
                case SPB:
                    return readSimplePacket(start, length);
                default:
                    // as pcapng §3.1: a reader skips blocks it does not understand (NRB, ISB, DSB, custom, ...).
                    skipBlock(start, length);
                    break;
            }
        }
    }

    /** as pcapng §4.1: type, length, byte-order magic, major, minor, 64-bit section length, options. */
    private void readSectionHeader() throws IOException {
        long start = input.offset();
        int available = input.fill(24);
        if (available < 24) {
            throw new PcapFormatException("truncated pcapng section header at offset " + start + ": needs 24 bytes, "
                    + available + " available");
        }
        int magic = input.getInt(8, true);
        if (magic == BYTE_ORDER_MAGIC) {
            bigEndian = true;
        } else if (magic == Integer.reverseBytes(BYTE_ORDER_MAGIC)) {
            bigEndian = false;
        } else {
            throw new PcapFormatException("bad pcapng byte-order magic 0x" + hex(magic) + " at offset " + (start + 8)
                    + " (expected 0x1a2b3c4d in either byte order)");
        }
        long length = input.getUnsignedInt(4, bigEndian);
        checkBlockLength(start, SHB, length, 28);
        int major = input.getUnsignedShort(12, bigEndian);
        section++;
        interfaces.clear();
        // as pcapng §3.4: a section whose version the reader does not understand is skipped up to the next SHB.
        skipSection = major != 1;
        input.consume(24);
        skipRest(start, length, 24);
    }

    /** as pcapng §4.2: link type (16 bits), reserved (16), snap length (32), options; the interface ids count up. */
    private void readInterfaceDescription(long start, long length) throws IOException {
        checkBlockLength(start, IDB, length, 20);
        require(start, 16);
        int linkType = input.getUnsignedShort(8, bigEndian);
        long snapLength = input.getUnsignedInt(12, bigEndian);
        input.consume(16);
        int tsresol = DEFAULT_TSRESOL;
        long tsoffset = 0;
        // Options parsed in place, one TLV at a time: only if_tsresol and if_tsoffset matter here (pcapng §3.5).
        long remaining = length - 20;
        while (remaining >= 4) {
            require(start, 4);
            int code = input.getUnsignedShort(0, bigEndian);
            int optionLength = input.getUnsignedShort(2, bigEndian);
            input.consume(4);
            remaining -= 4;
            if (code == OPT_ENDOFOPT) {
                break;
            }
            long padded = (optionLength + 3) & ~3L;
            if (padded > remaining) {
                throw new PcapFormatException("pcapng interface description block at offset " + start + ": option "
                        + code + " of " + optionLength + " bytes overruns the block");
            }
            if (code == IF_TSRESOL && optionLength == 1) {
                require(start, 1);
                tsresol = input.getUnsignedByte(0);
            } else if (code == IF_TSOFFSET && optionLength == 8) {
                require(start, 8);
                tsoffset = input.getLong(0, bigEndian);
            }
            skipOrThrow(start, padded);
            remaining -= padded;
        }
        skipOrThrow(start, remaining);
        readTrailer(start, length);
        interfaces.add(new Interface(linkType, snapLength, tsresol, tsoffset));
    }

    /**
     * as pcapng §4.3: interface id, timestamp high and low (units of the interface's if_tsresol), captured length,
     * original length, packet data padded to 32 bits, options.
     */
    private PcapRecord readEnhancedPacket(long start, long length) throws IOException {
        checkBlockLength(start, EPB, length, 32);
        require(start, 28);
        long interfaceId = input.getUnsignedInt(8, bigEndian);
        long ticks = input.getUnsignedInt(12, bigEndian) << 32 | input.getUnsignedInt(16, bigEndian);
        long capturedLength = input.getUnsignedInt(20, bigEndian);
        long originalLength = input.getUnsignedInt(24, bigEndian);
        checkCapturedLength(capturedLength);
        if (capturedLength > length - 32) {
            throw new PcapFormatException("record " + nextNumber() + ": enhanced packet block at offset " + start
                    + " claims " + capturedLength + " captured bytes but is only " + length + " bytes long");
        }
        Interface iface = interfaceFor(start, interfaceId);
        long timestamp = toNanos(ticks, iface);
        input.consume(28);
        return readPacketBlock(start, length, 28, (int) capturedLength, (int) interfaceId, iface, timestamp,
                originalLength);
    }

    /**
     * as pcapng §4.4: original length, then packet data; the interface is 0 and the captured length is the original
     * length bounded by the interface's snap length and the block. No timestamp.
     */
    private PcapRecord readSimplePacket(long start, long length) throws IOException {
        checkBlockLength(start, SPB, length, 16);
        require(start, 12);
        long originalLength = input.getUnsignedInt(8, bigEndian);
        Interface iface = interfaceFor(start, 0);
        long capturedLength = Math.min(originalLength, length - 16);
        if (iface.snapLength() > 0) {
            capturedLength = Math.min(capturedLength, iface.snapLength());
        }
        input.consume(12);
        return readPacketBlock(start, length, 12, (int) capturedLength, 0, iface, 0, originalLength);
    }

    /** Reads the packet data, skips padding and options, checks the trailer; releases the data on failure. */
    private PcapRecord readPacketBlock(long start, long length, int headerLength, int capturedLength, int interfaceId,
            Interface iface, long timestamp, long originalLength) throws IOException {
        ByteBuf content = readPacket(capturedLength);
        boolean ok = false;
        try {
            skipRest(start, length, headerLength + capturedLength);
            ok = true;
        } finally {
            if (!ok) {
                content.release();
            }
        }
        return record(iface.linkType(), interfaceId, timestamp, originalLength, content);
    }

    private Interface interfaceFor(long start, long interfaceId) throws PcapFormatException {
        if (interfaceId >= interfaces.size()) {
            throw new PcapFormatException("record " + nextNumber() + ": packet block at offset " + start
                    + " refers to interface " + interfaceId + " but section " + section + " describes "
                    + interfaces.size() + " interface(s)");
        }
        return interfaces.get((int) interfaceId);
    }

    private long toNanos(long ticks, Interface iface) throws PcapFormatException {
        try {
            long nanos = toNanos(ticks, iface.tsresol());
            return iface.tsoffsetSeconds() == 0 ? nanos
                    : Math.addExact(nanos, Math.multiplyExact(iface.tsoffsetSeconds(), 1_000_000_000L));
        } catch (ArithmeticException e) {
            throw new PcapFormatException("record " + nextNumber() + ": timestamp " + Long.toUnsignedString(ticks)
                    + " at if_tsresol 0x" + Integer.toHexString(iface.tsresol()) + " offset " + iface.tsoffsetSeconds()
                    + " s does not fit in 64-bit nanoseconds", e);
        }
    }

    /**
     * Converts a timestamp in units of {@code tsresol} to nanoseconds, truncating toward zero.
     *
     * <p>as pcapng §4.2 if_tsresol: MSB clear, the rest is a negative power of 10 (6 = µs, 9 = ns); MSB set, a negative
     * power of 2 (10 = 1/1024 s).
     *
     * @param ticks an unsigned 64-bit count of units since 1970
     * @param tsresol the if_tsresol byte
     * @throws ArithmeticException when the result does not fit in a signed 64-bit value
     */
    static long toNanos(long ticks, int tsresol) {
        int exponent = tsresol & 0x7f;
        boolean powerOfTwo = (tsresol & 0x80) != 0;
        if (!powerOfTwo) {
            if (exponent <= 9 && ticks >= 0) {
                return Math.multiplyExact(ticks, POW10[9 - exponent]);
            }
            if (exponent > 9 && exponent - 9 < POW10.length) {
                return Long.divideUnsigned(ticks, POW10[exponent - 9]);
            }
        } else if (exponent <= 33 && ticks >= 0) {
            // frac < 2^33 and 1e9 < 2^30, so frac * 1e9 < 2^63.
            long seconds = ticks >>> exponent;
            long fraction = ticks & ((1L << exponent) - 1);
            return Math.addExact(Math.multiplyExact(seconds, 1_000_000_000L),
                    (fraction * 1_000_000_000L) >>> exponent);
        }
        // Rare resolutions, or ticks with the top bit set: exact arithmetic.
        BigInteger unsigned = new BigInteger(Long.toUnsignedString(ticks));
        BigInteger nanos = powerOfTwo
                ? unsigned.multiply(NANOS_PER_SECOND).shiftRight(exponent)
                : unsigned.multiply(NANOS_PER_SECOND).divide(BigInteger.TEN.pow(exponent));
        return nanos.longValueExact();
    }

    private void skipBlock(long start, long length) throws IOException {
        input.consume(BLOCK_HEADER);
        skipRest(start, length, BLOCK_HEADER);
    }

    /** Skips from {@code consumed} bytes into the block up to its trailer, then checks the trailer. */
    private void skipRest(long start, long length, long consumed) throws IOException {
        skipOrThrow(start, length - BLOCK_TRAILER - consumed);
        readTrailer(start, length);
    }

    /** as pcapng §3.1: the block total length is repeated at the end of the block. */
    private void readTrailer(long start, long length) throws IOException {
        require(start, BLOCK_TRAILER);
        long trailer = input.getUnsignedInt(0, bigEndian);
        if (trailer != length) {
            throw new PcapFormatException("pcapng block at offset " + start + ": trailing length " + trailer
                    + " does not match leading length " + length);
        }
        input.consume(BLOCK_TRAILER);
    }

    /** as pcapng §3.1: the block total length is a multiple of 4 and covers at least the fixed part. */
    private void checkBlockLength(long start, int type, long length, int minimum) throws PcapFormatException {
        if (length > PcapReader.MAX_RECORD_LENGTH) {
            throw new PcapFormatException("pcapng block type 0x" + hex(type) + " at offset " + start + " claims "
                    + length + " bytes, more than the " + PcapReader.MAX_RECORD_LENGTH + "-byte limit (corrupt file?)");
        }
        if (length < minimum || (length & 3) != 0) {
            throw new PcapFormatException("pcapng block type 0x" + hex(type) + " at offset " + start
                    + " has bad length " + length + " (must be a multiple of 4, at least " + minimum + ')');
        }
    }

    private void require(long start, int n) throws IOException {
        int available = input.fill(n);
        if (available < n) {
            throw truncatedBlock(start, n, available);
        }
    }

    private void skipOrThrow(long start, long n) throws IOException {
        long skipped = input.skip(n);
        if (skipped < n) {
            throw truncatedBlock(start, n, skipped);
        }
    }

    private PcapFormatException truncatedBlock(long start, long needed, long available) {
        return new PcapFormatException("truncated pcapng block at offset " + start + ": needs " + needed
                + " more bytes, " + available + " available");
    }

    private static String hex(int value) {
        return String.format("%08x", value);
    }
}
