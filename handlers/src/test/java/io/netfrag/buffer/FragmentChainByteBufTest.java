package io.netfrag.buffer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.netfrag.testing.LeakDetectionExtension;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.util.ByteProcessor;
import io.netty.util.IllegalReferenceCountException;
import io.netty.util.concurrent.FastThreadLocalThread;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.ref.WeakReference;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.GatheringByteChannel;
import java.nio.channels.ScatteringByteChannel;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * FragmentChainByteBuf: random operations give the same results as on a heap buffer of the same content; release,
 * recycling, fixed capacity, NIO views and leak reports.
 */
class FragmentChainByteBufTest {
    private static final ByteBufAllocator POOLED = PooledByteBufAllocator.DEFAULT;
    private static final ByteBufAllocator UNPOOLED = UnpooledByteBufAllocator.DEFAULT;
    private static final Charset[] CHARSETS = {StandardCharsets.UTF_8, StandardCharsets.US_ASCII,
        StandardCharsets.ISO_8859_1, StandardCharsets.UTF_16BE};

    @TempDir
    Path dir;

    /** Leaks of chains are reported when a later chain is tracked: make that happen before the leak check. */
    @AfterEach
    void flushLeakReports() throws InterruptedException {
        flushChainLeakReports();
    }

    private static void flushChainLeakReports() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(20);
            FragmentChainByteBuf.newInstance(UNPOOLED, 0).release();
        }
    }

    // ---- building ------------------------------------------------------------------------------------------------

    /** A chain with the content {@code content}, cut at random places, and every buffer it owns (for checks). */
    private static final class Built {
        final FragmentChainByteBuf chain;
        /** The parts and the parents the parts were sliced from; all must reach refCnt 0 with the chain. */
        final List<ByteBuf> owned = new ArrayList<>();
        /** Part boundaries (exclusive ends) in the chain. */
        final int[] boundaries;

        Built(FragmentChainByteBuf chain, int[] boundaries) {
            this.chain = chain;
            this.boundaries = boundaries;
        }
    }

    private static Built build(byte[] content, SplittableRandom rnd) {
        List<Integer> cuts = new ArrayList<>();
        int at = 0;
        while (at < content.length) {
            int left = content.length - at;
            int n;
            switch (rnd.nextInt(4)) {
                case 0:
                    n = 1;
                    break;
                case 1:
                    n = 1 + rnd.nextInt(Math.min(left, 9));
                    break;
                case 2:
                    n = 1 + rnd.nextInt(Math.min(left, 100));
                    break;
                default:
                    n = 1 + rnd.nextInt(Math.min(left, 2000));
                    break;
            }
            n = Math.min(n, left);
            at += n;
            cuts.add(at);
        }
        FragmentChainByteBuf chain = FragmentChainByteBuf.newInstance(rnd.nextBoolean() ? POOLED : UNPOOLED,
                rnd.nextInt(4));
        int[] boundaries = cuts.stream().mapToInt(Integer::intValue).toArray();
        Built b = new Built(chain, boundaries);
        int start = 0;
        for (int end : boundaries) {
            chain.add(part(content, start, end - start, rnd, b.owned));
            start = end;
        }
        assertEquals(boundaries.length, chain.partCount());
        assertEquals(content.length, chain.capacity());
        assertEquals(content.length, chain.maxCapacity());
        assertEquals(0, chain.readerIndex());
        assertEquals(content.length, chain.writerIndex());
        return b;
    }

    /** A buffer of one of several kinds whose readable bytes are {@code content[from, from + length)}. */
    private static ByteBuf part(byte[] content, int from, int length, SplittableRandom rnd, List<ByteBuf> owned) {
        int kind = rnd.nextInt(length >= 2 ? 8 : 5);
        int prefix = rnd.nextInt(4);
        int suffix = rnd.nextInt(4);
        ByteBuf b;
        switch (kind) {
            case 0:
                b = UNPOOLED.heapBuffer(prefix + length + suffix);
                break;
            case 1:
                b = POOLED.directBuffer(prefix + length + suffix);
                break;
            case 2:
                b = POOLED.heapBuffer(prefix + length + suffix);
                break;
            case 3:
                b = UNPOOLED.directBuffer(prefix + length + suffix);
                break;
            case 4: {
                // a retained slice of a bigger parent (as the reassembler's copied runs)
                ByteBuf parent = POOLED.directBuffer(prefix + length + suffix + 16);
                parent.writerIndex(parent.capacity());
                parent.setBytes(prefix, content, from, length);
                ByteBuf slice = parent.retainedSlice(prefix, length);
                parent.release();
                owned.add(parent);
                owned.add(slice);
                return slice;
            }
            case 5: {
                CompositeByteBuf c = UNPOOLED.compositeBuffer();
                int half = 1 + rnd.nextInt(length - 1);
                c.addComponent(true, Unpooled.copiedBuffer(content, from, half));
                c.addComponent(true, POOLED.directBuffer(length - half).writeBytes(content, from + half,
                        length - half));
                owned.add(c);
                return c;
            }
            case 6: {
                FragmentChainByteBuf nested = FragmentChainByteBuf.newInstance(POOLED, 2);
                int half = 1 + rnd.nextInt(length - 1);
                ByteBuf first = POOLED.heapBuffer(half).writeBytes(content, from, half);
                ByteBuf second = POOLED.directBuffer(length - half).writeBytes(content, from + half, length - half);
                owned.add(first);
                owned.add(second);
                nested.add(first).add(second);
                owned.add(nested);
                return nested;
            }
            default: {
                byte[] array = new byte[prefix + length + suffix];
                System.arraycopy(content, from, array, prefix, length);
                b = Unpooled.wrappedBuffer(array, prefix, length);
                owned.add(b);
                return b;
            }
        }
        for (int i = 0; i < prefix; i++) {
            b.writeByte(0xee);
        }
        b.writeBytes(content, from, length);
        for (int i = 0; i < suffix; i++) {
            b.writeByte(0xdd);
        }
        b.setIndex(prefix, prefix + length);
        owned.add(b);
        return b;
    }

    private static void assertReleased(Built b) {
        for (ByteBuf o : b.owned) {
            assertEquals(0, o.refCnt(), () -> "not released: " + o);
        }
    }

    // ---- conformance ---------------------------------------------------------------------------------------------

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12})
    void behavesAsAHeapBuffer(long seed) throws Exception {
        SplittableRandom rnd = new SplittableRandom(seed);
        int length = seed % 4 == 0 ? 1 + rnd.nextInt(16) : 1 + rnd.nextInt(6000);
        byte[] content = new byte[length];
        rnd.nextBytes(content);
        Built built = build(content, rnd);
        ByteBuf chain = built.chain;
        ByteBuf ref = Unpooled.buffer(length, length).writeBytes(content);
        new Conformance(seed, rnd, chain, ref, built.boundaries, dir).run(4000);
        ref.release();
        assertTrue(chain.release());
        assertReleased(built);
        assertEquals(0, chain.refCnt());
    }

    /** Runs the same random operations on the chain and on a reference heap buffer and compares every outcome. */
    private static final class Conformance {
        private final long seed;
        private final SplittableRandom rnd;
        private final ByteBuf chain;
        private final ByteBuf ref;
        private final int[] boundaries;
        private final Path dir;
        private final int capacity;
        private int step;

        Conformance(long seed, SplittableRandom rnd, ByteBuf chain, ByteBuf ref, int[] boundaries, Path dir) {
            this.seed = seed;
            this.rnd = rnd;
            this.chain = chain;
            this.ref = ref;
            this.boundaries = boundaries;
            this.dir = dir;
            this.capacity = ref.capacity();
        }

        interface Op {
            Object apply(ByteBuf b) throws Exception;
        }

        /** Applies {@code op} to both; both must return equal values or throw the same exception type. */
        private void same(String name, Op op) {
            Object expected;
            Object actual;
            Throwable expectedFailure = null;
            Throwable actualFailure = null;
            try {
                expected = op.apply(ref);
            } catch (Exception e) {
                expected = null;
                expectedFailure = e;
            }
            try {
                actual = op.apply(chain);
            } catch (Exception e) {
                actual = null;
                actualFailure = e;
            }
            String where = "seed " + seed + " step " + step + ": " + name;
            if (expectedFailure != null || actualFailure != null) {
                if (expectedFailure == null || actualFailure == null
                        || !exceptionKind(expectedFailure).equals(exceptionKind(actualFailure))) {
                    AssertionError e = new AssertionError(where + ": heap " + describe(expectedFailure, expected)
                            + ", chain " + describe(actualFailure, actual));
                    if (actualFailure != null) {
                        e.initCause(actualFailure);
                    }
                    throw e;
                }
                return;
            }
            if (!Objects.deepEquals(expected, actual)) {
                fail(where + ": heap " + describe(null, expected) + ", chain " + describe(null, actual));
            }
        }

        private static Class<?> exceptionKind(Throwable t) {
            return t instanceof IndexOutOfBoundsException ? IndexOutOfBoundsException.class : t.getClass();
        }

        private static String describe(Throwable t, Object v) {
            if (t != null) {
                return t.toString();
            }
            return v instanceof byte[] ? ByteBufUtil.hexDump((byte[]) v) : String.valueOf(v);
        }

        /** An index for a field of {@code width} bytes, usually valid, often straddling a part boundary. */
        private int index(int width) {
            int r = rnd.nextInt(100);
            if (r < 2) {
                return rnd.nextBoolean() ? -1 - rnd.nextInt(3) : capacity - width + 1 + rnd.nextInt(3);
            }
            if (capacity < width) {
                return 0;
            }
            if (r < 60) {
                int b = boundaries[rnd.nextInt(boundaries.length)];
                int i = b - 1 - rnd.nextInt(width + 1) + 1;
                return Math.max(0, Math.min(capacity - width, i));
            }
            return rnd.nextInt(capacity - width + 1);
        }

        /** A valid range {index, length}, often crossing boundaries. */
        private int[] range() {
            int index;
            if (rnd.nextBoolean()) {
                int b = boundaries[rnd.nextInt(boundaries.length)];
                index = Math.max(0, b - rnd.nextInt(20));
            } else {
                index = rnd.nextInt(capacity + 1);
            }
            index = Math.min(index, capacity);
            int max = capacity - index;
            int length = max == 0 ? 0 : rnd.nextInt(4) == 0 ? rnd.nextInt(max + 1) : rnd.nextInt(Math.min(max, 64) + 1);
            return new int[] {index, length};
        }

        private byte[] randomBytes(int n) {
            byte[] b = new byte[n];
            rnd.nextBytes(b);
            return b;
        }

        void run(int steps) throws IOException {
            Path[] files = {dir.resolve("ref-" + seed), dir.resolve("chain-" + seed)};
            byte[] fileContent = randomBytes(capacity + 100);
            for (Path f : files) {
                Files.write(f, fileContent);
            }
            Path source = dir.resolve("source-" + seed);
            Files.write(source, randomBytes(capacity / 2 + 7));
            try (FileChannel refFile = FileChannel.open(files[0], StandardOpenOption.READ, StandardOpenOption.WRITE);
                    FileChannel chainFile = FileChannel.open(files[1], StandardOpenOption.READ,
                            StandardOpenOption.WRITE);
                    FileChannel sourceFile = FileChannel.open(source, StandardOpenOption.READ)) {
                for (step = 0; step < steps; step++) {
                    one(refFile, chainFile, sourceFile);
                    if (step % 50 == 0) {
                        compareAll();
                    }
                }
                compareAll();
                assertArrayEquals(Files.readAllBytes(files[0]), Files.readAllBytes(files[1]),
                        "seed " + seed + ": file written by getBytes(FileChannel)");
            }
        }

        private void compareAll() {
            byte[] a = new byte[capacity];
            byte[] b = new byte[capacity];
            ref.getBytes(0, a);
            chain.getBytes(0, b);
            assertArrayEquals(a, b, "seed " + seed + " step " + step + ": content");
            assertEquals(ref.readerIndex(), chain.readerIndex(), "readerIndex");
            assertEquals(ref.writerIndex(), chain.writerIndex(), "writerIndex");
            assertEquals(ref.capacity(), chain.capacity());
        }

        private void one(FileChannel refFile, FileChannel chainFile, FileChannel sourceFile) {
            int op = rnd.nextInt(40);
            switch (op) {
                case 0: {
                    int i = index(1);
                    same("getByte " + i, b -> b.getByte(i));
                    same("getUnsignedByte " + i, b -> b.getUnsignedByte(i));
                    same("getBoolean " + i, b -> b.getBoolean(i));
                    break;
                }
                case 1: {
                    int i = index(2);
                    same("getShort " + i, b -> b.getShort(i));
                    same("getShortLE " + i, b -> b.getShortLE(i));
                    same("getUnsignedShort " + i, b -> b.getUnsignedShort(i));
                    same("getUnsignedShortLE " + i, b -> b.getUnsignedShortLE(i));
                    same("getChar " + i, b -> b.getChar(i));
                    break;
                }
                case 2: {
                    int i = index(3);
                    same("getMedium " + i, b -> b.getMedium(i));
                    same("getMediumLE " + i, b -> b.getMediumLE(i));
                    same("getUnsignedMedium " + i, b -> b.getUnsignedMedium(i));
                    same("getUnsignedMediumLE " + i, b -> b.getUnsignedMediumLE(i));
                    break;
                }
                case 3: {
                    int i = index(4);
                    same("getInt " + i, b -> b.getInt(i));
                    same("getIntLE " + i, b -> b.getIntLE(i));
                    same("getUnsignedInt " + i, b -> b.getUnsignedInt(i));
                    same("getUnsignedIntLE " + i, b -> b.getUnsignedIntLE(i));
                    same("getFloat " + i, b -> Float.floatToRawIntBits(b.getFloat(i)));
                    same("getFloatLE " + i, b -> Float.floatToRawIntBits(b.getFloatLE(i)));
                    break;
                }
                case 4: {
                    int i = index(8);
                    same("getLong " + i, b -> b.getLong(i));
                    same("getLongLE " + i, b -> b.getLongLE(i));
                    same("getDouble " + i, b -> Double.doubleToRawLongBits(b.getDouble(i)));
                    same("getDoubleLE " + i, b -> Double.doubleToRawLongBits(b.getDoubleLE(i)));
                    break;
                }
                case 5: {
                    int i = index(1);
                    int v = rnd.nextInt();
                    same("setByte " + i, b -> b.setByte(i, v) == b);
                    break;
                }
                case 6: {
                    int i = index(2);
                    int v = rnd.nextInt();
                    if (rnd.nextBoolean()) {
                        same("setShort " + i, b -> b.setShort(i, v) == b);
                    } else {
                        same("setShortLE " + i, b -> b.setShortLE(i, v) == b);
                    }
                    break;
                }
                case 7: {
                    int i = index(3);
                    int v = rnd.nextInt();
                    if (rnd.nextBoolean()) {
                        same("setMedium " + i, b -> b.setMedium(i, v) == b);
                    } else {
                        same("setMediumLE " + i, b -> b.setMediumLE(i, v) == b);
                    }
                    break;
                }
                case 8: {
                    int i = index(4);
                    int v = rnd.nextInt();
                    switch (rnd.nextInt(3)) {
                        case 0:
                            same("setInt " + i, b -> b.setInt(i, v) == b);
                            break;
                        case 1:
                            same("setIntLE " + i, b -> b.setIntLE(i, v) == b);
                            break;
                        default:
                            same("setFloat " + i, b -> b.setFloat(i, Float.intBitsToFloat(v)) == b);
                            break;
                    }
                    break;
                }
                case 9: {
                    int i = index(8);
                    long v = rnd.nextLong();
                    switch (rnd.nextInt(3)) {
                        case 0:
                            same("setLong " + i, b -> b.setLong(i, v) == b);
                            break;
                        case 1:
                            same("setLongLE " + i, b -> b.setLongLE(i, v) == b);
                            break;
                        default:
                            same("setDouble " + i, b -> b.setDouble(i, Double.longBitsToDouble(v)) == b);
                            break;
                    }
                    break;
                }
                case 10: {
                    int[] r = range();
                    int off = rnd.nextInt(5);
                    same("getBytes byte[] " + r[0] + "+" + r[1], b -> {
                        byte[] dst = new byte[r[1] + off + 3];
                        b.getBytes(r[0], dst, off, r[1]);
                        return dst;
                    });
                    break;
                }
                case 11: {
                    int[] r = range();
                    int off = rnd.nextInt(5);
                    boolean direct = rnd.nextBoolean();
                    same("getBytes ByteBuf " + r[0] + "+" + r[1], b -> {
                        ByteBuf dst = direct ? POOLED.directBuffer(r[1] + off) : UNPOOLED.heapBuffer(r[1] + off);
                        try {
                            dst.writerIndex(dst.capacity());
                            dst.setZero(0, dst.capacity());
                            b.getBytes(r[0], dst, off, r[1]);
                            return ByteBufUtil.getBytes(dst);
                        } finally {
                            dst.release();
                        }
                    });
                    break;
                }
                case 12: {
                    int[] r = range();
                    int off = rnd.nextInt(5);
                    boolean direct = rnd.nextBoolean();
                    same("getBytes ByteBuffer " + r[0] + "+" + r[1], b -> {
                        ByteBuffer dst = direct ? ByteBuffer.allocateDirect(r[1] + off + 2)
                                : ByteBuffer.allocate(r[1] + off + 2);
                        dst.position(off).limit(off + r[1]);
                        b.getBytes(r[0], dst);
                        byte[] out = new byte[dst.capacity()];
                        int pos = dst.position();
                        int lim = dst.limit();
                        dst.clear();
                        dst.get(out);
                        return Arrays.asList(pos, lim, ByteBufUtil.hexDump(out));
                    });
                    break;
                }
                case 13: {
                    int[] r = range();
                    same("getBytes OutputStream " + r[0] + "+" + r[1], b -> {
                        ByteArrayOutputStream out = new ByteArrayOutputStream();
                        b.getBytes(r[0], out, r[1]);
                        return out.toByteArray();
                    });
                    break;
                }
                case 14: {
                    int[] r = range();
                    same("getBytes GatheringByteChannel " + r[0] + "+" + r[1], b -> {
                        Sink out = new Sink();
                        int n = b.getBytes(r[0], out, r[1]);
                        return Arrays.asList(n, ByteBufUtil.hexDump(out.bytes.toByteArray()));
                    });
                    break;
                }
                case 15: {
                    int[] r = range();
                    long position = rnd.nextInt(100);
                    same("getBytes FileChannel " + r[0] + "+" + r[1] + " at " + position, b -> {
                        FileChannel f = b == ref ? refFile : chainFile;
                        long before = f.position();
                        int n = b.getBytes(r[0], f, position, r[1]);
                        return Arrays.asList(n, f.position() - before);
                    });
                    break;
                }
                case 16: {
                    int[] r = range();
                    int off = rnd.nextInt(5);
                    byte[] src = randomBytes(r[1] + off + 1);
                    same("setBytes byte[] " + r[0] + "+" + r[1], b -> b.setBytes(r[0], src, off, r[1]) == b);
                    break;
                }
                case 17: {
                    int[] r = range();
                    int off = rnd.nextInt(5);
                    byte[] data = randomBytes(r[1] + off);
                    boolean direct = rnd.nextBoolean();
                    same("setBytes ByteBuf " + r[0] + "+" + r[1], b -> {
                        ByteBuf src = direct ? POOLED.directBuffer(data.length) : UNPOOLED.heapBuffer(data.length);
                        try {
                            src.writeBytes(data);
                            return b.setBytes(r[0], src, off, r[1]) == b;
                        } finally {
                            src.release();
                        }
                    });
                    break;
                }
                case 18: {
                    int[] r = range();
                    byte[] data = randomBytes(r[1] + 3);
                    boolean direct = rnd.nextBoolean();
                    same("setBytes ByteBuffer " + r[0] + "+" + r[1], b -> {
                        ByteBuffer src = direct ? ByteBuffer.allocateDirect(data.length)
                                : ByteBuffer.allocate(data.length);
                        src.put(data).clear();
                        src.position(1).limit(1 + r[1]);
                        b.setBytes(r[0], src);
                        return Arrays.asList(src.position(), src.limit());
                    });
                    break;
                }
                case 19: {
                    int[] r = range();
                    byte[] data = randomBytes(rnd.nextInt(4) == 0 ? rnd.nextInt(r[1] + 1) : r[1] + 2);
                    same("setBytes InputStream " + r[0] + "+" + r[1] + " of " + data.length,
                        b -> b.setBytes(r[0], new ByteArrayInputStream(data), r[1]));
                    break;
                }
                case 20: {
                    int[] r = range();
                    byte[] data = randomBytes(rnd.nextInt(4) == 0 ? rnd.nextInt(r[1] + 1) : r[1] + 2);
                    same("setBytes ScatteringByteChannel " + r[0] + "+" + r[1] + " of " + data.length,
                        b -> b.setBytes(r[0], new Source(data), r[1]));
                    break;
                }
                case 21: {
                    int[] r = range();
                    long position = rnd.nextInt(capacity / 2 + 10);
                    same("setBytes FileChannel " + r[0] + "+" + r[1] + " at " + position, b -> {
                        long before = sourceFile.position();
                        int n = b.setBytes(r[0], sourceFile, position, r[1]);
                        return Arrays.asList(n, sourceFile.position() - before);
                    });
                    break;
                }
                case 22: {
                    int[] r = range();
                    same("copy " + r[0] + "+" + r[1], b -> {
                        ByteBuf c = b.copy(r[0], r[1]);
                        try {
                            return Arrays.asList(c.readerIndex(), c.writerIndex(), ByteBufUtil.hexDump(c));
                        } finally {
                            c.release();
                        }
                    });
                    break;
                }
                case 23: {
                    int[] r = range();
                    int i = r[1] == 0 ? 0 : rnd.nextInt(r[1]);
                    same("slice " + r[0] + "+" + r[1], b -> {
                        ByteBuf s = b.slice(r[0], r[1]);
                        return Arrays.asList(ByteBufUtil.hexDump(s), r[1] - i >= 4 ? s.getInt(i) : 0,
                                s.refCnt(), s.capacity());
                    });
                    same("retainedSlice " + r[0] + "+" + r[1], b -> {
                        ByteBuf s = b.retainedSlice(r[0], r[1]);
                        try {
                            return Arrays.asList(ByteBufUtil.hexDump(s), b.refCnt(),
                                    r[1] - i >= 8 ? s.getLongLE(i) : 0);
                        } finally {
                            s.release();
                        }
                    });
                    break;
                }
                case 24: {
                    int i = index(4);
                    boolean retained = rnd.nextBoolean();
                    same("duplicate", b -> {
                        ByteBuf d = retained ? b.retainedDuplicate() : b.duplicate();
                        try {
                            return Arrays.asList(d.readerIndex(), d.writerIndex(), ByteBufUtil.hexDump(d),
                                    i >= 0 && i + 4 <= capacity ? d.getInt(i) : 0, b.refCnt());
                        } finally {
                            if (retained) {
                                d.release();
                            }
                        }
                    });
                    break;
                }
                case 25: {
                    int[] r = range();
                    same("nioBuffers " + r[0] + "+" + r[1], b -> {
                        ByteBuffer[] views = b.nioBuffers(r[0], r[1]);
                        ByteArrayOutputStream all = new ByteArrayOutputStream();
                        for (ByteBuffer v : views) {
                            byte[] x = new byte[v.remaining()];
                            v.duplicate().get(x);
                            all.write(x, 0, x.length);
                        }
                        return all.toByteArray();
                    });
                    same("nioBuffer " + r[0] + "+" + r[1], b -> {
                        ByteBuffer v = b.nioBuffer(r[0], r[1]);
                        byte[] x = new byte[v.remaining()];
                        v.get(x);
                        return x;
                    });
                    break;
                }
                case 26: {
                    int r = rnd.nextInt(capacity + 1);
                    int w = r + rnd.nextInt(capacity - r + 1);
                    same("setIndex " + r + " " + w, b -> b.setIndex(r, w) == b);
                    break;
                }
                case 27: {
                    int kind = rnd.nextInt(7);
                    same("read kind " + kind, b -> {
                        Object v;
                        switch (kind) {
                            case 0:
                                v = b.readByte();
                                break;
                            case 1:
                                v = b.readShort();
                                break;
                            case 2:
                                v = b.readUnsignedMediumLE();
                                break;
                            case 3:
                                v = b.readInt();
                                break;
                            case 4:
                                v = b.readLongLE();
                                break;
                            case 5: {
                                byte[] x = new byte[Math.min(b.readableBytes(), 37)];
                                b.readBytes(x);
                                v = x;
                                break;
                            }
                            default:
                                v = b.skipBytes(Math.min(b.readableBytes(), 3)).readerIndex();
                                break;
                        }
                        return Arrays.asList(v instanceof byte[] ? ByteBufUtil.hexDump((byte[]) v) : v,
                                b.readerIndex(), b.writerIndex());
                    });
                    break;
                }
                case 28: {
                    int kind = rnd.nextInt(4);
                    long v = rnd.nextLong();
                    byte[] data = randomBytes(rnd.nextInt(20));
                    same("write kind " + kind, b -> {
                        switch (kind) {
                            case 0:
                                b.writeByte((int) v);
                                break;
                            case 1:
                                b.writeIntLE((int) v);
                                break;
                            case 2:
                                b.writeLong(v);
                                break;
                            default:
                                b.writeBytes(data);
                                break;
                        }
                        return Arrays.asList(b.readerIndex(), b.writerIndex(), b.capacity());
                    });
                    break;
                }
                case 29: {
                    int[] r = range();
                    byte target = (byte) rnd.nextInt(256);
                    same("forEachByte " + r[0] + "+" + r[1], b -> {
                        int[] visited = {0};
                        ByteProcessor p = x -> {
                            visited[0]++;
                            return x != target;
                        };
                        return Arrays.asList(b.forEachByte(r[0], r[1], p), visited[0]);
                    });
                    same("forEachByteDesc " + r[0] + "+" + r[1], b -> {
                        int[] visited = {0};
                        ByteProcessor p = x -> {
                            visited[0]++;
                            return x != target;
                        };
                        return Arrays.asList(b.forEachByteDesc(r[0], r[1], p), visited[0]);
                    });
                    same("forEachByte readable", b -> b.forEachByte(ByteProcessor.FIND_NUL));
                    break;
                }
                case 30: {
                    int from = rnd.nextInt(capacity + 1);
                    int to = rnd.nextInt(capacity + 1);
                    byte value = (byte) rnd.nextInt(256);
                    same("indexOf " + from + " " + to, b -> b.indexOf(from, to, value));
                    int[] r = range();
                    same("bytesBefore " + r[0] + "+" + r[1], b -> b.bytesBefore(r[0], r[1], value));
                    same("bytesBefore readable", b -> b.bytesBefore(value));
                    break;
                }
                case 31: {
                    // equality with the heap buffer (readable bytes), both ways, and hash codes
                    String where = "seed " + seed + " step " + step;
                    assertTrue(chain.equals(ref), where);
                    assertTrue(ref.equals(chain), where);
                    assertEquals(ref.hashCode(), chain.hashCode(), where);
                    assertEquals(0, chain.compareTo(ref), where);
                    assertEquals(0, ByteBufUtil.compare(ref, chain), where);
                    break;
                }
                case 32: {
                    int[] r = range();
                    Charset cs = CHARSETS[rnd.nextInt(CHARSETS.length)];
                    same("toString " + cs + " " + r[0] + "+" + r[1], b -> b.toString(r[0], r[1], cs));
                    same("toString " + cs, b -> b.toString(cs));
                    same("getCharSequence " + cs, b -> b.getCharSequence(r[0], r[1], cs).toString());
                    break;
                }
                case 33: {
                    int[] r = range();
                    same("setZero " + r[0] + "+" + r[1], b -> b.setZero(r[0], r[1]) == b);
                    break;
                }
                case 34: {
                    if (rnd.nextInt(4) == 0) {
                        same("discardReadBytes", b -> {
                            b.discardReadBytes();
                            return Arrays.asList(b.readerIndex(), b.writerIndex(), b.capacity());
                        });
                    } else {
                        same("discardSomeReadBytes", b -> {
                            b.discardSomeReadBytes();
                            return Arrays.asList(b.readerIndex(), b.writerIndex());
                        });
                    }
                    break;
                }
                case 35: {
                    int[] r = range();
                    String s = "fragments " + rnd.nextInt(1000) + " \u00e9\u20ac";
                    same("setCharSequence " + r[0], b -> r[0] + 20 <= capacity
                            ? b.setCharSequence(r[0], s, StandardCharsets.UTF_8) : 0);
                    break;
                }
                case 36: {
                    // the same chain bytes read through a copy, a duplicate's reads and ByteBufUtil helpers
                    int[] r = range();
                    same("getBytes(ByteBuf) " + r[0] + "+" + r[1], b -> {
                        ByteBuf dst = UNPOOLED.heapBuffer(r[1]);
                        try {
                            b.getBytes(r[0], dst, r[1]);
                            return ByteBufUtil.getBytes(dst);
                        } finally {
                            dst.release();
                        }
                    });
                    same("hexDump " + r[0] + "+" + r[1], b -> ByteBufUtil.hexDump(b, r[0], r[1]));
                    same("isText", b -> ByteBufUtil.isText(b, r[0], r[1], StandardCharsets.US_ASCII));
                    break;
                }
                case 37: {
                    int[] r = range();
                    int dst = rnd.nextInt(capacity - r[1] + 1);
                    // overlapping copy of this buffer onto itself, as discardReadBytes does
                    if (dst <= r[0]) {
                        same("setBytes self " + r[0] + "+" + r[1] + " to " + dst,
                            b -> b.setBytes(dst, b, r[0], r[1]) == b);
                    }
                    break;
                }
                case 38: {
                    int i = index(8);
                    same("out of range reads " + i, b -> Arrays.asList(b.isReadable(), b.readableBytes(),
                            b.writableBytes(), b.maxWritableBytes(), b.isWritable(), b.capacity(), b.maxCapacity()));
                    same("ensureWritable 1", b -> b.ensureWritable(1) == b);
                    same("ensureWritable force", b -> b.ensureWritable(capacity + 1, true));
                    break;
                }
                default: {
                    int[] r = range();
                    same("nioBufferCount covers", b -> b.nioBufferCount() >= 1);
                    same("readerIndex/writerIndex moves", b -> {
                        b.writerIndex(Math.max(b.readerIndex(), Math.min(capacity, r[0] + r[1])));
                        b.readerIndex(Math.min(r[0], b.writerIndex()));
                        return Arrays.asList(b.readerIndex(), b.writerIndex(), b.isReadable(4));
                    });
                    break;
                }
            }
        }
    }

    /** A gathering channel that keeps everything written to it. */
    private static final class Sink implements GatheringByteChannel {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        @Override
        public int write(ByteBuffer src) {
            int n = src.remaining();
            byte[] b = new byte[n];
            src.get(b);
            bytes.write(b, 0, n);
            return n;
        }

        @Override
        public long write(ByteBuffer[] srcs, int offset, int length) {
            long n = 0;
            for (int i = offset; i < offset + length; i++) {
                n += write(srcs[i]);
            }
            return n;
        }

        @Override
        public long write(ByteBuffer[] srcs) {
            return write(srcs, 0, srcs.length);
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public void close() {
        }
    }

    /** A scattering channel reading from a byte array, then at its end. */
    private static final class Source implements ScatteringByteChannel {
        private final ByteBuffer data;

        Source(byte[] data) {
            this.data = ByteBuffer.wrap(data);
        }

        @Override
        public int read(ByteBuffer dst) {
            if (!data.hasRemaining()) {
                return -1;
            }
            int n = Math.min(dst.remaining(), data.remaining());
            ByteBuffer piece = data.duplicate();
            piece.limit(piece.position() + n);
            dst.put(piece);
            data.position(data.position() + n);
            return n;
        }

        @Override
        public long read(ByteBuffer[] dsts, int offset, int length) {
            long n = 0;
            for (int i = offset; i < offset + length; i++) {
                int r = read(dsts[i]);
                if (r < 0) {
                    return n == 0 ? -1 : n;
                }
                n += r;
            }
            return n;
        }

        @Override
        public long read(ByteBuffer[] dsts) {
            return read(dsts, 0, dsts.length);
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public void close() {
        }
    }

    // ---- reference counting --------------------------------------------------------------------------------------

    @Test
    void finalReleaseReleasesEveryPartOnce() {
        ByteBuf a = POOLED.directBuffer(16).writeLong(1).writeLong(2);
        ByteBuf b = UNPOOLED.heapBuffer(8).writeInt(3);
        ByteBuf c = POOLED.heapBuffer(8).writeByte(4);
        FragmentChainByteBuf chain = FragmentChainByteBuf.newInstance(POOLED, 3).add(a).add(b).add(c);
        assertEquals(1, chain.refCnt());
        chain.retain(2);
        assertEquals(3, chain.refCnt());
        assertFalse(chain.release());
        assertFalse(chain.release());
        assertEquals(1, a.refCnt());
        assertEquals(1, b.refCnt());
        assertEquals(1, c.refCnt());
        assertTrue(chain.release());
        assertEquals(0, chain.refCnt());
        assertEquals(0, a.refCnt());
        assertEquals(0, b.refCnt());
        assertEquals(0, c.refCnt());
        assertEquals(0, chain.partCount());
        assertEquals("FragmentChainByteBuf(freed)", chain.toString());
        assertThrows(IllegalReferenceCountException.class, () -> chain.getByte(0));
        assertThrows(IllegalReferenceCountException.class, chain::release);
        ByteBuf late = UNPOOLED.heapBuffer(4).writeInt(5);
        assertThrows(IllegalReferenceCountException.class, () -> chain.add(late));
        assertEquals(0, late.refCnt(), "ownership of a part is transferred even when add fails");
    }

    @Test
    void slicesShareTheReferenceCount() {
        ByteBuf a = POOLED.directBuffer(8).writeLong(0x0102030405060708L);
        ByteBuf b = POOLED.directBuffer(8).writeLong(0x1112131415161718L);
        FragmentChainByteBuf chain = FragmentChainByteBuf.newInstance(POOLED, 2).add(a).add(b);
        ByteBuf slice = chain.retainedSlice(6, 4);
        assertEquals(0x07081112, slice.getInt(0));
        assertEquals(2, chain.refCnt());
        chain.release();
        assertEquals(1, a.refCnt(), "parts stay while the slice holds the chain");
        slice.release();
        assertEquals(0, a.refCnt());
        assertEquals(0, b.refCnt());
    }

    @Test
    void emptyPartsAreReleasedAtOnce() {
        ByteBuf empty = POOLED.directBuffer(8);
        ByteBuf consumed = UNPOOLED.heapBuffer(8).writeInt(7);
        consumed.skipBytes(4);
        ByteBuf data = UNPOOLED.heapBuffer(8).writeShort(0x1234);
        FragmentChainByteBuf chain = FragmentChainByteBuf.newInstance(UNPOOLED, 0);
        chain.add(empty).add(data).add(consumed);
        assertEquals(0, empty.refCnt());
        assertEquals(0, consumed.refCnt());
        assertEquals(1, chain.partCount());
        assertEquals(2, chain.capacity());
        assertEquals(0x1234, chain.getShort(0));
        chain.release();
        assertEquals(0, data.refCnt());
    }

    @Test
    void emptyChain() {
        FragmentChainByteBuf chain = FragmentChainByteBuf.newInstance(UNPOOLED, 0);
        assertEquals(0, chain.capacity());
        assertEquals(0, chain.readableBytes());
        assertEquals(1, chain.nioBufferCount());
        assertEquals(0, chain.nioBuffer().remaining());
        assertEquals(0, chain.nioBuffers()[0].remaining());
        assertEquals(0, chain.internalNioBuffer(0, 0).remaining());
        assertFalse(chain.isDirect());
        assertFalse(chain.hasArray());
        assertThrows(IndexOutOfBoundsException.class, () -> chain.getByte(0));
        assertThrows(IndexOutOfBoundsException.class, () -> chain.writeByte(1));
        ByteBuf copy = chain.copy();
        assertEquals(0, copy.readableBytes());
        copy.release();
        assertTrue(chain.equals(Unpooled.EMPTY_BUFFER));
        chain.release();
    }

    // ---- fixed capacity -------------------------------------------------------------------------------------------

    @Test
    void capacityIsFixed() {
        FragmentChainByteBuf chain = FragmentChainByteBuf.newInstance(UNPOOLED, 2)
                .add(UNPOOLED.heapBuffer(4).writeInt(1)).add(UNPOOLED.heapBuffer(4).writeInt(2));
        assertEquals(8, chain.capacity());
        assertEquals(8, chain.maxCapacity());
        assertSame(chain, chain.capacity(8));
        assertThrows(UnsupportedOperationException.class, () -> chain.capacity(9));
        assertThrows(UnsupportedOperationException.class, () -> chain.capacity(7));
        assertThrows(UnsupportedOperationException.class, () -> chain.capacity(0));
        assertThrows(IndexOutOfBoundsException.class, () -> chain.writeByte(3));
        assertThrows(IndexOutOfBoundsException.class, () -> chain.ensureWritable(1));
        assertEquals(1, chain.ensureWritable(1, true), "cannot grow, capacity unchanged");
        assertEquals(8, chain.capacity());
        chain.writerIndex(4);
        chain.writeInt(0x0a0b0c0d);
        assertEquals(0x0a0b0c0d, chain.getInt(4));
        assertFalse(chain.isReadOnly());
        chain.release();
    }

    // ---- views, arrays, addresses ---------------------------------------------------------------------------------

    @Test
    void writesGoToThePartsAndThroughNioBuffers() {
        ByteBuf a = POOLED.directBuffer(8).writeLong(0);
        ByteBuf b = UNPOOLED.heapBuffer(8).writeLong(0);
        a.readerIndex(2);
        FragmentChainByteBuf chain = FragmentChainByteBuf.newInstance(POOLED, 2).add(a.retain()).add(b.retain());
        assertEquals(14, chain.capacity());
        chain.setLong(2, 0x0102030405060708L); // straddles the two parts: 4 bytes in each
        assertEquals(0x01020304, a.getInt(4));
        assertEquals(0x05060708, b.getInt(0));
        ByteBuffer[] views = chain.nioBuffers(0, 14);
        assertEquals(2, views.length);
        assertEquals(6, views[0].remaining());
        assertEquals(8, views[1].remaining());
        // decrypting in place over the views (as an AEAD cipher writing to the NIO buffers) changes the parts
        views[0].put(views[0].position() + 5, (byte) 0x55);
        views[1].put(views[1].position(), (byte) 0x66);
        assertEquals(0x55, a.getByte(7));
        assertEquals(0x66, b.getByte(0));
        assertEquals(0x5566, chain.getShort(5));
        ByteBuffer merged = chain.nioBuffer(4, 4);
        assertEquals(0x03556606, merged.getInt(merged.position()), "a merged copy across the parts");
        chain.release();
        a.release();
        b.release();
    }

    @Test
    void onePartExposesItsArrayAndAddress() {
        ByteBuf heap = UNPOOLED.heapBuffer(16).writeLong(0x1122334455667788L).writeLong(0);
        heap.readerIndex(3);
        FragmentChainByteBuf chain = FragmentChainByteBuf.newInstance(UNPOOLED, 1).add(heap);
        assertTrue(chain.hasArray());
        assertTrue(chain.isContiguous());
        assertSame(heap.array(), chain.array());
        assertEquals(0x44, chain.array()[chain.arrayOffset()]);
        assertEquals(1, chain.nioBufferCount());
        assertEquals(0x44556677, chain.internalNioBuffer(0, 4).getInt(chain.internalNioBuffer(0, 4).position()));
        assertFalse(chain.isDirect());
        chain.release();

        ByteBuf direct = POOLED.directBuffer(16).writeLong(0x1122334455667788L);
        direct.readerIndex(1);
        FragmentChainByteBuf d = FragmentChainByteBuf.newInstance(POOLED, 1).add(direct);
        assertTrue(d.isDirect());
        assertEquals(direct.hasMemoryAddress(), d.hasMemoryAddress());
        if (d.hasMemoryAddress()) {
            assertEquals(direct.memoryAddress() + 1, d.memoryAddress());
        }
        assertFalse(d.hasArray());
        d.release();
    }

    @Test
    void manyPartsHaveNoArrayNorInternalBuffer() {
        FragmentChainByteBuf chain = FragmentChainByteBuf.newInstance(UNPOOLED, 2)
                .add(UNPOOLED.heapBuffer(4).writeInt(1)).add(POOLED.directBuffer(4).writeInt(2));
        assertFalse(chain.hasArray());
        assertFalse(chain.hasMemoryAddress());
        assertFalse(chain.isContiguous());
        assertFalse(chain.isDirect(), "one heap part");
        assertNull(chain.unwrap());
        assertEquals(java.nio.ByteOrder.BIG_ENDIAN, chain.order());
        assertEquals(2, chain.nioBufferCount());
        assertThrows(UnsupportedOperationException.class, chain::array);
        assertThrows(UnsupportedOperationException.class, chain::arrayOffset);
        assertThrows(UnsupportedOperationException.class, chain::memoryAddress);
        assertThrows(UnsupportedOperationException.class, () -> chain.internalNioBuffer(0, 8));
        assertEquals("FragmentChainByteBuf(ridx: 0, widx: 8, cap: 8, parts: 2)", chain.toString());
        assertSame(UNPOOLED, chain.alloc());
        ByteBuf copy = chain.copy(2, 4);
        assertEquals(0x00010000, copy.getInt(0));
        copy.release();
        chain.release();
    }

    @Test
    void directChainCopiesToDirect() {
        FragmentChainByteBuf chain = FragmentChainByteBuf.newInstance(POOLED, 2)
                .add(POOLED.directBuffer(4).writeInt(1)).add(POOLED.directBuffer(4).writeInt(2));
        assertTrue(chain.isDirect());
        ByteBuf copy = chain.copy();
        assertTrue(copy.isDirect());
        assertEquals(0x0000000100000002L, copy.getLong(0));
        copy.release();
        chain.release();
    }

    @Test
    void arraysGrowBeyondTheExpectedParts() {
        SplittableRandom rnd = new SplittableRandom(99);
        byte[] content = new byte[3000];
        rnd.nextBytes(content);
        FragmentChainByteBuf chain = FragmentChainByteBuf.newInstance(UNPOOLED, 1);
        List<ByteBuf> parts = new ArrayList<>();
        for (int i = 0; i < content.length; i++) {
            ByteBuf p = UNPOOLED.heapBuffer(1).writeByte(content[i]);
            parts.add(p);
            chain.add(p);
        }
        assertEquals(content.length, chain.partCount());
        assertArrayEquals(content, ByteBufUtil.getBytes(chain));
        for (int i = 0; i < 2000; i++) {
            int index = rnd.nextInt(content.length - 8);
            assertEquals(Unpooled.wrappedBuffer(content).getLong(index), chain.getLong(index));
        }
        chain.release();
        for (ByteBuf p : parts) {
            assertEquals(0, p.refCnt());
        }
    }

    // ---- recycling ------------------------------------------------------------------------------------------------

    @Test
    void recycledInstanceIsClean() throws Throwable {
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<WeakReference<ByteBuf>> oldParts = new ArrayList<>();
        FastThreadLocalThread t = new FastThreadLocalThread(() -> {
            try {
                FragmentChainByteBuf first = FragmentChainByteBuf.newInstance(POOLED, 2);
                ByteBuf p1 = UNPOOLED.heapBuffer(8).writeLong(0x1111111111111111L);
                ByteBuf p2 = UNPOOLED.directBuffer(8).writeLong(0x2222222222222222L);
                oldParts.add(new WeakReference<>(p1));
                oldParts.add(new WeakReference<>(p2));
                first.add(p1).add(p2);
                first.readerIndex(3);
                first.markReaderIndex();
                first.writerIndex(12);
                first.markWriterIndex();
                first.getLong(4); // moves the part hint to the second part
                assertTrue(first.release());

                FragmentChainByteBuf second = FragmentChainByteBuf.newInstance(UNPOOLED, 1);
                assertSame(first, second, "recycled on a FastThreadLocalThread");
                assertEquals(1, second.refCnt());
                assertEquals(0, second.partCount());
                assertEquals(0, second.capacity());
                assertEquals(0, second.maxCapacity());
                assertEquals(0, second.readerIndex());
                assertEquals(0, second.writerIndex());
                assertFalse(second.isDirect());
                assertEquals(1, second.nioBufferCount());
                assertSame(UNPOOLED, second.alloc());
                assertThrows(IndexOutOfBoundsException.class, () -> second.getByte(0));
                ByteBuf p3 = UNPOOLED.heapBuffer(4).writeInt(0x33333333);
                second.add(p3);
                second.resetReaderIndex();
                second.resetWriterIndex();
                assertEquals(0, second.readerIndex(), "marks were reset");
                assertEquals(0, second.writerIndex(), "marks were reset");
                second.writerIndex(4);
                assertEquals(0x33333333, second.getInt(0));
                assertEquals(1, second.nioBuffers().length);
                assertArrayEquals(new byte[] {0x33, 0x33, 0x33, 0x33}, ByteBufUtil.getBytes(second));
                assertTrue(second.hasArray());
                assertTrue(second.release());
                assertEquals(0, p3.refCnt());
            } catch (Throwable e) {
                failure.set(e);
            }
        });
        t.start();
        t.join();
        if (failure.get() != null) {
            throw failure.get();
        }
        for (int i = 0; i < 10 && oldParts.stream().anyMatch(r -> r.get() != null); i++) {
            System.gc();
            Thread.sleep(10);
        }
        for (WeakReference<ByteBuf> r : oldParts) {
            assertNull(r.get(), "a recycled chain keeps no reference to its old parts");
        }
        // the recycled instance's trackers were closed before recycling: no leak report (checked after the test)
    }

    @Test
    void bigArraysAreNotKeptByTheRecycler() throws Throwable {
        AtomicReference<Throwable> failure = new AtomicReference<>();
        FastThreadLocalThread t = new FastThreadLocalThread(() -> {
            try {
                FragmentChainByteBuf big = FragmentChainByteBuf.newInstance(UNPOOLED,
                        FragmentChainByteBuf.MAX_RETAINED_PARTS + 1);
                for (int i = 0; i <= FragmentChainByteBuf.MAX_RETAINED_PARTS; i++) {
                    big.add(UNPOOLED.heapBuffer(1).writeByte(i));
                }
                assertTrue(big.partSlots() > FragmentChainByteBuf.MAX_RETAINED_PARTS);
                assertTrue(big.release());
                FragmentChainByteBuf again = FragmentChainByteBuf.newInstance(UNPOOLED, 2);
                assertSame(big, again);
                assertTrue(again.partSlots() < FragmentChainByteBuf.MAX_RETAINED_PARTS, "big arrays dropped");
                again.add(UNPOOLED.heapBuffer(2).writeShort(0x4242));
                assertEquals(0x4242, again.getShort(0));
                again.release();
            } catch (Throwable e) {
                failure.set(e);
            }
        });
        t.start();
        t.join();
        if (failure.get() != null) {
            throw failure.get();
        }
    }

    // ---- leak detection -------------------------------------------------------------------------------------------

    @Test
    void unreleasedChainIsReportedAsALeak() throws Exception {
        leakOne();
        flushChainLeakReports();
        AssertionError error = assertThrows(AssertionError.class, () -> new LeakDetectionExtension().afterAll(null));
        assertNotNull(error.getMessage());
        assertTrue(error.getMessage().contains("LEAK: FragmentChainByteBuf.release() was not called"),
                error.getMessage());
        // the extension's afterEach consumed the expected report; nothing else may be reported after this test
    }

    private static void leakOne() {
        // parts that are not leak-tracked themselves, so that the only report is the chain's
        FragmentChainByteBuf chain = FragmentChainByteBuf.newInstance(UNPOOLED, 2)
                .add(Unpooled.wrappedBuffer(new byte[] {1, 2, 3}))
                .add(Unpooled.wrappedBuffer(new byte[] {4, 5}));
        chain.getByte(3);
        // dropped without release on purpose
    }

    @Test
    void releasedChainsAreNotReported() throws Exception {
        for (int i = 0; i < 200; i++) {
            FragmentChainByteBuf chain = FragmentChainByteBuf.newInstance(POOLED, 2)
                    .add(POOLED.directBuffer(8).writeLong(i)).add(UNPOOLED.heapBuffer(8).writeLong(-i));
            ByteBuf slice = chain.retainedSlice(4, 8);
            chain.release();
            assertEquals(i, slice.getInt(0));
            slice.touch("checked").release();
        }
        flushChainLeakReports();
        new LeakDetectionExtension().afterAll(null); // throws on any report
    }
}
