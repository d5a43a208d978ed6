package io.netfrag.fuzz;

import static io.netfrag.fuzz.FuzzSupport.check;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netfrag.pcap.LinkLayer;
import io.netfrag.pcap.PcapFormatException;
import io.netfrag.pcap.PcapReader;
import io.netfrag.pcap.PcapRecord;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Fuzzes {@link PcapReader} (classic pcap in both byte orders and resolutions, pcapng) with arbitrary bytes as the
 * capture, and {@link LinkLayer#locate} on every record it returns.
 *
 * <p>Properties checked on every input:
 * <ul>
 *   <li>{@link PcapFormatException} is the only exception that escapes {@code open} and {@code next} (the stream is
 *       in memory, so no other {@link IOException} is legitimate), and {@code locate} throws nothing but it, and that
 *       only for link types {@link LinkLayer#supported} rejects;</li>
 *   <li>every record's content is a released-able buffer of exactly {@code capturedLength()} bytes, within
 *       {@link PcapReader#MAX_RECORD_LENGTH}; {@code truncated()} means captured &lt; original;</li>
 *   <li>a located IP packet lies inside the frame and is at least one byte long;</li>
 *   <li>no leak: with a tracking allocator every record buffer is back at reference count 0 after release;</li>
 *   <li>the reader does not depend on how the stream is chunked: a stream that returns a few bytes per
 *       {@code read} yields the same records and the same outcome as one that returns everything at once;</li>
 *   <li>after {@code null} (clean end), {@code next()} keeps returning {@code null}.</li>
 * </ul>
 * The first input byte chooses the chunk size of the trickling stream and the allocator; the rest is the file.
 */
class PcapReaderFuzzTest {
    /** Records read per input at most, to keep executions fast on inputs with many tiny records. */
    private static final int MAX_RECORDS = 2000;

    @FuzzTest
    void read(byte[] input) throws IOException {
        if (input.length == 0) {
            return;
        }
        int options = input[0] & 0xff;
        byte[] file = Arrays.copyOfRange(input, 1, input.length);
        FuzzSupport.TrackingAllocator alloc = new FuzzSupport.TrackingAllocator();
        Outcome whole = readAll(new ByteArrayInputStream(file), (options & 0x80) != 0 ? alloc : null);
        int chunk = 1 + (options & 0x3f);
        Outcome trickled = readAll(new TrickleStream(file, chunk), alloc);
        alloc.assertAllReleased("after reading the capture");
        check(whole.equals(trickled), "outcome depends on stream chunking (" + chunk + " bytes per read):\n  whole: "
                + whole + "\n  trickled: " + trickled);
    }

    /** What a reader made of a stream: a summary of each record, then how it ended. */
    private record Outcome(List<String> records, String end) {
    }

    private static Outcome readAll(InputStream in, FuzzSupport.TrackingAllocator alloc) throws IOException {
        List<String> records = new ArrayList<>();
        PcapReader reader;
        try {
            reader = alloc == null ? PcapReader.open(in) : PcapReader.open(in, alloc);
        } catch (PcapFormatException e) {
            return new Outcome(records, "open failed: " + e.getMessage());
        }
        try (reader) {
            for (int n = 0; n < MAX_RECORDS; n++) {
                PcapRecord r;
                try {
                    r = reader.next();
                } catch (PcapFormatException e) {
                    return new Outcome(records, "next failed: " + e.getMessage());
                }
                if (r == null) {
                    check(reader.next() == null, "next() after the end returned a record");
                    return new Outcome(records, "end");
                }
                try {
                    records.add(checkRecord(r));
                } finally {
                    r.release();
                }
                check(r.refCnt() == 0, "record still referenced after release");
            }
            return new Outcome(records, "stopped after " + MAX_RECORDS + " records");
        }
    }

    private static String checkRecord(PcapRecord r) throws PcapFormatException {
        ByteBuf c = r.content();
        check(c.readableBytes() == r.capturedLength(), "content has " + c.readableBytes() + " bytes, captured length "
                + r.capturedLength());
        check(r.capturedLength() >= 0 && r.capturedLength() <= PcapReader.MAX_RECORD_LENGTH,
                "captured length out of range: " + r.capturedLength());
        check(r.truncated() == (r.capturedLength() < r.originalLength()), "truncated() disagrees with lengths: " + r);
        r.toString();
        String located;
        if (LinkLayer.supported(r.linkType())) {
            long location = LinkLayer.locate(r.linkType(), c);
            if (location >= 0) {
                int index = LinkLayer.index(location);
                int length = LinkLayer.length(location);
                check(length >= 1 && index >= c.readerIndex() && index + length <= c.writerIndex(),
                        "located packet [" + index + ", +" + length + ") outside frame [" + c.readerIndex() + ", "
                                + c.writerIndex() + ')');
                ByteBuf ip = LinkLayer.ipPacket(r.linkType(), c);
                check(ip != null && ip.readableBytes() == length, "ipPacket() disagrees with locate()");
                located = index + "+" + length;
            } else {
                check(LinkLayer.ipPacket(r.linkType(), c) == null, "ipPacket() disagrees with locate() (-1)");
                located = "-";
            }
        } else {
            try {
                LinkLayer.locate(r.linkType(), c);
                throw new AssertionError("locate accepted unsupported link type " + r.linkType());
            } catch (PcapFormatException expected) {
                located = "unsupported";
            }
        }
        return r.number() + "/" + r.linkType() + "/" + r.interfaceId() + "/" + r.timestampNanos() + "/"
                + r.originalLength() + "/" + r.capturedLength() + "/" + located + "/" + ByteBufUtil.hexDump(c);
    }

    /** An in-memory stream that returns at most {@code chunk} bytes per {@code read}. */
    private static final class TrickleStream extends InputStream {
        private final byte[] data;
        private final int chunk;
        private int pos;

        TrickleStream(byte[] data, int chunk) {
            this.data = data;
            this.chunk = chunk;
        }

        @Override
        public int read() {
            return pos < data.length ? data[pos++] & 0xff : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (len == 0) {
                return 0;
            }
            if (pos >= data.length) {
                return -1;
            }
            int n = Math.min(Math.min(len, chunk), data.length - pos);
            System.arraycopy(data, pos, b, off, n);
            pos += n;
            return n;
        }
    }
}
