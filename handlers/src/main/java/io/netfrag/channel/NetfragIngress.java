package io.netfrag.channel;

import static io.netty.util.internal.ObjectUtil.checkNotNull;

import io.netfrag.ReceivePath;
import io.netfrag.packet.IpPacketDecoder;
import io.netfrag.stats.CounterSnapshot;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringChannelOption;
import io.netty.channel.uring.IoUringDatagramChannel;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;
import java.io.Closeable;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;

/**
 * Binds the netfrag receive path ({@link ReceivePath}: a fresh set of its handlers per channel, then the user's
 * handlers) to UDP sockets whose datagrams each carry one raw IPv4/IPv6 packet (IP-in-UDP, compatible with Linux FOU
 * {@code ipproto 41}/{@code 4} and GUE variant 1: the version nibble tells the family).
 *
 * <p>On Linux it uses {@link EpollDatagramChannel} on Netty 4.2's {@link MultiThreadIoEventLoopGroup} with
 * {@link EpollIoHandler} (or, when asked, io_uring: {@link Transport#IO_URING}): recvmmsg batching
 * ({@link EpollChannelOption#MAX_DATAGRAM_PAYLOAD_SIZE}), optional
 * {@code UDP_GRO}, {@code SO_RCVBUF}, and {@code SO_REUSEPORT} fan-out over N event loops with one handler set per
 * channel. With more than one channel a classic BPF program steers each packet to a socket by its <em>inner</em>
 * addresses and fragment identification, so one tunnel (one outer flow) spreads over every loop while all fragments
 * of a datagram meet on one; where the program cannot be attached the kernel's outer 4-tuple hash decides (a whole
 * tunnel on one loop) and the log says so. ESP state shared across loops stays correct: an SA's anti-replay window is
 * the SA's own, checked and advanced under its lock. Elsewhere it falls back to NIO with one channel, and says so once
 * in the log. An optional {@link BoundedReceiveRing} per channel emulates a NIC ring.
 */
public final class NetfragIngress implements Closeable {
    private static final InternalLogger LOG = InternalLoggerFactory.getInstance(NetfragIngress.class);
    private static volatile boolean fallbackLogged;

    /**
     * The event-loop transport. Every transport runs the same handlers with the same {@link BoundedReceiveRing}
     * semantics; where the one asked for is unavailable the ingress falls back (io_uring → epoll → NIO) and the log says
     * why.
     */
    public enum Transport {
        /** Epoll where available, else NIO (the default: see {@code perf/RESULTS.md} for epoll against io_uring). */
        AUTO,
        /** Netty's native epoll: recvmmsg batching, UDP_GRO, SO_REUSEPORT. */
        EPOLL,
        /**
         * Netty's io_uring ({@link IoUringIoHandler}, {@link IoUringDatagramChannel}): recvmsg submitted in batches
         * (one per datagram slot of a receive buffer), SO_REUSEPORT; no UDP_GRO (the io_uring datagram channel of Netty
         * 4.2.18 has no such option, and its reads take no kernel-provided buffer rings: those serve stream channels
         * only, so the {@link BoundedReceiveRing} stays the receive ring here too).
         */
        IO_URING,
        /** The JDK's NIO: one channel, no batching; works everywhere. */
        NIO
    }

    /**
     * Receive buffer size that holds any UDP GRO read: the kernel aggregates at most 64 KiB per read, and a smaller
     * buffer would silently truncate the aggregate (and lose the fragments in its tail).
     */
    public static final int GRO_BUFFER_SIZE = 65536;

    private final EventLoopGroup group;
    private final List<Channel> channels;
    private final List<ReceivePath.Handlers> handlerSets;
    private final List<BoundedReceiveRing> rings;
    private final Transport transport;
    private final boolean innerPacketSteering;

    private NetfragIngress(EventLoopGroup group, List<Channel> channels, List<ReceivePath.Handlers> handlerSets,
            List<BoundedReceiveRing> rings, Transport transport, boolean innerPacketSteering) {
        this.group = group;
        this.channels = channels;
        this.handlerSets = handlerSets;
        this.rings = rings;
        this.transport = transport;
        this.innerPacketSteering = innerPacketSteering;
    }

    /** A builder. */
    public static Builder builder() {
        return new Builder();
    }

    /** The transport in use: {@link Transport#EPOLL}, {@link Transport#IO_URING} or {@link Transport#NIO}. */
    public Transport transport() {
        return transport;
    }

    /**
     * Whether the channels share packets by their inner addresses and fragment identification (the steering program is
     * attached); false with one channel, when turned off, or where the kernel refused the program (then the outer
     * 4-tuple hash decides).
     */
    public boolean innerPacketSteering() {
        return innerPacketSteering;
    }

    /** The bound channels. */
    public List<Channel> channels() {
        return channels;
    }

    /** The local address of the first channel. */
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) channels.get(0).localAddress();
    }

    /** The handler sets, one per channel. */
    public List<ReceivePath.Handlers> handlerSets() {
        return handlerSets;
    }

    /** The receive rings, one per channel (empty without a ring). */
    public List<BoundedReceiveRing> rings() {
        return rings;
    }

    /** Counters of every handler of every channel, added up. */
    public CounterSnapshot stats() {
        return ReceivePath.Handlers.total(handlerSets);
    }

    /** Times any ring ran dry. */
    public long ringExhaustions() {
        return BoundedReceiveRing.exhaustions(rings);
    }

    @Override
    public void close() {
        for (Channel c : channels) {
            c.close().syncUninterruptibly();
        }
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
        for (BoundedReceiveRing r : rings) {
            r.close();
        }
    }

    /**
     * The transport to use for {@code asked}, given what this machine offers; logs each fallback once per reason.
     */
    static Transport resolve(Transport asked, boolean epollAvailable, Throwable epollCause, boolean uringAvailable,
            Throwable uringCause) {
        if (asked == Transport.IO_URING) {
            if (uringAvailable) {
                return Transport.IO_URING;
            }
            Transport instead = epollAvailable ? Transport.EPOLL : Transport.NIO;
            LOG.warn("netfrag ingress: io_uring unavailable ({}); using {}", uringCause == null ? "not Linux"
                    : uringCause.toString(), instead.name().toLowerCase(java.util.Locale.ROOT));
            return instead;
        }
        if (asked == Transport.NIO) {
            return Transport.NIO;
        }
        if (epollAvailable) {
            return Transport.EPOLL;
        }
        if (asked == Transport.EPOLL || !fallbackLogged) {
            fallbackLogged = true;
            LOG.warn("native epoll unavailable ({}); netfrag ingress falls back to NIO with one channel",
                    epollCause == null ? "not Linux" : epollCause.toString());
        }
        return Transport.NIO;
    }

    private static boolean attachSteering(Channel channel, int sockets) {
        try {
            InnerPacketSteering.attach(channel, sockets);
            return true;
        } catch (RuntimeException e) {
            LOG.warn("netfrag ingress: cannot attach the inner-packet steering program ({}); the kernel's outer 4-tuple"
                    + " hash spreads packets over the {} channels, so one tunnel stays on one event loop", e.toString(),
                    sockets);
            return false;
        }
    }

    /** Configures and binds an ingress. */
    public static final class Builder {
        private InetSocketAddress bind = new InetSocketAddress("127.0.0.1", 6635);
        private ReceivePath receivePath = ReceivePath.defaults();
        private int ringSlots;
        private int ringSlotCapacity;
        private int maxDatagramPayloadSize;
        private boolean udpGro;
        private int receiveBufferBytes;
        private int channels = 1;
        private Transport transport = Transport.AUTO;
        private boolean steerByInnerPacket = true;
        private Supplier<ChannelHandler[]> userHandlers = () -> new ChannelHandler[0];

        private Builder() {
        }

        /** Where to bind (default 127.0.0.1:6635). */
        public Builder bind(InetSocketAddress address) {
            this.bind = checkNotNull(address, "address");
            return this;
        }

        /** The receive path every channel gets a fresh set of handlers of (default {@link ReceivePath#defaults()}). */
        public Builder receivePath(ReceivePath path) {
            this.receivePath = checkNotNull(path, "receivePath");
            return this;
        }

        /** A bounded receive ring per channel: {@code slots} buffers of {@code slotCapacity} bytes; 0 slots = none. */
        public Builder ring(int slots, int slotCapacity) {
            if (slots < 0) {
                throw new IllegalArgumentException("slots must be >= 0: " + slots);
            }
            this.ringSlots = slots;
            this.ringSlotCapacity = slotCapacity;
            return this;
        }

        /**
         * recvmmsg batching with datagrams up to this size (epoll; on io_uring, one recvmsg submitted per datagram
         * slot of the buffer; 0 = off). Without a ring the channel then
         * reads into buffers of 16 such datagrams; with a ring, a slot holds {@code slotCapacity / size} of them.
         */
        public Builder maxDatagramPayloadSize(int size) {
            if (size < 0) {
                throw new IllegalArgumentException("maxDatagramPayloadSize must be >= 0: " + size);
            }
            this.maxDatagramPayloadSize = size;
            return this;
        }

        /**
         * UDP_GRO (epoll only): the kernel hands a run of same-sized datagrams of one flow (for instance what a UDP
         * GSO sender sent as one message) to one read, and Netty splits it back into one {@link
         * io.netty.channel.socket.DatagramPacket} per datagram, all slices of one receive buffer. Receive buffers then
         * need {@value #GRO_BUFFER_SIZE} bytes: {@link #start()} refuses a smaller ring slot or recvmmsg datagram
         * size, and without a ring the channel reads into fixed {@value #GRO_BUFFER_SIZE}-byte buffers.
         *
         * <p>With recvmmsg ({@link #maxDatagramPayloadSize(int)}) too, Netty 4.2.18 loses the GRO segment size and
         * hands each aggregate over as one {@code DatagramPacket} (netty/netty#17492); {@link IpPacketDecoder} splits
         * such a read by the IP packets' own lengths, so the combination delivers every datagram.
         */
        public Builder udpGro(boolean gro) {
            this.udpGro = gro;
            return this;
        }

        /** SO_RCVBUF in bytes (0 = the system default; the kernel caps it at {@code net.core.rmem_max}). */
        public Builder receiveBufferBytes(int bytes) {
            if (bytes < 0) {
                throw new IllegalArgumentException("receiveBufferBytes must be >= 0: " + bytes);
            }
            this.receiveBufferBytes = bytes;
            return this;
        }

        /** Number of channels fanned out with SO_REUSEPORT, one event loop each (epoll and io_uring; NIO has one). */
        public Builder channels(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("channels must be at least 1: " + n);
            }
            this.channels = n;
            return this;
        }

        /**
         * With more than one channel, whether to steer packets to channels by the inner packet (default) rather than
         * by the kernel's outer 4-tuple hash. See {@link NetfragIngress}.
         */
        public Builder innerPacketSteering(boolean steer) {
            this.steerByInnerPacket = steer;
            return this;
        }

        /** The transport (default {@link Transport#AUTO}); an unavailable one falls back with a log line. */
        public Builder transport(Transport transport) {
            this.transport = checkNotNull(transport, "transport");
            return this;
        }

        /** The user's handlers after the receive path's, a fresh set per channel. */
        public Builder userHandlers(Supplier<ChannelHandler[]> handlers) {
            this.userHandlers = checkNotNull(handlers, "userHandlers");
            return this;
        }

        /** Binds every channel. */
        public NetfragIngress start() throws InterruptedException {
            if (udpGro && ringSlots > 0 && ringSlotCapacity < GRO_BUFFER_SIZE) {
                throw new IllegalArgumentException("UDP_GRO needs receive buffers of at least " + GRO_BUFFER_SIZE
                        + " bytes (a GRO read aggregates up to 64 KiB), but the ring's slots hold " + ringSlotCapacity);
            }
            if (udpGro && maxDatagramPayloadSize > 0 && maxDatagramPayloadSize < GRO_BUFFER_SIZE) {
                throw new IllegalArgumentException("UDP_GRO needs recvmmsg datagram sizes of at least "
                        + GRO_BUFFER_SIZE + " bytes (a GRO read aggregates up to 64 KiB), not "
                        + maxDatagramPayloadSize);
            }
            if (transport == Transport.IO_URING && udpGro) {
                throw new IllegalArgumentException("UDP_GRO is not available on the io_uring transport (Netty's io_uring"
                        + " datagram channel has no UDP_GRO option): use the epoll transport for UDP_GRO");
            }
            Transport used = resolve(transport, Epoll.isAvailable(), Epoll.unavailabilityCause(),
                    IoUring.isAvailable(), IoUring.unavailabilityCause());
            EventLoopGroup group = null;
            if (used == Transport.IO_URING) {
                try {
                    group = new MultiThreadIoEventLoopGroup(channels, IoUringIoHandler.newFactory());
                } catch (RuntimeException | LinkageError e) {
                    // setting up a ring can fail where io_uring is compiled in (memlock limit, seccomp, a container's
                    // io_uring_disabled): use epoll then
                    used = resolve(Transport.EPOLL, Epoll.isAvailable(), Epoll.unavailabilityCause(), false, null);
                    LOG.warn("netfrag ingress: io_uring rings cannot be set up ({}); using {}", e.toString(),
                            used.name().toLowerCase(java.util.Locale.ROOT));
                }
            }
            boolean epoll = used == Transport.EPOLL;
            int n = used == Transport.NIO ? 1 : channels;
            if (group == null) {
                group = new MultiThreadIoEventLoopGroup(n,
                        epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
            }
            final Transport chosen = used;
            List<Channel> bound = new ArrayList<>();
            List<ReceivePath.Handlers> sets = new CopyOnWriteArrayList<>();
            List<BoundedReceiveRing> rings = new ArrayList<>();
            boolean ok = false;
            try {
                for (int i = 0; i < n; i++) {
                    Bootstrap b = new Bootstrap().group(group)
                            .channel(chosen == Transport.IO_URING ? IoUringDatagramChannel.class
                                    : epoll ? EpollDatagramChannel.class : NioDatagramChannel.class)
                            .handler(new ChannelInitializer<Channel>() {
                                @Override
                                protected void initChannel(Channel ch) {
                                    sets.add(receivePath.install(ch.pipeline()));
                                    ch.pipeline().addLast(userHandlers.get());
                                }
                            });
                    if (ringSlots > 0) {
                        BoundedReceiveRing ring = new BoundedReceiveRing(ringSlots, ringSlotCapacity);
                        rings.add(ring);
                        b.option(ChannelOption.RCVBUF_ALLOCATOR, ring);
                    } else if (chosen != Transport.NIO && (udpGro || maxDatagramPayloadSize > 0)) {
                        // Netty's default datagram buffer (2 KiB) holds one datagram: recvmmsg would never batch,
                        // and a GRO aggregate would be cut
                        b.option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(
                                maxDatagramPayloadSize > 0 ? maxDatagramPayloadSize * 16 : GRO_BUFFER_SIZE));
                    }
                    if (receiveBufferBytes > 0) {
                        b.option(ChannelOption.SO_RCVBUF, receiveBufferBytes);
                    }
                    if (chosen == Transport.IO_URING) {
                        if (n > 1) {
                            b.option(IoUringChannelOption.SO_REUSEPORT, true);
                        }
                        if (maxDatagramPayloadSize > 0) {
                            b.option(IoUringChannelOption.MAX_DATAGRAM_PAYLOAD_SIZE, maxDatagramPayloadSize);
                        }
                    }
                    if (epoll) {
                        if (n > 1) {
                            b.option(EpollChannelOption.SO_REUSEPORT, true);
                        }
                        if (maxDatagramPayloadSize > 0) {
                            b.option(EpollChannelOption.MAX_DATAGRAM_PAYLOAD_SIZE, maxDatagramPayloadSize);
                        }
                        if (udpGro) {
                            b.option(EpollChannelOption.UDP_GRO, true);
                        }
                    }
                    // port 0: the first channel's ephemeral port is the group's, the others join it
                    bound.add(b.bind(i == 0 ? bind : new InetSocketAddress(bind.getAddress(),
                            ((InetSocketAddress) bound.get(0).localAddress()).getPort())).sync().channel());
                }
                boolean steering = n > 1 && steerByInnerPacket && attachSteering(bound.get(0), n);
                ok = true;
                return new NetfragIngress(group, bound, sets, rings, chosen, steering);
            } finally {
                if (!ok) {
                    for (Channel c : bound) {
                        c.close();
                    }
                    group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS);
                    for (BoundedReceiveRing r : rings) {
                        r.close();
                    }
                }
            }
        }
    }
}
