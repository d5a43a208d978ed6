package io.netfrag.perf;

import io.netfrag.internal.wire.InternetChecksum;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The Internet checksum over one reassembled 64 KiB UDP datagram (what {@code UdpDeliver} verifies): netfrag's
 * {@link InternetChecksum#sum} against two stand-alone loops that read little-endian words (no byte swap per word; the
 * folded sum is swapped once at the end, RFC 1071 §2(B)) into two accumulators, the reference for how fast the
 * library's loop can be; the two are checked against netfrag's result in setup.
 *
 * <p>One operation = the sum over {@code length} bytes of a pooled buffer: direct, as a datagram reassembled into
 * its copy buffer, or heap, as an ESP datagram decrypted in place in its (heap) copy buffer.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Dio.netty.leakDetection.level=disabled", "-Xms1g", "-Xmx1g"})
@State(Scope.Thread)
public class ChecksumBenchmark {
    /** Bytes summed: 65,008 = UDP header + 65,000 payload bytes; 1,240 = a 1232-byte-payload datagram. */
    @Param({"65008", "1240"})
    public int length;

    /** Where the datagram lies: {@code direct} (a plain datagram's copy buffer) or {@code heap} (an ESP datagram's). */
    @Param({"direct", "heap"})
    public String memory;

    ByteBuf buf;

    @Setup(Level.Trial)
    public void setUp() {
        buf = ("heap".equals(memory)
                ? PooledByteBufAllocator.DEFAULT.heapBuffer(length, length)
                : PooledByteBufAllocator.DEFAULT.directBuffer(length, length))
                .writeBytes(PerfPackets.random(length, 9));
        int expected = InternetChecksum.fold(InternetChecksum.sum(buf, 0, length, 0));
        for (int odd = 0; odd < 8; odd++) { // odd lengths and tails too
            int n = length - odd;
            int want = InternetChecksum.fold(InternetChecksum.sum(buf, 0, n, 0));
            if (sumByteBuffer(buf, n) != want || sumGetLongLe(buf, n) != want) {
                throw new IllegalStateException("candidate checksum differs at length " + n);
            }
        }
        if (expected == -1) {
            throw new AssertionError();
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        buf.release();
    }

    /** netfrag's {@code InternetChecksum.sum}, as the library has it. */
    @Benchmark
    public int netfrag() {
        return InternetChecksum.fold(InternetChecksum.sum(buf, 0, length, 0));
    }

    /** Reference: the same {@code internalNioBuffer}, in native (little-endian) order, two accumulators. */
    @Benchmark
    public int byteBufferLe() {
        return sumByteBuffer(buf, length);
    }

    /** Reference: {@code ByteBuf.getLongLE}, two accumulators. */
    @Benchmark
    public int getLongLe() {
        return sumGetLongLe(buf, length);
    }

    static int sumByteBuffer(ByteBuf buf, int length) {
        ByteBuffer b = buf.internalNioBuffer(0, length).order(ByteOrder.LITTLE_ENDIAN);
        int pos = b.position();
        int end = b.limit();
        long s0 = 0;
        long s1 = 0;
        for (; end - pos >= 16; pos += 16) {
            long v = b.getLong(pos);
            long w = b.getLong(pos + 8);
            s0 += (v >>> 32) + (v & 0xffffffffL);
            s1 += (w >>> 32) + (w & 0xffffffffL);
        }
        long s = s0 + s1;
        for (; end - pos >= 2; pos += 2) {
            s += b.getShort(pos) & 0xffff;
        }
        if (pos < end) {
            s += b.get(pos) & 0xff; // a last odd byte is the high byte of a big-endian word: low byte here
        }
        b.order(ByteOrder.BIG_ENDIAN); // the buffer's internal NIO buffer is shared: leave it as found
        int folded = InternetChecksum.fold(s);
        return ((folded & 0xff) << 8) | (folded >>> 8);
    }

    static int sumGetLongLe(ByteBuf buf, int length) {
        int pos = 0;
        long s0 = 0;
        long s1 = 0;
        for (; length - pos >= 16; pos += 16) {
            long v = buf.getLongLE(pos);
            long w = buf.getLongLE(pos + 8);
            s0 += (v >>> 32) + (v & 0xffffffffL);
            s1 += (w >>> 32) + (w & 0xffffffffL);
        }
        long s = s0 + s1;
        for (; length - pos >= 2; pos += 2) {
            s += buf.getShortLE(pos) & 0xffff;
        }
        if (pos < length) {
            s += buf.getUnsignedByte(pos);
        }
        int folded = InternetChecksum.fold(s);
        return ((folded & 0xff) << 8) | (folded >>> 8);
    }
}
