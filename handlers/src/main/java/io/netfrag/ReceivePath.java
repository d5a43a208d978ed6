package io.netfrag;

import static io.netty.util.internal.ObjectUtil.checkNotNull;

import io.netfrag.esp.EspDecoder;
import io.netfrag.esp.SaDatabase;
import io.netfrag.ipv4.Ipv4FragmentReassembler;
import io.netfrag.ipv6.Ipv6FragmentReassembler;
import io.netfrag.packet.IcmpErrorSink;
import io.netfrag.packet.IpPacketDecoder;
import io.netfrag.packet.LocalAddresses;
import io.netfrag.reassembly.CoalescePolicy;
import io.netfrag.reassembly.OverlapPolicy;
import io.netfrag.reassembly.ReassemblyLimits;
import io.netfrag.stats.CounterSnapshot;
import io.netfrag.udp.UdpDeliver;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.Collection;
import java.util.List;

/**
 * The netfrag receive path, configured once:
 * {@link IpPacketDecoder} → {@link Ipv6FragmentReassembler} → {@link Ipv4FragmentReassembler} → {@link EspDecoder} →
 * {@link UdpDeliver}. Every entry point — {@code NetfragIngress}, {@code TunDevice}, {@code CaptureReplay}, the
 * command line, the benchmarks and the tests — makes its handlers here, so a choice means the same thing wherever it
 * is made: the {@link CoalescePolicy} goes to both reassemblers and to ESP (under {@code COPY} the plaintext lands in
 * one new contiguous buffer, otherwise decryption works in place), and so do the limits, SAs, local addresses,
 * overlap policies, ICMP sink and UDP checksum rule.
 *
 * <pre>{@code
 * ReceivePath path = ReceivePath.builder().policy(CoalescePolicy.COPY).sas(SaDatabase.of(xfrmLine)).build();
 * ch.pipeline().addLast(...);            // e.g. in a ChannelInitializer
 * path.install(ch.pipeline());           // the five handlers, fresh for this channel
 * ch.pipeline().addLast(myUdpHandler);   // receives io.netty.channel.socket.DatagramPacket
 * }</pre>
 *
 * <p>A {@code ReceivePath} is immutable and may be shared by any number of channels; the handlers it makes are not
 * sharable (one set per channel, used on its event loop). The handlers stay usable one by one for pipelines composed
 * by hand.
 */
public final class ReceivePath {
    private final CoalescePolicy policy;
    private final ReassemblyLimits ipv6Limits;
    private final ReassemblyLimits ipv4Limits;
    private final SaDatabase sas;
    private final LocalAddresses localAddresses;
    private final IcmpErrorSink icmpSink;
    private final OverlapPolicy ipv6ForwardedOverlap;
    private final OverlapPolicy ipv6LocalOverlap;
    private final OverlapPolicy ipv4Overlap;
    private final int ipv4MaxDist;
    private final boolean verifyUdpChecksum;
    private final int espEncapPort;
    private final int espMaxDepth;

    private ReceivePath(Builder b) {
        policy = b.policy;
        ipv6Limits = b.ipv6Limits;
        ipv4Limits = b.ipv4Limits;
        sas = b.sas;
        localAddresses = b.localAddresses;
        icmpSink = b.icmpSink;
        ipv6ForwardedOverlap = b.ipv6ForwardedOverlap;
        ipv6LocalOverlap = b.ipv6LocalOverlap;
        ipv4Overlap = b.ipv4Overlap;
        ipv4MaxDist = b.ipv4MaxDist;
        verifyUdpChecksum = b.verifyUdpChecksum;
        espEncapPort = b.espEncapPort;
        espMaxDepth = b.espMaxDepth;
    }

    /** A builder with the defaults: {@link CoalescePolicy#ADAPTIVE}, Linux's limits, no SA, every address local. */
    public static Builder builder() {
        return new Builder();
    }

    /** The receive path with every default (see {@link #builder()}). */
    public static ReceivePath defaults() {
        return builder().build();
    }

    /** A builder holding this path's choices, to derive another path from it. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.policy = policy;
        b.ipv6Limits = ipv6Limits;
        b.ipv4Limits = ipv4Limits;
        b.sas = sas;
        b.localAddresses = localAddresses;
        b.icmpSink = icmpSink;
        b.ipv6ForwardedOverlap = ipv6ForwardedOverlap;
        b.ipv6LocalOverlap = ipv6LocalOverlap;
        b.ipv4Overlap = ipv4Overlap;
        b.ipv4MaxDist = ipv4MaxDist;
        b.verifyUdpChecksum = verifyUdpChecksum;
        b.espEncapPort = espEncapPort;
        b.espMaxDepth = espMaxDepth;
        return b;
    }

    /** The coalesce policy of both reassemblers and of ESP. */
    public CoalescePolicy policy() {
        return policy;
    }

    /** The ESP SAs (shared by every handler set; they may change at run time). */
    public SaDatabase sas() {
        return sas;
    }

    /** A fresh set of handlers for one channel. */
    public Handlers newHandlers() {
        return new Handlers(this);
    }

    /**
     * Adds a fresh set of handlers at the end of {@code pipeline}; the user's handlers go after them.
     *
     * @return the handlers added, for their counters
     */
    public Handlers install(ChannelPipeline pipeline) {
        checkNotNull(pipeline, "pipeline");
        Handlers h = newHandlers();
        pipeline.addLast(h.toArray());
        return h;
    }

    /**
     * An {@link EmbeddedChannel} holding a fresh set of handlers and then {@code userHandlers}: what tests and
     * capture replays feed packets into ({@code writeInbound} of raw IP packets as {@code ByteBuf}s or
     * {@code DatagramPacket}s; time advances with {@link EmbeddedChannel#advanceTimeBy}).
     */
    public EmbeddedChannel newEmbeddedChannel(ChannelHandler... userHandlers) {
        EmbeddedChannel ch = new EmbeddedChannel(newHandlers().toArray());
        ch.pipeline().addLast(userHandlers);
        return ch;
    }

    @Override
    public String toString() {
        return "ReceivePath(" + policy + ", " + sas.size() + " SA(s))";
    }

    /** The handlers of one channel, in pipeline order, with their counters. */
    public static final class Handlers {
        private final IpPacketDecoder decoder;
        private final Ipv6FragmentReassembler ipv6;
        private final Ipv4FragmentReassembler ipv4;
        private final EspDecoder esp;
        private final UdpDeliver udp;

        private Handlers(ReceivePath p) {
            decoder = new IpPacketDecoder(p.localAddresses, 0);
            ipv6 = new Ipv6FragmentReassembler(p.policy, p.ipv6Limits, p.icmpSink, p.ipv6ForwardedOverlap,
                    p.ipv6LocalOverlap);
            ipv4 = new Ipv4FragmentReassembler(p.policy, p.ipv4Limits, p.icmpSink, p.ipv4Overlap, p.ipv4MaxDist);
            esp = new EspDecoder(p.sas, p.policy, p.espEncapPort, p.espMaxDepth, p.localAddresses);
            udp = new UdpDeliver(p.verifyUdpChecksum);
        }

        /** The decoder. */
        public IpPacketDecoder decoder() {
            return decoder;
        }

        /** The IPv6 reassembler. */
        public Ipv6FragmentReassembler ipv6() {
            return ipv6;
        }

        /** The IPv4 reassembler. */
        public Ipv4FragmentReassembler ipv4() {
            return ipv4;
        }

        /** The ESP decoder. */
        public EspDecoder esp() {
            return esp;
        }

        /** UDP delivery. */
        public UdpDeliver udp() {
            return udp;
        }

        /** The handlers in pipeline order (a new array). */
        public ChannelHandler[] toArray() {
            return new ChannelHandler[] {decoder, ipv6, ipv4, esp, udp};
        }

        /** All counters of this set, added up. */
        public CounterSnapshot stats() {
            return decoder.stats().plus(ipv6.stats()).plus(ipv4.stats()).plus(esp.stats()).plus(udp.stats());
        }

        /** The counters of several sets, added up (one per channel or device queue); {@code null} for none. */
        public static CounterSnapshot total(Collection<Handlers> sets) {
            CounterSnapshot total = null;
            for (Handlers h : sets) {
                total = total == null ? h.stats() : total.plus(h.stats());
            }
            return total;
        }

        /** Bytes both reassemblers pin now. */
        public long pinnedBytes() {
            return ipv6.pinnedBytes() + ipv4.pinnedBytes();
        }

        /** The sum of both reassemblers' peaks of pinned bytes. */
        public long peakPinnedBytes() {
            return ipv6.peakPinnedBytes() + ipv4.peakPinnedBytes();
        }

        @Override
        public String toString() {
            return "Handlers" + List.of(toArray());
        }
    }

    /** Collects the choices of a {@link ReceivePath}. Not thread-safe. */
    public static final class Builder {
        private CoalescePolicy policy = CoalescePolicy.ADAPTIVE;
        private ReassemblyLimits ipv6Limits = ReassemblyLimits.defaults(Ipv6FragmentReassembler.DEFAULT_TIMEOUT);
        private ReassemblyLimits ipv4Limits = ReassemblyLimits.defaults(Ipv4FragmentReassembler.DEFAULT_TIMEOUT);
        private SaDatabase sas = new SaDatabase();
        private LocalAddresses localAddresses = LocalAddresses.ALL;
        private IcmpErrorSink icmpSink = IcmpErrorSink.FIRE_USER_EVENT;
        private OverlapPolicy ipv6ForwardedOverlap = OverlapPolicy.DROP;
        private OverlapPolicy ipv6LocalOverlap = OverlapPolicy.DROP;
        private OverlapPolicy ipv4Overlap = OverlapPolicy.DROP;
        private int ipv4MaxDist = Ipv4FragmentReassembler.DEFAULT_MAX_DIST;
        private boolean verifyUdpChecksum = true;
        private int espEncapPort = EspDecoder.DEFAULT_ENCAP_PORT;
        private int espMaxDepth = EspDecoder.DEFAULT_MAX_DEPTH;

        private Builder() {
        }

        /** How fragment data joins a datagram, in both reassemblers, and how ESP decrypts (default ADAPTIVE). */
        public Builder policy(CoalescePolicy policy) {
            this.policy = checkNotNull(policy, "policy");
            return this;
        }

        /** Limits of the IPv6 reassembler (default: Linux's, 60 s timeout). */
        public Builder ipv6Limits(ReassemblyLimits limits) {
            this.ipv6Limits = checkNotNull(limits, "limits");
            return this;
        }

        /** Limits of the IPv4 reassembler (default: Linux's, 30 s timeout). */
        public Builder ipv4Limits(ReassemblyLimits limits) {
            this.ipv4Limits = checkNotNull(limits, "limits");
            return this;
        }

        /** The ESP SAs (default: none); the database may change at run time. */
        public Builder sas(SaDatabase sas) {
            this.sas = checkNotNull(sas, "sas");
            return this;
        }

        /** Which destinations are delivered locally; others are forwarded, never coalesced (default: all local). */
        public Builder localAddresses(LocalAddresses localAddresses) {
            this.localAddresses = checkNotNull(localAddresses, "localAddresses");
            return this;
        }

        /** Where ICMP errors (Time Exceeded, Parameter Problem) go (default: fired as user events). */
        public Builder icmpSink(IcmpErrorSink sink) {
            this.icmpSink = checkNotNull(sink, "icmpSink");
            return this;
        }

        /**
         * How overlapping fragments are resolved (default {@link OverlapPolicy#DROP}, RFC 5722). For IPv6 a
         * target-based policy applies to forwarded datagrams; locally delivered ones keep DROP unless
         * {@link #ipv6LocalOverlapPolicy} says otherwise.
         */
        public Builder overlapPolicy(OverlapPolicy policy) {
            checkNotNull(policy, "policy");
            this.ipv6ForwardedOverlap = policy;
            this.ipv4Overlap = policy;
            return this;
        }

        /** The overlap policy for locally delivered IPv6 datagrams, an explicit opt-in (default DROP, RFC 5722). */
        public Builder ipv6LocalOverlapPolicy(OverlapPolicy policy) {
            this.ipv6LocalOverlap = checkNotNull(policy, "policy");
            return this;
        }

        /** Linux's {@code ipfrag_max_dist} for IPv4 (default 64; 0 disables). */
        public Builder ipv4MaxDist(int maxDist) {
            if (maxDist < 0) {
                throw new IllegalArgumentException("ipv4MaxDist must be >= 0: " + maxDist);
            }
            this.ipv4MaxDist = maxDist;
            return this;
        }

        /** Whether UDP checksums are verified (default true; a zero IPv4 checksum means none, as RFC 768). */
        public Builder verifyUdpChecksum(boolean verify) {
            this.verifyUdpChecksum = verify;
            return this;
        }

        /** The RFC 3948 UDP encapsulation port ESP listens on (default 4500; 0 disables). */
        public Builder espEncapPort(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("espEncapPort must be 0..65535: " + port);
            }
            this.espEncapPort = port;
            return this;
        }

        /** The most nested tunnel decapsulations a packet may have gone through (default 4). */
        public Builder espMaxDepth(int depth) {
            if (depth < 1) {
                throw new IllegalArgumentException("espMaxDepth must be at least 1: " + depth);
            }
            this.espMaxDepth = depth;
            return this;
        }

        /** The receive path. */
        public ReceivePath build() {
            return new ReceivePath(this);
        }
    }
}
