package io.netfrag.pcap;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.util.Arrays;

/**
 * The format-specific half of a {@link PcapReader}: turns the bytes after the file magic into records. Shared here:
 * the record counter and copying a record's captured bytes out of the stream into a {@link ByteBuf}.
 */
abstract class RecordSource {
    /** First chunk when reading a record's bytes; larger records grow in steps so a lying length costs little. */
    private static final int FIRST_CHUNK = 1024 * 1024;

    final PcapInput input;
    private final ByteBufAllocator allocator;
    private int count;

    RecordSource(PcapInput input, ByteBufAllocator allocator) {
        this.input = input;
        this.allocator = allocator;
    }

    /** The next packet record, or {@code null} at a clean end of the stream. */
    abstract PcapRecord next() throws IOException;

    /** The format this source reads. */
    abstract PcapReader.Format format();

    /** The number the next packet record will get. */
    final int nextNumber() {
        return count + 1;
    }

    /** Counts a record and makes it; ownership of {@code content} moves to the record. */
    final PcapRecord record(int linkType, int interfaceId, long timestampNanos, long originalLength, ByteBuf content) {
        count++;
        // Original lengths are u32 in both formats; anything past 2 GiB is nonsense, keep the int API honest.
        int length = (int) Math.min(originalLength, Integer.MAX_VALUE);
        return new PcapRecord(count, linkType, interfaceId, timestampNanos, length, content);
    }

    /**
     * Reads the captured bytes of record {@link #nextNumber()}: {@code length} bytes into a new buffer owned by the
     * caller.
     *
     * @throws PcapFormatException when the stream ends first ("truncated record N: needs X bytes, Y available")
     */
    final ByteBuf readPacket(int length) throws IOException {
        if (allocator != null) {
            // buffer(0, 0) is the allocator's shared empty buffer, which cannot be released: ask for (0, default).
            ByteBuf buf = length == 0
                    ? allocator.buffer(0) : allocator.buffer(Math.min(length, FIRST_CHUNK), length);
            boolean ok = false;
            try {
                int read = input.read(buf, length);
                if (read < length) {
                    throw truncatedRecord(length, read);
                }
                ok = true;
                return buf;
            } finally {
                if (!ok) {
                    buf.release();
                }
            }
        }
        if (length == 0) {
            // Unpooled.wrappedBuffer(new byte[0]) is the shared EMPTY_BUFFER, which cannot be released.
            return Unpooled.buffer(0);
        }
        byte[] bytes = new byte[Math.min(length, FIRST_CHUNK)];
        int done = 0;
        while (true) {
            done += input.read(bytes, done, bytes.length - done);
            if (done < bytes.length) {
                throw truncatedRecord(length, done);
            }
            if (done == length) {
                return Unpooled.wrappedBuffer(bytes);
            }
            bytes = Arrays.copyOf(bytes, (int) Math.min(length, 2L * bytes.length));
        }
    }

    /** Rejects a captured length over {@link PcapReader#MAX_RECORD_LENGTH} before anything is allocated. */
    final void checkCapturedLength(long length) throws PcapFormatException {
        if (length > PcapReader.MAX_RECORD_LENGTH) {
            throw new PcapFormatException("record " + nextNumber() + " claims " + length
                    + " captured bytes, more than the " + PcapReader.MAX_RECORD_LENGTH + "-byte limit (corrupt file?)");
        }
    }

    final PcapFormatException truncatedRecord(long needed, long available) {
        return new PcapFormatException("truncated record " + nextNumber() + ": needs " + needed + " bytes, "
                + available + " available");
    }
}
