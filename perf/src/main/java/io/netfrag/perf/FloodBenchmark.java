package io.netfrag.perf;

import io.netfrag.internal.reassembly.AbstractReassembler;
import io.netfrag.internal.reassembly.Fragment;
import io.netfrag.internal.reassembly.InsertResult;
import io.netfrag.internal.reassembly.ReassemblyProtocol;
import io.netfrag.internal.reassembly.ReassemblyTable;
import io.netfrag.internal.wire.IpProtocols;
import io.netfrag.internal.wire.Ipv4Header;
import io.netfrag.internal.wire.Ipv6FragmentHeader;
import io.netfrag.internal.wire.Ipv6Header;
import io.netfrag.ipv4.Ipv4FragmentReassembler;
import io.netfrag.ipv6.Ipv6FragmentReassembler;
import io.netfrag.packet.IcmpErrorSink;
import io.netfrag.packet.IpPacketDecoder;
import io.netfrag.reassembly.CoalescePolicy;
import io.netfrag.reassembly.ReassemblyLimits;
import io.netfrag.stats.Counters;
import io.netfrag.stats.DropReason;
import io.netfrag.udp.UdpDeliver;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.concurrent.FastThreadLocalThread;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What a FragmentSmack-style flood (CVE-2018-5391: tiny fragments at random offsets) costs the legitimate traffic and
 * the reassembler. Two measurements.
 *
 * <p><b>(a) {@link #goodput}: legitimate goodput under attack.</b> {@code IpPacketDecoder → Ipv6FragmentReassembler
 * (policy, default limits: high 4 MiB, low 3 MiB) → UdpDeliver (checksum verified)} in an {@link EmbeddedChannel} on
 * real time (ADAPTIVE's 1 ms hold and the 60 s timeout run on the wall clock). <b>One operation = one legitimate
 * datagram</b>: a 65,000-byte UDP payload over IPv6 (fc00:1::1 → fc00:2::1) in 53 fragments of 1232 data bytes (MTU
 * 1280), each received into a new 1280-byte direct buffer from the channel's allocator (Netty 4.2's default, adaptive)
 * and fired into the pipeline; after every legitimate fragment, {@code k} attack fragments on average (a fractional
 * {@code k} is spread evenly: 0.25 = one after every fourth) are received the same way (a 1280-byte receive buffer,
 * as a socket would use); the delivered {@link DatagramPacket} is read and released, and an operation that delivers
 * nothing fails the run. So an operation always contains the whole cost of receiving and dropping its attack packets.
 *
 * <p><b>Attack</b>: tiny fragments, 8 data bytes (one in eight 16 bytes, so some straddle two runs and discard their
 * datagram, RFC 5722), M set, random 8-byte-aligned offsets over the whole 64 KB range (a fixed pool of 4,096 offsets
 * from a fixed seed), in bursts of {@value #BURST} per identification ({@code burst}), the bursts alternating between the legitimate
 * flow's own source and another host (fc00:66::1), to the legitimate destination. A fresh identification per burst
 * (never the legitimate one). Attack packets are 56 or 64 bytes on the IP layer, 57 B on average; a legitimate
 * fragment is 1280 B. <b>Rate</b>: k attack packets per legitimate packet = k × the legitimate packet rate, and
 * k × 57 / 1280 ≈ 4.5 % × k of the legitimate bit rate; the absolute rates follow from the measured time per
 * operation (53 legitimate packets and 53·k attack packets per operation).
 *
 * <p><b>Control</b> ({@code extra = BENIGN}): the same number of extra packets of the same sizes, but ordinary
 * unfragmented UDP datagrams (8 or 16 payload bytes, valid checksums) that pass the reassembler and are delivered to
 * the application, which reads and releases them. On a CPU-bound receiver every packet costs something; the control
 * tells how much of the attack's effect is the price of receiving a packet at all, and so whether a fragment flood
 * costs more than a flood of ordinary small datagrams at the same rate (FragmentSmack's amplification) or not.
 *
 * <p><b>The reassembler's defence</b>: with default limits, once the attack's queues have filled the table past the low
 * threshold (3 MiB, a few thousand attack identifications, in the first milliseconds of the run) an attack fragment
 * that would start a new datagram is refused on arrival ({@code ReassemblyLimits.minFragmentUnderPressure()}, 256
 * bytes); fragments of the attack's live queues are still taken. {@code floor} = 0 turns that off (every attack
 * identification then gets a queue, and the oldest queues are evicted), {@code attackBytes} = 256 sends fragments
 * the rule lets through.
 *
 * <p><b>(b) {@link #insert}: cost of one more tiny fragment vs the fragments one queue already holds.</b> The core
 * ({@link ReassemblyTable}, default limits, {@code policy}) directly, as in {@link ReassemblyBenchmark}. Before each
 * invocation (not measured) one queue is built with {@code held} 8-byte fragments at distinct random blocks of the
 * 64 KB range (blocks 1 to 8190, random order; no first or last fragment, so it never completes); then the invocation
 * inserts {@value #BATCH} more 8-byte fragments at random offsets, half on free blocks (new data, queued) and half on
 * blocks already received (overlapping data, which the core classifies as duplicates, as Linux does for a fragment
 * inside one run), in random order. <b>One operation = one insert</b> ({@code @OperationsPerInvocation}). Fragments
 * are pre-built pooled direct buffers (IPv6 header + Fragment header + 8 bytes, 56 B), retained and re-indexed per
 * insert as in {@link ReassemblyBenchmark} (≈ 10 ns of harness per insert); the core takes the offset as an argument,
 * so the prefill uses one shared buffer (retained per insert) and the measured inserts the same {@value #BATCH}
 * buffers in every invocation: the buffers' cache footprint does not depend on {@code held}, the queue's own state
 * does. {@code held} = 8000 is nearly a full 64 KB datagram of 8-byte fragments (8,190 blocks; {@value #BATCH}/2 free
 * ones must remain). A fragment that straddles two runs discards the whole queue (RFC 5722) and so cannot be part of
 * a steady-state measurement at a given queue size. {@code -prof gc}'s B/op here includes the invocation setup
 * (the prefill), divided by {@value #BATCH}.
 *
 * <p><b>JVM</b>: leak detection off, Netty {@code FastThreadLocalThread} workers ({@link FastThreadLocalExecutor}), a
 * 64 MiB young generation: with the default (a large eden, each page touched once per GC cycle) on a machine that
 * reclaims idle pages (this one runs DAMON), 7–8 % of the CPU samples were page faults on freshly reused eden pages,
 * and the forks' results scattered by ±10 %; a small eden stays resident (0.1 % page faults). Forks still differ by a
 * few per cent (JIT decisions), and the machine drifts over minutes: {@code perf/flood-paired.sh} measures each
 * attack cell right after its own no-attack cell, pair by pair.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {
        "-Dio.netty.leakDetection.level=disabled",
        "-Djmh.executor=CUSTOM", "-Djmh.executor.class=io.netfrag.perf.FastThreadLocalExecutor",
        "-Xms1g", "-Xmx1g", "-Xmn64m"})
public class FloodBenchmark {
    /** UDP payload bytes per legitimate datagram. */
    public static final int UDP_PAYLOAD = 65_000;
    /** Data bytes per legitimate fragment (MTU 1280). */
    public static final int FRAGMENT_DATA = 1232;
    /** Fragments per legitimate datagram (UDP header + payload in pieces of {@link #FRAGMENT_DATA}): 53. */
    public static final int LEGIT_FRAGMENTS = (8 + UDP_PAYLOAD + FRAGMENT_DATA - 1) / FRAGMENT_DATA;
    /** IPv4 ({@code family = 4}): data bytes per legitimate fragment (MTU 1500) and fragments per datagram (44). */
    public static final int FRAGMENT_DATA_V4 = 1480;
    public static final int LEGIT_FRAGMENTS_V4 = (8 + UDP_PAYLOAD + FRAGMENT_DATA_V4 - 1) / FRAGMENT_DATA_V4;
    /** IPv4 receive buffer capacity (MTU 1500). */
    public static final int MTU_V4 = 1500;
    /** Receive buffer capacity. */
    public static final int MTU = 1280;
    /** Attack fragments per attack identification (the default of {@code burst}). */
    public static final int BURST = 32;
    /** Inserts measured per invocation in {@link #insert}. */
    public static final int BATCH = 256;
    /** Legitimate identification; attack identifications start far from it. */
    static final int LEGIT_ID = 0x0b0e_0001;
    static final int ATTACK_ID_BASE = 0x4000_0000;
    static final int LEGIT_ID_V4 = 0x0b0e;
    static final int ATTACK_ID_BASE_V4 = 0x4000;
    /** Data starts after the IPv6 header and the Fragment header. */
    static final int DATA_INDEX = Ipv6Header.LENGTH + Ipv6FragmentHeader.LENGTH;
    /** COLLIDE: the inverses of 31^3 mod 2^64 and of 31^2 mod 2^32, and the sources they are subtracted from. */
    static final long INVERSE_31_CUBED_64 = inverse(31L * 31 * 31);
    static final int INVERSE_31_SQUARED_32 = (int) inverse(31 * 31);
    static final long COLLIDING_V6_SOURCE_LOW = 0x0066_0000_0000_0001L;
    static final int COLLIDING_V4_SOURCE = 0x0b00_0001;

    /** The multiplicative inverse of an odd number modulo 2^64 (Newton's iteration; also right modulo 2^32). */
    static long inverse(long a) {
        long x = a;
        for (int i = 0; i < 6; i++) {
            x *= 2 - a * x;
        }
        if (a * x != 1) {
            throw new AssertionError(a);
        }
        return x;
    }

    /** Blocks a tiny fragment may start at in {@link #insert}: 1..8190 (offset 8 to 65,520). */
    static final int BLOCKS = 8190;

    private static void requireFastThreadLocalThread() {
        if (!FastThreadLocalThread.currentThreadWillCleanupFastThreadLocals()) {
            throw new IllegalStateException("not on a FastThreadLocalThread: run with -Djmh.executor=CUSTOM"
                    + " -Djmh.executor.class=" + FastThreadLocalExecutor.class.getName());
        }
    }

    /** IPv4 tiny fragment (20-byte header + data of {@code length}, MF set) from the given source. */
    static byte[] tinyFragment4(int source, int offset, int length, SplittableRandom r) {
        byte[] f = new byte[Ipv4Header.MIN_LENGTH + length];
        ByteBuf b = Unpooled.wrappedBuffer(f).writerIndex(0);
        b.writeByte(0x45).writeByte(0).writeShort(f.length).writeShort(0)
                .writeShort(Ipv4Header.FLAG_MF | (offset >>> 3)).writeByte(64).writeByte(IpProtocols.UDP).writeShort(0)
                .writeInt(source).writeInt(PerfPackets.V4_DESTINATION);
        byte[] junk = new byte[length];
        r.nextBytes(junk);
        b.writeBytes(junk);
        return f;
    }

    /** IPv6 tiny fragment (header + Fragment header + data of {@code length}) from the given source. */
    static byte[] tinyFragment(long sourceHigh, long sourceLow, int offset, int length, int id, SplittableRandom r) {
        byte[] f = new byte[DATA_INDEX + length];
        ByteBuf b = Unpooled.wrappedBuffer(f).writerIndex(0);
        b.writeInt(6 << 28).writeShort(Ipv6FragmentHeader.LENGTH + length).writeByte(IpProtocols.FRAGMENT)
                .writeByte(64).writeLong(sourceHigh).writeLong(sourceLow)
                .writeLong(PerfPackets.V6_DESTINATION_HIGH).writeLong(PerfPackets.V6_DESTINATION_LOW);
        b.writeZero(Ipv6FragmentHeader.LENGTH);
        Ipv6FragmentHeader.write(b, Ipv6Header.LENGTH, IpProtocols.UDP, offset, true, id);
        byte[] junk = new byte[length];
        r.nextBytes(junk);
        b.writeBytes(junk);
        return f;
    }

    // ---- (a) goodput ---------------------------------------------------------------------------------------------

    /** The legitimate stream, the attack pool and the pipeline. */
    @State(Scope.Thread)
    public static class Flood {
        /** Coalesce policy of the reassembler. */
        @Param({"ADAPTIVE", "COPY"})
        public CoalescePolicy policy;
        /** Extra packets per legitimate fragment (on average). */
        @Param({"0", "0.1", "0.25", "0.5", "1", "4"})
        public double k;
        /**
         * What the extra packets are: {@code SMACK}, the FragmentSmack attack fragments; {@code COLLIDE}, the same
         * fragments with each burst's (source, identification) chosen so that every attack key has the same Java
         * {@code hashCode} (a table keyed by {@code hashCode} would walk all of them on every lookup; the keyed hash
         * makes them as cheap as {@code SMACK}'s); {@code SPOOF}, the same fragments with a fresh spoofed source per
         * burst (IPv4: per-source {@code ipfrag_max_dist} state). Over IPv4 some of COLLIDE's computed sources are
         * multicast, class E, 0/8 or 127/8 addresses, which the decoder drops (6.2 % of the attack packets in a
         * measured run: extra packets sent minus attack fragments that reached the reassembler). {@code BENIGN}, the
         * control: ordinary unfragmented UDP datagrams of the same sizes (8 or 16 payload bytes, 56 or 64 B on the IP
         * layer) to the legitimate destination, delivered to the application, which reads and releases them.
         */
        @Param({"SMACK", "BENIGN"})
        public String extra;
        /**
         * IP version: 6 (the default matrix), or 4: the same experiment over IPv4 (65,000-byte UDP payload in 44
         * fragments of 1480 B, MTU 1500, 1500-byte receive buffers; attack fragments of 28 or 36 B with 16-bit
         * identifications; {@code Ipv4FragmentReassembler} with Linux's defaults, {@code ipfrag_max_dist} 64 included).
         */
        @Param({"6"})
        public int family;
        /**
         * Attack fragments per identification: {@value #BURST}; 1 is a flood of fresh identifications, every attack
         * fragment a new queue (and, at the memory limit, an eviction).
         */
        @Param({"32"})
        public int burst;
        /**
         * Data bytes of an attack fragment: 8 (the default) is FragmentSmack's mix, 8 bytes with one in eight 16; any
         * other value (a multiple of 8) makes every attack fragment that long, e.g. 256 to sit exactly at the
         * reassembler's {@code minFragmentUnderPressure} default, which such fragments pass.
         */
        @Param({"8"})
        public int attackBytes;
        /**
         * The reassembler's {@code ReassemblyLimits.minFragmentUnderPressure()}: -1 (the default) keeps the library's
         * default; 0 turns the rule off (every attack fragment may start a queue, evicting the oldest once memory is
         * full).
         */
        @Param({"-1"})
        public int floor;
        int mtu;

        byte[] payload;
        byte[][] legit;
        /** Attack fragments, [source][i]: source 0 the legitimate flow's, 1 another host. */
        byte[][][] attack;
        /** The control's UDP datagrams (8 or 16 payload bytes, in the same proportion as the attack's lengths). */
        byte[][] benign;
        boolean smack;
        /** 0: SMACK's two sources; 1: COLLIDE; 2: SPOOF. */
        int sourceMode;
        long spoofed;
        long benignDelivered;
        ByteBufAllocator alloc;
        EmbeddedChannel channel;
        ChannelPipeline pipeline;
        AbstractReassembler<?> reassembler;
        double credit;
        int attackIndex;
        int burstLeft;
        int attackId;
        int source;
        long attackSent;
        long operations;

        @Setup(Level.Trial)
        public void setUp() {
            requireFastThreadLocalThread();
            alloc = PerfPackets.allocator("adaptive");
            payload = PerfPackets.random(UDP_PAYLOAD, 7);
            if (family != 6 && family != 4) {
                throw new IllegalArgumentException("family must be 6 or 4: " + family);
            }
            mtu = family == 6 ? MTU : MTU_V4;
            attackId = family == 6 ? ATTACK_ID_BASE : ATTACK_ID_BASE_V4;
            legit = family == 6 ? PerfPackets.fragmentIpv6(PerfPackets.ipv6Udp(payload), FRAGMENT_DATA, LEGIT_ID)
                    : PerfPackets.fragmentIpv4(PerfPackets.ipv4Udp(payload, LEGIT_ID_V4), MTU_V4);
            SplittableRandom r = new SplittableRandom(0xf100dL);
            if (attackBytes < 8 || attackBytes % 8 != 0 || attackBytes > FRAGMENT_DATA) {
                throw new IllegalArgumentException("attackBytes must be a multiple of 8 in [8, " + FRAGMENT_DATA
                        + "]: " + attackBytes);
            }
            int maxBlock = (UDP_PAYLOAD + 8 - Math.max(16, attackBytes)) / 8;
            attack = new byte[2][4096][];
            for (int s = 0; s < 2; s++) {
                for (int i = 0; i < attack[s].length; i++) {
                    int length = attackBytes != 8 ? attackBytes : r.nextInt(8) == 0 ? 16 : 8;
                    int offset = 8 * r.nextInt(maxBlock + 1);
                    attack[s][i] = family == 6
                            ? tinyFragment(s == 0 ? PerfPackets.V6_SOURCE_HIGH : 0xfc00_0066_0000_0000L,
                                    s == 0 ? PerfPackets.V6_SOURCE_LOW : 1, offset, length, 0, r)
                            : tinyFragment4(s == 0 ? PerfPackets.V4_SOURCE : PerfPackets.V4_SOURCE + 0x100, offset,
                                    length, r);
                }
            }
            smack = switch (extra) {
                case "SMACK", "COLLIDE", "SPOOF" -> true;
                case "BENIGN" -> false;
                default -> throw new IllegalArgumentException("extra must be SMACK, COLLIDE, SPOOF or BENIGN: " + extra);
            };
            sourceMode = switch (extra) {
                case "COLLIDE" -> 1;
                case "SPOOF" -> 2;
                default -> 0;
            };
            benign = new byte[256][];
            for (int i = 0; i < benign.length; i++) {
                byte[] small = PerfPackets.random(r.nextInt(8) == 0 ? 16 : 8, i);
                benign[i] = family == 6 ? PerfPackets.ipv6Udp(small) : PerfPackets.ipv4Udp(small, i);
            }
            if (floor < 0) {
                reassembler = family == 6 ? new Ipv6FragmentReassembler(policy) : new Ipv4FragmentReassembler(policy);
            } else if (family == 6) {
                reassembler = new Ipv6FragmentReassembler(policy, ReassemblyLimits.defaults(
                        Ipv6FragmentReassembler.DEFAULT_TIMEOUT).withMinFragmentUnderPressure(floor),
                        IcmpErrorSink.FIRE_USER_EVENT);
            } else {
                reassembler = new Ipv4FragmentReassembler(policy, ReassemblyLimits.defaults(
                        Ipv4FragmentReassembler.DEFAULT_TIMEOUT).withMinFragmentUnderPressure(floor),
                        IcmpErrorSink.FIRE_USER_EVENT);
            }
            channel = new EmbeddedChannel(new IpPacketDecoder(), reassembler, new UdpDeliver(true));
            channel.config().setAllocator(alloc);
            pipeline = channel.pipeline();
            for (int i = 0; i < 2; i++) {
                DatagramPacket d = deliver(this);
                try {
                    PerfPackets.check("delivered UDP payload", payload, PerfPackets.bytes(d.content()));
                } finally {
                    d.release();
                }
            }
        }

        void extraPacket() {
            if (smack) {
                attackFragment();
            } else {
                byte[] f = benign[attackIndex++ & (benign.length - 1)];
                pipeline.fireChannelRead(alloc.directBuffer(mtu, mtu).writeBytes(f));
                attackSent++;
            }
        }

        void attackFragment() {
            if (burstLeft == 0) {
                burstLeft = burst;
                attackId++;
                if (family == 4 && (attackId & 0xffff) == 0) {
                    attackId += ATTACK_ID_BASE_V4; // 16-bit identifications: stay in 0x4000..0xffff
                }
                source ^= 1;
                spoofed++;
            }
            burstLeft--;
            byte[][] pool = attack[source];
            byte[] f = pool[attackIndex++ & (pool.length - 1)];
            ByteBuf b = alloc.directBuffer(mtu, mtu).writeBytes(f);
            if (family == 6) {
                b.setInt(Ipv6Header.LENGTH + Ipv6FragmentHeader.IDENTIFICATION_OFFSET, attackId);
                if (sourceMode == 1) {
                    // Ipv6FragmentKey.hashCode: h = ... + sourceLow·31^4 + ... + id·31 (mod 2^64): cancel the id
                    b.setLong(8 + 8, COLLIDING_V6_SOURCE_LOW - attackId * INVERSE_31_CUBED_64);
                } else if (sourceMode == 2) {
                    b.setLong(8 + 8, spoofed);
                }
            } else {
                b.setShort(4, attackId); // identification
                if (sourceMode == 1) {
                    // Ipv4FragmentKey.hashCode: h = source·31^4 + ... + id·31^2 + ... (mod 2^32): cancel the id
                    b.setInt(12, COLLIDING_V4_SOURCE - (attackId & 0xffff) * INVERSE_31_SQUARED_32);
                } else if (sourceMode == 2) {
                    b.setInt(12, (int) ((11 + (spoofed >>> 16) % 100) << 24 | (spoofed & 0xffff) << 8 | 1));
                }
                Ipv4Header.updateChecksum(b, 0, Ipv4Header.MIN_LENGTH);
            }
            pipeline.fireChannelRead(b);
            attackSent++;
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            for (DatagramPacket d = channel.readInbound(); d != null; d = channel.readInbound()) {
                benignDelivered++;
                d.release();
            }
            if (!smack && benignDelivered != attackSent) {
                throw new IllegalStateException("control datagrams sent " + attackSent + ", delivered "
                        + benignDelivered);
            }
            System.out.printf("%n[flood] IPv%d policy %s k %s %s: %d datagrams, %d extra packets (%d delivered), peak"
                    + " pinned %d B (high %d), queues now %d, %s%n", family, policy, k, extra, operations, attackSent,
                    benignDelivered,
                    reassembler.peakPinnedBytes(), ReassemblyLimits.DEFAULT_HIGH_THRESHOLD_BYTES,
                    reassembler.queueCount(), reassembler.stats());
            if (channel.finishAndReleaseAll()) {
                throw new IllegalStateException("messages left in the channel");
            }
        }
    }

    static DatagramPacket deliver(Flood f) {
        ByteBufAllocator alloc = f.alloc;
        ChannelPipeline pipeline = f.pipeline;
        double k = f.k;
        for (byte[] fragment : f.legit) {
            pipeline.fireChannelRead(alloc.directBuffer(f.mtu, f.mtu).writeBytes(fragment));
            f.credit += k;
            while (f.credit >= 1) {
                f.credit -= 1;
                f.extraPacket();
            }
        }
        // the application reads everything delivered: the control's small datagrams are released (those after the
        // legitimate datagram's last fragment at the next operation), the legitimate one is returned
        DatagramPacket d;
        for (;;) {
            d = f.channel.readInbound();
            if (d == null) {
                throw new IllegalStateException("legitimate datagram not delivered: " + f.reassembler.stats());
            }
            if (d.content().readableBytes() == UDP_PAYLOAD) {
                break;
            }
            f.benignDelivered++;
            d.release();
        }
        f.operations++;
        return d;
    }

    /** (a) One legitimate 64 KB datagram with its share of attack fragments in, one DatagramPacket out (released). */
    @Benchmark
    public int goodput(Flood f) {
        DatagramPacket d = deliver(f);
        int n = d.content().readableBytes();
        d.release();
        return n;
    }

    // ---- (b) per-insert cost vs queue size ------------------------------------------------------------------------

    /** One queue holding {@code held} tiny fragments, rebuilt before every invocation. */
    @State(Scope.Thread)
    public static class Held {
        /** Coalesce policy of the table. */
        @Param({"ADAPTIVE", "COPY", "NONE"})
        public CoalescePolicy policy;
        /** Tiny fragments the queue holds before the measured inserts. */
        @Param({"16", "256", "2048", "8000"})
        public int held;

        final ByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;
        final Counters counters = new Counters();
        final ReassemblyBenchmark.IntKey key = new ReassemblyBenchmark.IntKey();
        ReassemblyTable<ReassemblyBenchmark.IntKey> table;
        final Fragment fragment = new Fragment();
        /**
         * The buffer every prefill insert uses (retained per insert; the core takes the offset as an argument, so one
         * buffer can stand for every held fragment and the prefill leaves no held-dependent trail in the caches).
         */
        ByteBuf prefill;
        /** One buffer per measured insert of an invocation, the same in every invocation. */
        ByteBuf[] extra;
        int packetLength;
        final int[] blocks = new int[BLOCKS];
        final int[] batch = new int[BATCH];
        SplittableRandom random;
        long nowNanos;
        long duplicates;
        long queued;

        @Setup(Level.Trial)
        public void setUp() {
            requireFastThreadLocalThread();
            if (held + BATCH / 2 > BLOCKS || held < 1) {
                throw new IllegalArgumentException("held must be in [1, " + (BLOCKS - BATCH / 2) + "]: " + held);
            }
            table = new ReassemblyTable<>(policy, ReassemblyLimits.defaults(Duration.ofSeconds(60)),
                    Ipv6Header.MAX_PAYLOAD_LENGTH, counters, ReassemblyProtocol.<ReassemblyBenchmark.IntKey>plain(q -> {
                        throw new IllegalStateException("queue expired in a benchmark: " + q);
                    }));
            SplittableRandom r = new SplittableRandom(0xb10cL);
            byte[] f = tinyFragment(PerfPackets.V6_SOURCE_HIGH, PerfPackets.V6_SOURCE_LOW, 8, 8, 1, r);
            packetLength = f.length;
            prefill = alloc.directBuffer(f.length, f.length).writeBytes(f);
            extra = new ByteBuf[BATCH];
            for (int i = 0; i < BATCH; i++) {
                extra[i] = alloc.directBuffer(f.length, f.length).writeBytes(f);
            }
            for (int i = 0; i < BLOCKS; i++) {
                blocks[i] = i + 1;
            }
            random = new SplittableRandom(0x5eedL);
        }

        /** A new queue with {@code held} fragments at random distinct blocks, and the next batch. */
        @Setup(Level.Invocation)
        public void fill() {
            table.releaseAll();
            key.id++;
            // partial Fisher-Yates: blocks[0 .. held) are the held ones, in random (arrival) order
            for (int i = 0; i < held + BATCH / 2; i++) {
                int j = i + random.nextInt(BLOCKS - i);
                int t = blocks[i];
                blocks[i] = blocks[j];
                blocks[j] = t;
            }
            for (int i = 0; i < held; i++) {
                if (insertOne(this, prefill, blocks[i]) != InsertResult.QUEUED) {
                    throw new IllegalStateException("prefill insert " + i + " not queued: " + counters.snapshot());
                }
            }
            // half new blocks (blocks[held .. held + BATCH/2)), half already held, shuffled
            for (int i = 0; i < BATCH / 2; i++) {
                batch[i] = blocks[held + i];
                batch[BATCH / 2 + i] = blocks[random.nextInt(held)];
            }
            for (int i = BATCH - 1; i > 0; i--) {
                int j = random.nextInt(i + 1);
                int t = batch[i];
                batch[i] = batch[j];
                batch[j] = t;
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            table.releaseAll();
            System.out.printf("%n[held] policy %s held %d: %d duplicates, %d queued, peak pinned %d B, %s%n", policy,
                    held, duplicates, queued, table.peakPinnedBytes(), counters.snapshot());
            long bad = counters.get(DropReason.OVERLAPPING_FRAGMENT) + counters.get(DropReason.MEMORY_LIMIT)
                    + counters.get(DropReason.QUEUE_EVICTED) + counters.get(DropReason.INVALID_FRAGMENT);
            if (prefill.refCnt() != 1) {
                throw new IllegalStateException("prefill buffer refCnt " + prefill.refCnt());
            }
            prefill.release();
            for (ByteBuf b : extra) {
                b.release();
            }
            if (bad != 0 || table.pinnedBytes() != 0) {
                throw new IllegalStateException("unexpected drops " + bad + " or pinned " + table.pinnedBytes());
            }
        }
    }

    static InsertResult insertOne(Held h, ByteBuf b, int block) {
        b.retain();
        b.setIndex(0, h.packetLength);
        return h.table.insert(h.key, h.fragment.data(b, DATA_INDEX, 8 * block, 8, false).header(0, Ipv6Header.LENGTH)
                .flags(1), h.nowNanos++, h.alloc);
    }

    /** (b) {@value #BATCH} more tiny fragments into a queue holding {@code held}; one operation = one insert. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int insert(Held h) {
        int dup = 0;
        int[] batch = h.batch;
        for (int i = 0; i < BATCH; i++) {
            int block = batch[i];
            if (insertOne(h, h.extra[i], block) == InsertResult.DUPLICATE) {
                dup++;
            }
        }
        h.duplicates += dup;
        h.queued += BATCH - dup;
        return dup;
    }
}
