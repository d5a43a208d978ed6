package io.netfrag.perf;

import io.netfrag.internal.reassembly.Fragment;
import io.netfrag.internal.reassembly.FragmentKey;
import io.netfrag.internal.reassembly.InsertResult;
import io.netfrag.internal.reassembly.ReassemblyProtocol;
import io.netfrag.internal.reassembly.ReassemblyTable;
import io.netfrag.internal.wire.EcnCombiner;
import io.netfrag.internal.wire.IpProtocols;
import io.netfrag.internal.wire.Ipv6FragmentHeader;
import io.netfrag.internal.wire.Ipv6Header;
import io.netfrag.internal.wire.UdpHeader;
import io.netfrag.reassembly.CoalescePolicy;
import io.netfrag.reassembly.ReassemblyLimits;
import io.netfrag.stats.Counters;
import io.netfrag.stats.DropReason;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.util.concurrent.FastThreadLocalThread;
import java.time.Duration;
import java.util.Arrays;
import java.util.SplittableRandom;
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
 * The reassembly core ({@link ReassemblyTable}) on one 64 KiB UDP datagram, against a memcpy of the same bytes.
 *
 * <p><b>One operation = one datagram</b>: a fragmentable part of {@value #PAYLOAD_BYTES} bytes (an 8-byte UDP header +
 * a 65,520-byte UDP payload), cut into fragments of {@code fragmentSize} data bytes (multiples of 8; the last one
 * shorter). 1232, 1448 and 8952 are the data bytes of a full fragment at MTU 1280 (the IPv6 minimum), 1500 and 9000:
 * 40 (IPv6) + 8 (Fragment header) + data = MTU. That gives 54, 46 and 8 fragments per datagram.
 *
 * <p><b>Fragments</b> are built once per trial, each a direct {@link ByteBuf} from
 * {@link PooledByteBufAllocator#DEFAULT} of capacity MTU (as a receive buffer sized to the link MTU would be, the short
 * last fragment included) holding IPv6 header + Fragment header + data, exactly as {@code Ipv6FragmentReassembler} sees
 * a fragment. Each operation retains every fragment (so the core's release only decrements the count), resets its
 * indices (the core narrows a held buffer to its data), and inserts them in the trial's order with the arguments the
 * IPv6 handler passes: {@code dataIndex} 48, {@code headerIndex} 0, {@code headerLength} 40, ECN bit of Not-ECT, not
 * forwarding, and for the fragment at offset 0 the protocol value the handler computes (index 6 of the byte naming the
 * Fragment header, next header UDP). What the handler does around the call (header validation, header-chain walk,
 * fixing the reassembled header, {@code IpPacket}) is not measured. The completed datagram is taken and released.
 *
 * <p><b>Key</b>: a minimal {@link FragmentKey} with an int id, incremented per datagram (each datagram is a new
 * queue, as on the wire; the table holds at most one queue at a time). <b>Time</b>: a counter passed as
 * {@code nowNanos}, +1 per fragment; queues never expire (60 s timeout).
 *
 * <p><b>Orders</b>: {@code inorder}, {@code reversed} (last fragment first) and {@code shuffled} (a Fisher-Yates
 * permutation from a fixed seed, the same in every trial and fork).
 *
 * <p><b>Baseline</b> {@link #memcpy}: the same number of {@code setBytes} calls copying each fragment's data bytes
 * into one 64 KiB direct buffer, in order, no reassembly. It depends only on {@code fragmentSize}. {@link #harness}
 * measures what the benchmark itself adds per fragment (retain, index reset, one release).
 *
 * <p><b>Throughput</b>: Gbps of reassembled payload = {@value #PAYLOAD_BYTES} × 8 / (ns per datagram); see
 * {@link Report}, which turns JMH's JSON result into a table.
 *
 * <p><b>JVM</b>: leak detection off. The benchmark runs on a Netty {@code FastThreadLocalThread}
 * ({@link FastThreadLocalExecutor}), as an event loop would: in Netty 4.2 only such threads get the pooled allocator's
 * thread cache and object recycling by default; on JMH's plain worker every pooled buffer would cost a new Java object
 * and every allocation would go to the arena, under its lock. {@link Fragments#setUp()} refuses to run on any other
 * thread.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {
        "-Dio.netty.leakDetection.level=disabled",
        "-Djmh.executor=CUSTOM", "-Djmh.executor.class=io.netfrag.perf.FastThreadLocalExecutor",
        "-Xms1g", "-Xmx1g"})
public class ReassemblyBenchmark {

    /** Fragmentable part of the datagram: UDP header (8) + UDP payload (65,520). */
    public static final int PAYLOAD_BYTES = UdpHeader.LENGTH + 65_520;
    /** IPv6 header + Fragment header in front of every fragment's data. */
    static final int DATA_INDEX = Ipv6Header.LENGTH + Ipv6FragmentHeader.LENGTH;
    /** ECN bit of a Not-ECT fragment. */
    static final int NOT_ECT = EcnCombiner.bit(0);
    private static final long SHUFFLE_SEED = 0x5eed_f4a6L;

    /** Fragments of one datagram of {@link #PAYLOAD_BYTES}, built once per trial. */
    @State(Scope.Thread)
    public static class Fragments {
        /** Data bytes per full fragment (multiple of 8). */
        @Param({"1232", "1448", "8952"})
        public int fragmentSize;

        /** The datagram's fragmentable part, for checks. */
        byte[] payload;
        ByteBuf[] fragments;
        int[] packetLength;
        int[] offset;
        int[] length;
        boolean[] last;
        int count;
        /** memcpy destination. */
        ByteBuf dst;

        @Setup(Level.Trial)
        public void setUp() {
            if (fragmentSize <= 0 || (fragmentSize & 7) != 0) {
                throw new IllegalArgumentException("fragmentSize must be a positive multiple of 8: " + fragmentSize);
            }
            if (!FastThreadLocalThread.currentThreadWillCleanupFastThreadLocals()) {
                throw new IllegalStateException("not on a FastThreadLocalThread: run with -Djmh.executor=CUSTOM"
                        + " -Djmh.executor.class=" + FastThreadLocalExecutor.class.getName());
            }
            ByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;
            payload = new byte[PAYLOAD_BYTES];
            new SplittableRandom(1).nextBytes(payload);
            ByteBuf udp = Unpooled.wrappedBuffer(payload);
            UdpHeader.write(udp, 0, 40_000, 4_500, PAYLOAD_BYTES);

            count = (PAYLOAD_BYTES + fragmentSize - 1) / fragmentSize;
            int mtu = DATA_INDEX + fragmentSize;
            fragments = new ByteBuf[count];
            packetLength = new int[count];
            offset = new int[count];
            length = new int[count];
            last = new boolean[count];
            for (int i = 0; i < count; i++) {
                int off = i * fragmentSize;
                int len = Math.min(fragmentSize, PAYLOAD_BYTES - off);
                boolean more = i < count - 1;
                ByteBuf b = alloc.directBuffer(mtu, mtu);
                writeIpv6(b, Ipv6FragmentHeader.LENGTH + len);
                b.writeZero(Ipv6FragmentHeader.LENGTH);
                Ipv6FragmentHeader.write(b, Ipv6Header.LENGTH, IpProtocols.UDP, off, more, 0x0b0e_0001);
                b.writeBytes(payload, off, len);
                fragments[i] = b;
                packetLength[i] = b.writerIndex();
                offset[i] = off;
                length[i] = len;
                last[i] = !more;
            }
            dst = alloc.directBuffer(PAYLOAD_BYTES, PAYLOAD_BYTES);
        }

        private static void writeIpv6(ByteBuf b, int payloadLength) {
            b.writeInt(6 << 28); // version 6, traffic class 0 (Not-ECT), flow label 0
            b.writeShort(payloadLength);
            b.writeByte(IpProtocols.FRAGMENT);
            b.writeByte(64);
            b.writeLong(0x2001_0db8_0000_0001L).writeLong(1); // 2001:db8:0:1::1
            b.writeLong(0x2001_0db8_0000_0002L).writeLong(2); // 2001:db8:0:2::2
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            for (ByteBuf b : fragments) {
                if (b.refCnt() != 1) {
                    throw new IllegalStateException("fragment refCnt " + b.refCnt() + ", expected 1");
                }
                b.release();
            }
            dst.release();
        }
    }

    /** A reassembly table and an arrival order. */
    @State(Scope.Thread)
    public static class Reassembly {
        /** Coalesce policy of the table. */
        @Param({"NONE", "COMPOSITE", "COPY", "ADAPTIVE"})
        public CoalescePolicy policy;
        /** Arrival order of the fragments. */
        @Param({"inorder", "reversed", "shuffled"})
        public String order;

        final ByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;
        final Counters counters = new Counters();
        final IntKey lookup = new IntKey();
        final Fragment fragment = new Fragment();
        ReassemblyTable<IntKey> table;
        int[] permutation;
        long nowNanos;

        @Setup(Level.Trial)
        public void setUp(Fragments f) {
            table = new ReassemblyTable<>(policy, ReassemblyLimits.defaults(Duration.ofSeconds(60)),
                    Ipv6Header.MAX_PAYLOAD_LENGTH, counters, ReassemblyProtocol.<IntKey>plain(q -> {
                        throw new IllegalStateException("queue expired in a benchmark: " + q);
                    }));
            permutation = permutation(order, f.count);
            check(f);
        }

        /** Reassembles one datagram outside the measurement and compares it with what was fragmented. */
        private void check(Fragments f) {
            ByteBuf d = reassembleOne(f, this);
            try {
                byte[] expected = new byte[Ipv6Header.LENGTH + PAYLOAD_BYTES];
                f.fragments[0].getBytes(0, expected, 0, Ipv6Header.LENGTH);
                System.arraycopy(f.payload, 0, expected, Ipv6Header.LENGTH, PAYLOAD_BYTES);
                byte[] actual = new byte[d.readableBytes()];
                d.getBytes(d.readerIndex(), actual);
                if (!Arrays.equals(expected, actual)) {
                    throw new IllegalStateException("reassembled datagram differs (" + actual.length + " bytes)");
                }
            } finally {
                d.release();
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            long drops = 0;
            for (DropReason r : DropReason.values()) {
                drops += counters.get(r);
            }
            if (drops != 0 || table.queueCount() != 0 || table.pinnedBytes() != 0) {
                throw new IllegalStateException("drops " + drops + ", queues " + table.queueCount() + ", pinned "
                        + table.pinnedBytes());
            }
        }
    }

    static int[] permutation(String order, int n) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        switch (order) {
            case "inorder":
                break;
            case "reversed":
                for (int i = 0; i < n; i++) {
                    p[i] = n - 1 - i;
                }
                break;
            case "shuffled":
                SplittableRandom r = new SplittableRandom(SHUFFLE_SEED);
                for (int i = n - 1; i > 0; i--) {
                    int j = r.nextInt(i + 1);
                    int t = p[i];
                    p[i] = p[j];
                    p[j] = t;
                }
                break;
            default:
                throw new IllegalArgumentException("order: " + order);
        }
        return p;
    }

    /** Inserts every fragment of one datagram; returns the completed datagram (ownership to the caller). */
    static ByteBuf reassembleOne(Fragments f, Reassembly r) {
        ReassemblyTable<IntKey> table = r.table;
        IntKey key = r.lookup;
        key.id++;
        int[] p = r.permutation;
        int n = p.length;
        InsertResult result = null;
        for (int i = 0; i < n; i++) {
            int k = p[i];
            ByteBuf b = f.fragments[k];
            b.retain();
            b.setIndex(0, f.packetLength[k]);
            int off = f.offset[k];
            result = table.insert(key, r.fragment.data(b, DATA_INDEX, off, f.length[k], f.last[k])
                    .header(0, Ipv6Header.LENGTH).flags(NOT_ECT), r.nowNanos++, r.alloc);
        }
        if (result != InsertResult.COMPLETE) {
            throw new IllegalStateException("last insert: " + result);
        }
        return table.takeCompleted();
    }

    /** Reassembles one datagram; the result is released. Returns its length (consumed by JMH). */
    @Benchmark
    public int reassemble(Fragments f, Reassembly r) {
        ByteBuf d = reassembleOne(f, r);
        int n = d.readableBytes();
        d.release();
        return n;
    }

    /** Baseline: copies every fragment's data bytes into one 64 KiB direct buffer, in order. */
    @Benchmark
    public ByteBuf memcpy(Fragments f) {
        ByteBuf dst = f.dst;
        ByteBuf[] frags = f.fragments;
        int[] off = f.offset;
        int[] len = f.length;
        for (int i = 0, n = f.count; i < n; i++) {
            dst.setBytes(off[i], frags[i], DATA_INDEX, len[i]);
        }
        return dst;
    }

    /**
     * Harness cost, for reading the results: what {@link #reassemble} does to each fragment besides calling the core
     * (retain, reset indices) plus the release the core does for a copied fragment. No copy, no reassembly.
     */
    @Benchmark
    public int harness(Fragments f) {
        ByteBuf[] frags = f.fragments;
        int[] packetLength = f.packetLength;
        int refs = 0;
        for (int i = 0, n = f.count; i < n; i++) {
            ByteBuf b = frags[i];
            b.retain();
            b.setIndex(0, packetLength[i]);
            refs += b.release() ? 1 : 0;
        }
        return refs;
    }

    /** A minimal reassembly key: one int. Mutable for lookups; the table stores copies. */
    static final class IntKey implements FragmentKey<IntKey> {
        int id;

        @Override
        public IntKey copy() {
            IntKey k = new IntKey();
            k.id = id;
            return k;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof IntKey && ((IntKey) o).id == id;
        }

        @Override
        public int hashCode() {
            return id * 0x9e3779b9;
        }

        @Override
        public String toString() {
            return "IntKey(" + id + ')';
        }
    }
}
