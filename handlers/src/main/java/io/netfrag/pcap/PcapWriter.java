package io.netfrag.pcap;

import io.netty.buffer.ByteBuf;
import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Objects;

/**
 * Writes a classic pcap file (draft-ietf-opsawg-pcap): little-endian, microsecond or nanosecond timestamps, one link
 * type, snap length {@link #SNAPLEN}. Meant for tests and tools that make captures; {@link PcapReader} reads them back.
 *
 * <p>The file header is written by {@link #open(OutputStream, int, Precision)}. Output is buffered; {@link #flush()}
 * or {@link #close()} pushes it out. Not thread-safe. Closing the writer closes the stream.
 */
public final class PcapWriter implements Closeable {
    /** The snap length written in the file header; longer packets are truncated to it. */
    public static final int SNAPLEN = 262144;

    /** Timestamp resolution of the file, chosen by its magic. */
    public enum Precision {
        /** Microseconds (magic {@code 0xa1b2c3d4}); nanoseconds below a microsecond are dropped. */
        MICROS,
        /** Nanoseconds (magic {@code 0xa1b23c4d}). */
        NANOS
    }

    private static final long MAX_SECONDS = 0xffffffffL;

    private final OutputStream out;
    private final Precision precision;
    private final byte[] header = new byte[ClassicPcapSource.FILE_HEADER_LENGTH];
    private int records;
    private boolean closed;

    private PcapWriter(OutputStream out, Precision precision) {
        this.out = out;
        this.precision = precision;
    }

    /**
     * Starts a capture: writes the 24-byte file header.
     *
     * @param out where the file goes; closed when the writer is closed
     * @param linkType the LINKTYPE_ value of every packet, e.g. {@link LinkLayer#RAW}; 0 to 65535
     * @param precision timestamp resolution
     * @return a writer for the records
     * @throws IOException when writing fails
     */
    public static PcapWriter open(OutputStream out, int linkType, Precision precision) throws IOException {
        Objects.requireNonNull(out, "out");
        Objects.requireNonNull(precision, "precision");
        if (linkType < 0 || linkType > 0xffff) {
            throw new IllegalArgumentException("link type must be 0..65535: " + linkType);
        }
        PcapWriter writer = new PcapWriter(new BufferedOutputStream(out, PcapInput.BUFFER_SIZE), precision);
        writer.writeFileHeader(linkType);
        return writer;
    }

    // as pcap §4: magic, major 2, minor 4, two reserved words (0), snap length, link type.
    private void writeFileHeader(int linkType) throws IOException {
        putIntLE(0, precision == Precision.NANOS ? ClassicPcapSource.MAGIC_NANOS : ClassicPcapSource.MAGIC_MICROS);
        header[4] = 2;
        header[5] = 0;
        header[6] = 4;
        header[7] = 0;
        putIntLE(8, 0);
        putIntLE(12, 0);
        putIntLE(16, SNAPLEN);
        putIntLE(20, linkType);
        out.write(header, 0, ClassicPcapSource.FILE_HEADER_LENGTH);
    }

    /**
     * Writes one record holding all readable bytes of {@code packet} (the first {@link #SNAPLEN} if longer, with the
     * original length recorded).
     *
     * @param timestampNanos capture time in nanoseconds since 1970; 0 up to 2^32 seconds
     * @param packet the frame, starting with the link-layer header of the file's link type; borrowed: not released,
     *        its reader index unchanged
     * @throws IOException when writing fails
     */
    public void write(long timestampNanos, ByteBuf packet) throws IOException {
        write(timestampNanos, packet, packet.readableBytes());
    }

    /**
     * Writes one record whose original length differs from what was captured, as a snap-length-limited capture would.
     *
     * @param timestampNanos capture time in nanoseconds since 1970; 0 up to 2^32 seconds
     * @param packet the captured bytes (readable bytes, up to {@link #SNAPLEN}); borrowed: not released, its reader
     *        index unchanged
     * @param originalLength the length on the wire; at least the number of bytes written
     * @throws IOException when writing fails
     */
    public void write(long timestampNanos, ByteBuf packet, int originalLength) throws IOException {
        if (closed) {
            throw new IOException("writer is closed");
        }
        if (timestampNanos < 0 || timestampNanos / 1_000_000_000L > MAX_SECONDS) {
            throw new IllegalArgumentException("timestamp out of pcap range (0 .. 2^32 s): " + timestampNanos);
        }
        int captured = Math.min(packet.readableBytes(), SNAPLEN);
        if (originalLength < captured) {
            throw new IllegalArgumentException("original length " + originalLength + " < captured length "
                    + captured);
        }
        long fraction = timestampNanos % 1_000_000_000L;
        // as pcap §5: seconds, micro- or nanoseconds, captured length, original length.
        putIntLE(0, (int) (timestampNanos / 1_000_000_000L));
        putIntLE(4, (int) (precision == Precision.NANOS ? fraction : fraction / 1000));
        putIntLE(8, captured);
        putIntLE(12, originalLength);
        out.write(header, 0, ClassicPcapSource.RECORD_HEADER_LENGTH);
        packet.getBytes(packet.readerIndex(), out, captured);
        records++;
    }

    /** The number of records written so far. */
    public int records() {
        return records;
    }

    /**
     * Pushes buffered output to the stream and flushes it.
     *
     * @throws IOException when writing fails
     */
    public void flush() throws IOException {
        out.flush();
    }

    /** Flushes and closes the stream. Idempotent. */
    @Override
    public void close() throws IOException {
        if (!closed) {
            closed = true;
            out.close();
        }
    }

    private void putIntLE(int at, int value) {
        header[at] = (byte) value;
        header[at + 1] = (byte) (value >>> 8);
        header[at + 2] = (byte) (value >>> 16);
        header[at + 3] = (byte) (value >>> 24);
    }
}
