package io.netfrag.pcap;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Streaming reader for classic pcap and pcapng capture files, one packet record at a time.
 *
 * <p>Hand-written on purpose: pcap4j needs a native libpcap through JNA and is not maintained for reading pcapng in
 * pure Java, while a reader for the two formats fits in a few hundred lines with no dependency beyond Netty's buffers.
 *
 * <p>{@link #open(InputStream)} detects the format from the first four bytes:
 * <ul>
 *   <li>classic pcap (draft-ietf-opsawg-pcap) with magic {@code 0xa1b2c3d4} (microseconds) or {@code 0xa1b23c4d}
 *       (nanoseconds), written in either byte order;</li>
 *   <li>pcapng (draft-ietf-opsawg-pcapng), which starts with a Section Header Block ({@code 0x0a0d0d0a}). Every
 *       section has its own byte order and interfaces; each Interface Description Block gives the link type and the
 *       timestamp resolution ({@code if_tsresol}, powers of 10 or 2, default microseconds) and offset
 *       ({@code if_tsoffset}) of its interface. Enhanced and Simple Packet Blocks are records; every other block type
 *       (name resolution, statistics, custom, ...) is skipped by its length. A section with a major version other than
 *       1 is skipped up to the next Section Header Block, as pcapng §3.4 says.</li>
 * </ul>
 *
 * <p>The stream is read through a 64 KiB buffer and each record is copied out as it is returned, so memory use does
 * not grow with the file; streams returning only a few bytes per {@code read} are fine. A file that ends exactly at a
 * record boundary is a normal end ({@link #next()} returns {@code null}); anything else that does not parse is a
 * {@link PcapFormatException} naming what was expected and where. Lengths over {@link #MAX_RECORD_LENGTH} are rejected
 * before anything is allocated. After an exception the reader's position is undefined; close it.
 *
 * <p>Not thread-safe. Closing the reader closes the stream.
 */
public final class PcapReader implements Closeable {
    /** Largest captured length (and pcapng block length) accepted: 256 MiB. Longer claims mean a corrupt file. */
    public static final int MAX_RECORD_LENGTH = 256 * 1024 * 1024;

    /** The file format a reader detected. */
    public enum Format {
        /** Classic pcap, microsecond timestamps (magic {@code 0xa1b2c3d4}). */
        PCAP_MICROS,
        /** Classic pcap, nanosecond timestamps (magic {@code 0xa1b23c4d}). */
        PCAP_NANOS,
        /** pcapng; resolution per interface. */
        PCAPNG
    }

    private final PcapInput input;
    private final RecordSource source;
    private boolean closed;

    private PcapReader(PcapInput input, RecordSource source) {
        this.input = input;
        this.source = source;
    }

    /**
     * Opens a reader whose records' content is heap memory from {@link Unpooled#wrappedBuffer(byte[])}: one exactly
     * sized array per record, not pooled, released by the garbage collector once every reference is gone (releasing
     * is still required by the ownership rules, and makes {@code refCnt()} drop to 0).
     *
     * @param in the capture; read from its current position, closed when the reader is closed (not when this method
     *        throws: then it remains the caller's to close)
     * @return a reader positioned before the first record
     * @throws PcapFormatException when the stream is not pcap or pcapng, or its file/section header is bad
     * @throws IOException when reading the stream fails
     */
    public static PcapReader open(InputStream in) throws IOException {
        return open(in, null);
    }

    /**
     * Opens a reader whose records' content comes from {@code allocator} (for example a pooled allocator when records
     * are fed straight into a Netty pipeline).
     *
     * @param in the capture; read from its current position, closed when the reader is closed (not when this method
     *        throws: then it remains the caller's to close)
     * @param allocator allocates each record's content; {@code null} means {@link Unpooled#wrappedBuffer(byte[])} as
     *        in {@link #open(InputStream)}
     * @return a reader positioned before the first record
     * @throws PcapFormatException when the stream is not pcap or pcapng, or its file/section header is bad
     * @throws IOException when reading the stream fails
     */
    public static PcapReader open(InputStream in, ByteBufAllocator allocator) throws IOException {
        PcapInput input = new PcapInput(in);
        int available = input.fill(4);
        if (available == 0) {
            throw new PcapFormatException("not a pcap or pcapng file: empty input");
        }
        if (available < 4) {
            throw new PcapFormatException("not a pcap or pcapng file: only " + available + " byte(s)");
        }
        int magic = input.getInt(0, true);
        RecordSource source;
        switch (magic) {
            case ClassicPcapSource.MAGIC_MICROS:
            case ClassicPcapSource.MAGIC_NANOS:
            case 0xd4c3b2a1: // MAGIC_MICROS, little-endian
            case 0x4d3cb2a1: // MAGIC_NANOS, little-endian
                source = ClassicPcapSource.open(input, allocator, magic);
                break;
            case PcapNgSource.SHB:
                source = PcapNgSource.open(input, allocator);
                break;
            default:
                String hint = (magic >>> 16) == 0x1f8b
                        ? " (gzip-compressed? wrap the stream in a GZIPInputStream)" : "";
                throw new PcapFormatException("not a pcap or pcapng file: magic 0x" + String.format("%08x", magic)
                        + hint);
        }
        return new PcapReader(input, source);
    }

    /**
     * Opens a file; see {@link #open(InputStream)}.
     *
     * @param file the capture
     * @return a reader positioned before the first record; closing it closes the file
     * @throws PcapFormatException when the file is not pcap or pcapng, or its file/section header is bad
     * @throws IOException when the file cannot be opened or read
     */
    public static PcapReader open(Path file) throws IOException {
        InputStream in = Files.newInputStream(Objects.requireNonNull(file, "file"));
        try {
            return open(in);
        } catch (IOException | RuntimeException e) {
            try {
                in.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /** The format detected from the magic. */
    public Format format() {
        return source.format();
    }

    /**
     * Reads the next packet record.
     *
     * <p>Ownership of the returned record, and so of its {@link PcapRecord#content() content}, is transferred to the
     * caller, who must release it. Non-packet pcapng blocks are consumed on the way.
     *
     * @return the next record, or {@code null} when the stream ends cleanly at a record (block) boundary; again
     *         {@code null} on every later call
     * @throws PcapFormatException when the data is malformed or truncated; nothing is leaked
     * @throws IOException when reading the stream fails or the reader is closed
     */
    public PcapRecord next() throws IOException {
        if (closed) {
            throw new IOException("reader is closed");
        }
        return source.next();
    }

    /** Closes the underlying stream. Idempotent. */
    @Override
    public void close() throws IOException {
        if (!closed) {
            closed = true;
            input.close();
        }
    }
}
