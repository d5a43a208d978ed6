package io.netfrag.perf;

import io.netfrag.internal.wire.UdpHeader;
import io.netfrag.ipv4.Ipv4FragmentReassembler;
import io.netfrag.packet.IcmpErrorSink;
import io.netfrag.packet.IpPacket;
import io.netfrag.packet.IpPacketDecoder;
import io.netfrag.reassembly.CoalescePolicy;
import io.netfrag.reassembly.OverlapPolicy;
import io.netfrag.reassembly.ReassemblyLimits;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.concurrent.FastThreadLocalThread;
import java.util.ArrayList;
import java.util.List;
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
import org.pcap4j.packet.IllegalRawDataException;
import org.pcap4j.packet.IpV4Packet;
import org.pcap4j.util.IpV4Helper;

/**
 * IPv4 reassembly through netfrag's handler against pcap4j's {@link IpV4Helper#defragment(List)} on the same
 * fragments.
 *
 * <p><b>One operation = one datagram</b>: a UDP datagram with a {@value #UDP_PAYLOAD}-byte payload over IPv4
 * (20-byte header, no options): IP payload 65,008 bytes, total length 65,028 (the IPv4 maximum is 65,535), cut into
 * fragments of at most 1500 bytes (20-byte header + 1480 data bytes) → 44 fragments, the last one carrying 1368 bytes.
 * Orders {@code inorder} and {@code shuffled} (the same Fisher-Yates permutation as {@link ReassemblyBenchmark}).
 *
 * <p>{@link #netfrag}: the fragments are pooled direct buffers of capacity 1500 built once per trial; each operation
 * retains each one, resets its indices and fires it into {@code IpPacketDecoder → Ipv4FragmentReassembler(policy,
 * defaults(30 s), DISCARD, DROP, maxDist 0)} in an {@link EmbeddedChannel} ({@code pipeline().fireChannelRead}, as an
 * event loop's read does; no {@code writeInbound} task running per message), then reads the reassembled
 * {@link IpPacket} out of the channel and releases it. netfrag parses every fragment from bytes (header validation,
 * checksum) on the way.
 *
 * <p>{@link #pcap4jParsed}: pcap4j 1.8.2 with its packets already parsed ({@code IpV4Packet.newPacket} once per
 * trial, as a peer that received parsed packets would have them): each operation puts them into a new list in arrival
 * order (defragment sorts its argument in place) and calls {@code defragment}. {@link #pcap4jFromBytes}: the same,
 * parsing every fragment from its {@code byte[]} first, as netfrag does. pcap4j-core cannot parse an IPv4 header
 * without a packet factory binding ({@code IllegalArgumentException: targetClass: IpV4Tos}), so
 * {@code pcap4j-packetfactory-static} 1.8.2 is on the class path: a fragment's payload is a
 * {@code FragmentedPacket}, the reassembled payload is parsed into a {@code UdpPacket} by {@code defragment}.
 *
 * <p>Both results are checked once per trial against the original datagram (pcap4j's {@code getRawData()} of the
 * result, header included, must equal it byte for byte).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {
        "-Dio.netty.leakDetection.level=disabled",
        "-Djmh.executor=CUSTOM", "-Djmh.executor.class=io.netfrag.perf.FastThreadLocalExecutor",
        "-Xms1g", "-Xmx1g"})
public class Ipv4ReassemblyBenchmark {
    /** UDP payload bytes per datagram. */
    public static final int UDP_PAYLOAD = 65_000;
    /** IP payload (fragmentable part) per datagram: UDP header + payload. */
    public static final int IP_PAYLOAD = UdpHeader.LENGTH + UDP_PAYLOAD;
    /** Largest fragment packet (link MTU). */
    public static final int MTU = 1500;

    /** One datagram's fragments: bytes, and pcap4j packets parsed from them. */
    @State(Scope.Thread)
    public static class Datagram {
        /** Arrival order. */
        @Param({"inorder", "shuffled"})
        public String order;

        byte[] packet;
        byte[][] fragmentBytes;
        int[] permutation;
        IpV4Packet[] parsed;

        @Setup(Level.Trial)
        public void setUp() throws IllegalRawDataException {
            packet = PerfPackets.ipv4Udp(PerfPackets.random(UDP_PAYLOAD, 4), 0x4d2);
            fragmentBytes = PerfPackets.fragmentIpv4(packet, MTU);
            int n = fragmentBytes.length;
            permutation = ReassemblyBenchmark.permutation(order, n);
            parsed = new IpV4Packet[n];
            for (int i = 0; i < n; i++) {
                parsed[i] = IpV4Packet.newPacket(fragmentBytes[i], 0, fragmentBytes[i].length);
            }
            IpV4Packet r = defragment(this, false);
            PerfPackets.check("pcap4j IPv4 defragment", packet, r.getRawData());
        }
    }

    /** netfrag's channel and the fragments as pooled direct buffers. */
    @State(Scope.Thread)
    public static class Handler {
        /** netfrag's coalesce policy. */
        @Param({"COPY"})
        public CoalescePolicy policy;
        /** Allocator of the channel and the fragment buffers: Netty 4.2's default ({@code adaptive}) or pooled. */
        @Param({"adaptive", "pooled"})
        public String allocator;

        ByteBuf[] fragments;
        EmbeddedChannel channel;
        ChannelPipeline pipeline;

        @Setup(Level.Trial)
        public void setUp(Datagram d) {
            if (!FastThreadLocalThread.currentThreadWillCleanupFastThreadLocals()) {
                throw new IllegalStateException("not on a FastThreadLocalThread");
            }
            ByteBufAllocator alloc = PerfPackets.allocator(allocator);
            int n = d.fragmentBytes.length;
            fragments = new ByteBuf[n];
            for (int i = 0; i < n; i++) {
                fragments[i] = alloc.directBuffer(MTU, MTU).writeBytes(d.fragmentBytes[i]);
            }
            channel = new EmbeddedChannel(new IpPacketDecoder(), new Ipv4FragmentReassembler(policy,
                    ReassemblyLimits.defaults(Ipv4FragmentReassembler.DEFAULT_TIMEOUT), IcmpErrorSink.DISCARD,
                    OverlapPolicy.DROP, 0));
            channel.config().setAllocator(alloc);
            pipeline = channel.pipeline();
            IpPacket p = reassemble(d, this);
            try {
                PerfPackets.check("netfrag IPv4 reassembly", d.packet, PerfPackets.bytes(p.content()));
            } finally {
                p.release();
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            if (channel.finish()) {
                throw new IllegalStateException("messages left in the channel");
            }
            for (ByteBuf b : fragments) {
                if (b.refCnt() != 1) {
                    throw new IllegalStateException("fragment refCnt " + b.refCnt() + ", expected 1");
                }
                b.release();
            }
        }
    }

    static IpPacket reassemble(Datagram d, Handler h) {
        ByteBuf[] frags = h.fragments;
        byte[][] bytes = d.fragmentBytes;
        ChannelPipeline pipeline = h.pipeline;
        for (int k : d.permutation) {
            ByteBuf b = frags[k];
            b.retain();
            b.setIndex(0, bytes[k].length);
            pipeline.fireChannelRead(b);
        }
        IpPacket p = h.channel.readInbound();
        if (p == null) {
            throw new IllegalStateException("no datagram reassembled");
        }
        return p;
    }

    static IpV4Packet defragment(Datagram d, boolean parse) throws IllegalRawDataException {
        int[] perm = d.permutation;
        List<IpV4Packet> list = new ArrayList<>(perm.length);
        if (parse) {
            byte[][] bytes = d.fragmentBytes;
            for (int k : perm) {
                list.add(IpV4Packet.newPacket(bytes[k], 0, bytes[k].length));
            }
        } else {
            IpV4Packet[] parsed = d.parsed;
            for (int k : perm) {
                list.add(parsed[k]);
            }
        }
        return IpV4Helper.defragment(list);
    }

    /** netfrag: IpPacketDecoder → Ipv4FragmentReassembler in an EmbeddedChannel; the datagram is released. */
    @Benchmark
    public int netfrag(Datagram d, Handler h) {
        IpPacket p = reassemble(d, h);
        int n = p.content().readableBytes();
        p.release();
        return n;
    }

    /** pcap4j 1.8.2 {@code IpV4Helper.defragment} on fragments parsed once per trial. */
    @Benchmark
    public IpV4Packet pcap4jParsed(Datagram d) throws IllegalRawDataException {
        return defragment(d, false);
    }

    /** pcap4j 1.8.2: {@code IpV4Packet.newPacket} for every fragment, then {@code defragment}. */
    @Benchmark
    public IpV4Packet pcap4jFromBytes(Datagram d) throws IllegalRawDataException {
        return defragment(d, true);
    }
}
