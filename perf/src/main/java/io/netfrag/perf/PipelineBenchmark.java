package io.netfrag.perf;

import io.netfrag.ReceivePath;
import io.netfrag.esp.EspDecoder;
import io.netfrag.esp.EspEncoder;
import io.netfrag.esp.SaDatabase;
import io.netfrag.esp.SecurityAssociation;
import io.netfrag.esp.XfrmStateParser;
import io.netfrag.ipv4.Ipv4FragmentReassembler;
import io.netfrag.ipv6.Ipv6FragmentReassembler;
import io.netfrag.packet.IpPacketDecoder;
import io.netfrag.reassembly.CoalescePolicy;
import io.netfrag.udp.UdpDeliver;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.concurrent.FastThreadLocalThread;
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
 * The whole receive pipeline on 64 KiB UDP datagrams: the {@link ReceivePath} with {@code policy} ({@code
 * IpPacketDecoder → Ipv6FragmentReassembler → Ipv4FragmentReassembler → EspDecoder → UdpDeliver}, ESP with the same
 * policy) in an {@link EmbeddedChannel}.
 *
 * <p><b>One operation = one UDP datagram</b> of {@value #UDP_PAYLOAD} payload bytes over IPv6 (fc00:1::1 →
 * fc00:2::1, valid UDP checksum, verified by {@code UdpDeliver}). With {@code esp=true} it is ESP-protected in
 * transport mode first (rfc4106(gcm(aes)) 128, SPI 0x1000, replay window 0, {@code engine jca}: IPv6 payload 65,044
 * bytes), then the IPv6 packet is cut into fragments of 1232 data bytes (40 + 8 + 1232 = 1280, the IPv6 minimum MTU):
 * 53 fragments either way (the last carries 980 bytes with ESP, 944 without).
 *
 * <p>Each operation <b>receives</b> every fragment into a new direct buffer of capacity 1280 from the channel's
 * allocator (as a socket read with MTU-sized receive buffers would), fires it with {@code pipeline().fireChannelRead},
 * then reads the {@link DatagramPacket} out and releases it. {@link #receive} measures the receive step alone (the
 * same allocation and copy, then release), so the pipeline's own cost is the difference.
 *
 * <p>The reassemblers get {@code policy}; the ESP decoder is constructed with its defaults (in place, encapsulation
 * port 4500, nesting 4), the UDP handler verifies checksums ({@code udpChecksum=false} turns that off, to show what the
 * checksum costs).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {
        "-Dio.netty.leakDetection.level=disabled",
        "-Djmh.executor=CUSTOM", "-Djmh.executor.class=io.netfrag.perf.FastThreadLocalExecutor",
        "-Xms1g", "-Xmx1g"})
public class PipelineBenchmark {
    /** UDP payload bytes per datagram. */
    public static final int UDP_PAYLOAD = 65_000;
    /** Data bytes per fragment (MTU 1280). */
    public static final int FRAGMENT_DATA = 1232;
    /** Receive buffer capacity. */
    public static final int MTU = 1280;

    /** The fragments of one datagram, as bytes off the wire. */
    @State(Scope.Thread)
    public static class Wire {
        /** Whether the datagram is ESP-protected (transport mode) before fragmentation. */
        @Param({"true", "false"})
        public boolean esp;
        /** Allocator of the channel and the receive buffers: Netty 4.2's default ({@code adaptive}) or pooled. */
        @Param({"adaptive"})
        public String allocator;

        byte[] payload;
        byte[][] fragments;
        ByteBufAllocator alloc;
        SecurityAssociation sa;

        @Setup(Level.Trial)
        public void setUp() {
            if (!FastThreadLocalThread.currentThreadWillCleanupFastThreadLocals()) {
                throw new IllegalStateException("not on a FastThreadLocalThread");
            }
            alloc = PerfPackets.allocator(allocator);
            payload = PerfPackets.random(UDP_PAYLOAD, 7);
            byte[] packet = PerfPackets.ipv6Udp(payload);
            sa = XfrmStateParser.parse(EspBenchmark.SA_LINE + "jca");
            if (esp) {
                ByteBuf e = new EspEncoder(sa).protectTransport(Unpooled.wrappedBuffer(packet),
                        UnpooledByteBufAllocator.DEFAULT);
                packet = PerfPackets.bytes(e);
                e.release();
            }
            fragments = PerfPackets.fragmentIpv6(packet, FRAGMENT_DATA, 0x0b0e_0001);
        }
    }

    /** The channel. */
    @State(Scope.Thread)
    public static class Pipeline {
        /** Coalesce policy of both reassemblers. */
        @Param({"COPY", "ADAPTIVE"})
        public CoalescePolicy policy;
        /** Whether {@code UdpDeliver} verifies the UDP checksum (its default, and RFC 8200's rule, is yes). */
        @Param({"true"})
        public boolean udpChecksum;

        EmbeddedChannel channel;
        ChannelPipeline pipeline;

        @Setup(Level.Trial)
        public void setUp(Wire w) {
            SaDatabase db = new SaDatabase();
            db.add(w.sa);
            channel = ReceivePath.builder().policy(policy).sas(db).verifyUdpChecksum(udpChecksum).build()
                    .newEmbeddedChannel();
            channel.config().setAllocator(w.alloc);
            pipeline = channel.pipeline();
            for (int i = 0; i < 2; i++) {
                DatagramPacket d = deliver(w, this);
                try {
                    PerfPackets.check("delivered UDP payload", w.payload, PerfPackets.bytes(d.content()));
                } finally {
                    d.release();
                }
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            if (channel.finish()) {
                throw new IllegalStateException("messages left in the channel");
            }
        }
    }

    static DatagramPacket deliver(Wire w, Pipeline p) {
        ByteBufAllocator alloc = w.alloc;
        ChannelPipeline pipeline = p.pipeline;
        for (byte[] f : w.fragments) {
            pipeline.fireChannelRead(alloc.directBuffer(MTU, MTU).writeBytes(f));
        }
        DatagramPacket d = p.channel.readInbound();
        if (d == null) {
            throw new IllegalStateException("no datagram delivered");
        }
        return d;
    }

    /** Fragments in, one DatagramPacket out (released). */
    @Benchmark
    public int pipeline(Wire w, Pipeline p) {
        DatagramPacket d = deliver(w, p);
        int n = d.content().readableBytes();
        d.release();
        return n;
    }

    /** Harness: the receive step alone (allocate, copy in, release every fragment buffer). */
    @Benchmark
    public int receive(Wire w) {
        ByteBufAllocator alloc = w.alloc;
        int n = 0;
        for (byte[] f : w.fragments) {
            ByteBuf b = alloc.directBuffer(MTU, MTU).writeBytes(f);
            n += b.readableBytes();
            b.release();
        }
        return n;
    }
}
