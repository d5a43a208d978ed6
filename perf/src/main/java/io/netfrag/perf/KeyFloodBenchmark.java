package io.netfrag.perf;

import io.netfrag.internal.wire.IpProtocols;
import io.netfrag.internal.wire.Ipv4Header;
import io.netfrag.ipv4.Ipv4FragmentReassembler;
import io.netfrag.packet.IcmpErrorSink;
import io.netfrag.packet.IpPacketDecoder;
import io.netfrag.reassembly.CoalescePolicy;
import io.netfrag.reassembly.OverlapPolicy;
import io.netfrag.reassembly.ReassemblyLimits;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.embedded.EmbeddedChannel;
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
 * Complexity attacks on the reassembler's lookups: {@code n} 8-byte IPv4 fragments (offset 8, MF set, each on
 * its own identification, so each makes a queue that never completes) into a fresh
 * {@code IpPacketDecoder → Ipv4FragmentReassembler (COPY, Linux defaults)} pipeline; one invocation = all {@code n}
 * fragments (time per fragment = score / n). The table evicts its oldest queues when it reaches its memory limit, as
 * in any flood; what differs is how the keys are chosen:
 * <ul>
 *   <li>{@code DISTINCT}: one source, consecutive identifications (a new source every 65,536);</li>
 *   <li>{@code COLLIDING}: for each identification the source that gives the key the same Java {@code hashCode} as
 *       every other ({@code Ipv4FragmentKey.hashCode} is linear in the fields): what a sender can do against a table
 *       keyed by {@code hashCode}; {@code ipfrag_max_dist} off, so only the queue lookup is measured;</li>
 *   <li>{@code SPOOFED}: a fresh source per fragment, the sources equal in their low 12 bits (in a map keyed by the
 *       address they would share a few slots), {@code ipfrag_max_dist} 64, so the per-source state is exercised.</li>
 * </ul>
 * Flat per-fragment cost in {@code n}, whichever keys, is the property; the harness (a heap buffer per fragment, fired
 * with {@code pipeline().fireChannelRead}) is part of every number.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2)
@Measurement(iterations = 5)
@Fork(value = 1, jvmArgsAppend = {"-Dio.netty.leakDetection.level=disabled", "-Xms1g", "-Xmx1g"})
@State(Scope.Thread)
public class KeyFloodBenchmark {

    /** Fragments per invocation. */
    @Param({"5000", "20000", "60000"})
    public int n;

    /** How the attack keys are chosen: DISTINCT, COLLIDING or SPOOFED. */
    @Param({"DISTINCT", "COLLIDING", "SPOOFED"})
    public String keys;

    private byte[][] fragments;
    private EmbeddedChannel channel;
    private ChannelPipeline pipeline;

    @Setup(Level.Trial)
    public void build() {
        fragments = new byte[n][];
        int inverse = (int) FloodBenchmark.inverse(31 * 31);
        for (int i = 0; i < n; i++) {
            int id = i & 0xffff;
            int source = switch (keys) {
                case "DISTINCT" -> 0x0b00_0001 + (i >>> 16);
                // Ipv4FragmentKey.hashCode = source·31^4 + destination·31^3 + id·31^2 + protocol·31 + ingress
                case "COLLIDING" -> 0x0b00_0001 - id * inverse;
                // 11.0.0.1, 11.0.16.1, ...: every source equal in its low 12 bits
                case "SPOOFED" -> ((11 + (i >>> 12)) << 24) | ((i & 0xfff) << 12) | 1;
                default -> throw new IllegalArgumentException("keys: DISTINCT, COLLIDING or SPOOFED: " + keys);
            };
            ByteBuf b = Unpooled.buffer(28);
            b.writeByte(0x45).writeByte(0).writeShort(28).writeShort(id).writeShort(Ipv4Header.FLAG_MF | 1)
                    .writeByte(64).writeByte(IpProtocols.UDP).writeShort(0).writeInt(source).writeInt(0x0a00_0002)
                    .writeLong(i);
            Ipv4Header.updateChecksum(b, 0, Ipv4Header.MIN_LENGTH);
            fragments[i] = PerfPackets.bytes(b);
        }
    }

    @Setup(Level.Invocation)
    public void pipeline() {
        // every fragment gets a queue (the tiny-fragment rule off): the lookup is measured with every queue the
        // memory limit lets the table hold, and every spoofed source is tracked
        channel = new EmbeddedChannel(new IpPacketDecoder(), new Ipv4FragmentReassembler(CoalescePolicy.COPY,
                ReassemblyLimits.defaults(Ipv4FragmentReassembler.DEFAULT_TIMEOUT).withMinFragmentUnderPressure(0),
                IcmpErrorSink.DISCARD,
                OverlapPolicy.DROP, keys.equals("COLLIDING") ? 0 : Ipv4FragmentReassembler.DEFAULT_MAX_DIST));
        pipeline = channel.pipeline();
    }

    @TearDown(Level.Invocation)
    public void close() {
        channel.finishAndReleaseAll();
    }

    /** All {@code n} fragments through the pipeline. */
    @Benchmark
    public int flood() {
        ByteBufAllocator alloc = ByteBufAllocator.DEFAULT;
        for (byte[] f : fragments) {
            pipeline.fireChannelRead(alloc.heapBuffer(f.length).writeBytes(f));
        }
        return fragments.length;
    }
}
