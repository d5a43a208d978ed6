package io.netfrag.pcap;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.UnpooledDirectByteBuf;
import io.netty.buffer.UnpooledHeapByteBuf;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/** Builders and streams shared by the pcap tests. */
final class PcapTestSupport {
    private PcapTestSupport() {
    }

    /** Appends fixed-width numbers in a chosen byte order, and raw bytes. */
    static final class Bytes {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();
        private final boolean bigEndian;

        Bytes(boolean bigEndian) {
            this.bigEndian = bigEndian;
        }

        static Bytes le() {
            return new Bytes(false);
        }

        static Bytes be() {
            return new Bytes(true);
        }

        boolean bigEndian() {
            return bigEndian;
        }

        Bytes u8(int v) {
            out.write(v);
            return this;
        }

        Bytes u16(int v) {
            if (bigEndian) {
                out.write(v >>> 8);
                out.write(v);
            } else {
                out.write(v);
                out.write(v >>> 8);
            }
            return this;
        }

        Bytes u32(long v) {
            int i = (int) v;
            if (bigEndian) {
                u16(i >>> 16).u16(i);
            } else {
                u16(i).u16(i >>> 16);
            }
            return this;
        }

        Bytes u64(long v) {
            return bigEndian ? u32(v >>> 32).u32(v) : u32(v).u32(v >>> 32);
        }

        Bytes bytes(byte[] b) {
            out.write(b, 0, b.length);
            return this;
        }

        Bytes hex(String hex) {
            return bytes(ByteBufUtil.decodeHexDump(hex.replace(" ", "")));
        }

        Bytes zeros(int n) {
            return bytes(new byte[n]);
        }

        Bytes pad4() {
            while (out.size() % 4 != 0) {
                out.write(0);
            }
            return this;
        }

        /** A pcapng option: code, length, value padded to 32 bits (pcapng §3.5). */
        Bytes option(int code, byte[] value) {
            return u16(code).u16(value.length).bytes(value).pad4();
        }

        Bytes option(int code, String value) {
            return option(code, value.getBytes(StandardCharsets.UTF_8));
        }

        Bytes endOfOptions() {
            return u16(0).u16(0);
        }

        /** A pcapng block: type, total length, body padded to 32 bits, total length (pcapng §3.1). */
        Bytes block(int type, Consumer<Bytes> body) {
            Bytes b = new Bytes(bigEndian);
            body.accept(b);
            b.pad4();
            int length = 12 + b.size();
            return u32(type).u32(length).bytes(b.toArray()).u32(length);
        }

        int size() {
            return out.size();
        }

        byte[] toArray() {
            return out.toByteArray();
        }
    }

    /** A pcapng Section Header Block, version 1.0, unknown section length, with a shb_userappl option. */
    static Bytes sectionHeader(Bytes b) {
        return b.block(PcapNgSource.SHB, body -> body.u32(PcapNgSource.BYTE_ORDER_MAGIC).u16(1).u16(0).u64(-1)
                .option(4, "netfrag test").endOfOptions());
    }

    /** Bytes 0, 1, 2, ... of a given length, offset by {@code seed}. */
    static byte[] pattern(int length, int seed) {
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++) {
            b[i] = (byte) (i + seed);
        }
        return b;
    }

    /** Returns at most {@code max} bytes per read call, whatever was asked. */
    static final class TrickleInputStream extends FilterInputStream {
        private final int max;
        long reads;

        TrickleInputStream(InputStream in, int max) {
            super(in);
            this.max = max;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            reads++;
            return super.read(b, off, Math.min(len, max));
        }

        @Override
        public long skip(long n) throws IOException {
            return super.skip(Math.min(n, max));
        }
    }

    /** Counts the bytes handed out, and whether it was closed. */
    static final class CountingInputStream extends FilterInputStream {
        long count;
        boolean closed;

        CountingInputStream(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                count++;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                count += n;
            }
            return n;
        }

        @Override
        public void close() throws IOException {
            closed = true;
            super.close();
        }
    }

    /** An unpooled, leak-tracked allocator that remembers every buffer it made, to check that all were released. */
    static final class TrackingAllocator extends AbstractByteBufAllocator {
        final List<ByteBuf> allocated = new ArrayList<>();

        TrackingAllocator() {
            super(false);
        }

        @Override
        protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
            return track(new UnpooledHeapByteBuf(this, initialCapacity, maxCapacity));
        }

        @Override
        protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
            return track(new UnpooledDirectByteBuf(this, initialCapacity, maxCapacity));
        }

        @Override
        public boolean isDirectBufferPooled() {
            return false;
        }

        private ByteBuf track(ByteBuf buf) {
            ByteBuf tracked = toLeakAwareBuffer(buf);
            allocated.add(tracked);
            return tracked;
        }

        void assertAllReleased() {
            for (ByteBuf buf : allocated) {
                assertEquals(0, buf.refCnt(), "buffer not released: " + buf);
            }
        }
    }

    /** What a test keeps of a record after releasing it. */
    record Seen(int number, int linkType, int interfaceId, long timestampNanos, int originalLength, byte[] data) {
        /** The same without the bytes, for comparing the metadata with {@code equals}. */
        Seen withoutData() {
            return new Seen(number, linkType, interfaceId, timestampNanos, originalLength, null);
        }
    }

    /** Reads every record, copies it out and releases it, asserting the release dropped the count to 0. */
    static List<Seen> readAll(InputStream in, ByteBufAllocator allocator) throws IOException {
        List<Seen> seen = new ArrayList<>();
        try (PcapReader reader = PcapReader.open(in, allocator)) {
            PcapRecord record;
            while ((record = reader.next()) != null) {
                seen.add(new Seen(record.number(), record.linkType(), record.interfaceId(), record.timestampNanos(),
                        record.originalLength(), ByteBufUtil.getBytes(record.content())));
                assertEquals(record.capturedLength(), record.content().readableBytes());
                ByteBuf content = record.content();
                record.release();
                assertEquals(0, content.refCnt());
            }
            assertEquals(null, reader.next(), "end of file is sticky");
        }
        return seen;
    }

    static List<Seen> readAll(byte[] file) throws IOException {
        return readAll(new ByteArrayInputStream(file), null);
    }
}
