package io.netfrag.pcap;

import io.netty.buffer.ByteBuf;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.util.Objects;

/**
 * A small read buffer over an {@link InputStream}: headers are peeked in place ({@link #fill(int)}, then the
 * {@code get*} accessors, then {@link #consume(int)}), packet bytes are copied out in chunks. Holds at most
 * {@link #BUFFER_SIZE} bytes of the stream at a time, tolerates streams that return few bytes per {@code read}, and
 * tracks the stream offset for error messages. Not thread-safe.
 */
final class PcapInput implements Closeable {
    /** Size of the read buffer; the largest header that can be peeked at once. */
    static final int BUFFER_SIZE = 64 * 1024;

    private final InputStream in;
    private final byte[] buf = new byte[BUFFER_SIZE];
    private int pos;
    private int limit;
    private long offset;
    private boolean eof;

    PcapInput(InputStream in) {
        this.in = Objects.requireNonNull(in, "in");
    }

    /** Stream offset of the next unconsumed byte. */
    long offset() {
        return offset;
    }

    /**
     * Buffers at least {@code n} bytes ({@code n <= BUFFER_SIZE}) unless the stream ends first.
     *
     * @return the number of buffered bytes: {@code >= n}, or fewer only at the end of the stream
     */
    int fill(int n) throws IOException {
        if (limit - pos >= n) {
            return limit - pos;
        }
        if (pos > 0) {
            System.arraycopy(buf, pos, buf, 0, limit - pos);
            limit -= pos;
            pos = 0;
        }
        while (limit < n && !eof) {
            int read = in.read(buf, limit, buf.length - limit);
            if (read < 0) {
                eof = true;
            } else {
                limit += read;
            }
        }
        return limit - pos;
    }

    /** Discards {@code n} buffered bytes; the caller has {@link #fill(int) filled} at least that many. */
    void consume(int n) {
        pos += n;
        offset += n;
    }

    /** The unsigned byte at {@code at} bytes past the next unconsumed one. */
    int getUnsignedByte(int at) {
        return buf[pos + at] & 0xff;
    }

    /** The unsigned 16-bit value at {@code at}, in the given byte order. */
    int getUnsignedShort(int at, boolean bigEndian) {
        int b0 = buf[pos + at] & 0xff;
        int b1 = buf[pos + at + 1] & 0xff;
        return bigEndian ? b0 << 8 | b1 : b1 << 8 | b0;
    }

    /** The 32-bit value at {@code at}, in the given byte order. */
    int getInt(int at, boolean bigEndian) {
        int i = pos + at;
        int v = (buf[i] & 0xff) << 24 | (buf[i + 1] & 0xff) << 16 | (buf[i + 2] & 0xff) << 8 | buf[i + 3] & 0xff;
        return bigEndian ? v : Integer.reverseBytes(v);
    }

    /** The unsigned 32-bit value at {@code at}, in the given byte order. */
    long getUnsignedInt(int at, boolean bigEndian) {
        return getInt(at, bigEndian) & 0xffffffffL;
    }

    /** The 64-bit value at {@code at}, in the given byte order. */
    long getLong(int at, boolean bigEndian) {
        long first = getUnsignedInt(at, bigEndian);
        long second = getUnsignedInt(at + 4, bigEndian);
        return bigEndian ? first << 32 | second : second << 32 | first;
    }

    /**
     * Copies up to {@code length} bytes into {@code dst}, reading the stream as needed.
     *
     * @return the number copied: {@code length}, or fewer only at the end of the stream
     */
    int read(byte[] dst, int dstIndex, int length) throws IOException {
        int done = 0;
        while (done < length) {
            if (pos == limit) {
                if (eof) {
                    break;
                }
                pos = 0;
                limit = 0;
                if (length - done >= buf.length) {
                    // Large remainder: read straight into the destination, no point copying through the buffer.
                    int read = in.read(dst, dstIndex + done, length - done);
                    if (read < 0) {
                        eof = true;
                    } else {
                        done += read;
                        offset += read;
                    }
                    continue;
                }
                fill(1);
                continue;
            }
            int n = Math.min(length - done, limit - pos);
            System.arraycopy(buf, pos, dst, dstIndex + done, n);
            consume(n);
            done += n;
        }
        return done;
    }

    /**
     * Writes up to {@code length} bytes into {@code dst}, reading the stream as needed.
     *
     * @return the number written: {@code length}, or fewer only at the end of the stream
     */
    int read(ByteBuf dst, int length) throws IOException {
        int done = 0;
        while (done < length) {
            if (pos == limit && fill(1) == 0) {
                break;
            }
            int n = Math.min(length - done, limit - pos);
            dst.writeBytes(buf, pos, n);
            consume(n);
            done += n;
        }
        return done;
    }

    /**
     * Skips up to {@code length} bytes.
     *
     * @return the number skipped: {@code length}, or fewer only at the end of the stream
     */
    long skip(long length) throws IOException {
        long done = 0;
        while (done < length) {
            if (pos == limit && fill(1) == 0) {
                break;
            }
            int n = (int) Math.min(length - done, limit - pos);
            consume(n);
            done += n;
        }
        return done;
    }

    /** Closes the stream. */
    @Override
    public void close() throws IOException {
        pos = 0;
        limit = 0;
        in.close();
    }
}
