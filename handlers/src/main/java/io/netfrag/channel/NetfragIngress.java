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
 * {@link EpollIoHandler}: recvmmsg batching ({@link EpollChannelOption#MAX_DATAGRAM_PAYLOAD_SIZE}), optional
 * {@code UDP_GRO}, {@code SO_RCVBUF}, and {@code SO_REUSEPORT} fan-out over N event loops with one handler set per
 * channel (an outer flow hashes to one socket, so a tunnel's fragments stay together). Elsewhere it falls back to NIO
 * with one channel, and says so once in the log. An optional {@link BoundedReceiveRing} per channel emulates a NIC
 * ring.
 */
public final class NetfragIngress implements Closeable {
    private static final InternalLogger LOG = InternalLoggerFactory.getInstance(NetfragIngress.class);
    private static volatile boolean fallbackLogged;

    /**
     * Receive buffer size that holds any UDP GRO read: the kernel aggregates at most 64 KiB per read, and a smaller
     * buffer would silently truncate the aggregate (and lose the fragments in its tail).
     */
    public static final int GRO_BUFFER_SIZE = 65536;

    private final EventLoopGroup group;
    private final List<Channel> channels;
    private final List<ReceivePath.Handlers> handlerSets;
    private final List<BoundedReceiveRing> rings;
    private final boolean epoll;

    private NetfragIngress(EventLoopGroup group, List<Channel> channels, List<ReceivePath.Handlers> handlerSets,
            List<BoundedReceiveRing> rings, boolean epoll) {
        this.group = group;
        this.channels = channels;
        this.handlerSets = handlerSets;
        this.rings = rings;
        this.epoll = epoll;
    }

    /** A builder. */
    public static Builder builder() {
        return new Builder();
    }

    /** Whether the native epoll transport is in use (else NIO). */
    public boolean epoll() {
        return epoll;
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
        private boolean forceNio;
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
         * recvmmsg batching with datagrams up to this size (epoll only; 0 = off). Without a ring the channel then
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

        /** Number of channels fanned out with SO_REUSEPORT, one event loop each (epoll only). */
        public Builder channels(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("channels must be at least 1: " + n);
            }
            this.channels = n;
            return this;
        }

        /** Use NIO even where epoll is available. */
        public Builder forceNio(boolean nio) {
            this.forceNio = nio;
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
            boolean epoll = !forceNio && Epoll.isAvailable();
            if (!epoll && !forceNio && !fallbackLogged) {
                fallbackLogged = true;
                LOG.warn("native epoll unavailable ({}); netfrag ingress falls back to NIO with one channel",
                        Epoll.unavailabilityCause() == null ? "not Linux" : Epoll.unavailabilityCause().toString());
            }
            int n = epoll ? channels : 1;
            EventLoopGroup group = new MultiThreadIoEventLoopGroup(n,
                    epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
            List<Channel> bound = new ArrayList<>();
            List<ReceivePath.Handlers> sets = new CopyOnWriteArrayList<>();
            List<BoundedReceiveRing> rings = new ArrayList<>();
            boolean ok = false;
            try {
                for (int i = 0; i < n; i++) {
                    Bootstrap b = new Bootstrap().group(group)
                            .channel(epoll ? EpollDatagramChannel.class : NioDatagramChannel.class)
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
                    } else if (epoll && (udpGro || maxDatagramPayloadSize > 0)) {
                        // Netty's default datagram buffer (2 KiB) holds one datagram: recvmmsg would never batch,
                        // and a GRO aggregate would be cut
                        b.option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(
                                maxDatagramPayloadSize > 0 ? maxDatagramPayloadSize * 16 : GRO_BUFFER_SIZE));
                    }
                    if (receiveBufferBytes > 0) {
                        b.option(ChannelOption.SO_RCVBUF, receiveBufferBytes);
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
                    bound.add(b.bind(bind).sync().channel());
                }
                ok = true;
                return new NetfragIngress(group, bound, sets, rings, epoll);
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
