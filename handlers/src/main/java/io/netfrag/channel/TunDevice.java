package io.netfrag.channel;

import static io.netty.util.internal.ObjectUtil.checkNotNull;

import io.netfrag.ReceivePath;
import io.netfrag.stats.CounterSnapshot;
import io.netty.channel.ChannelHandler;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.IoEventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import java.io.Closeable;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The netfrag receive path on a Linux TUN device: the kernel routes packets into the device, and each is read on
 * Netty's epoll event loop by a {@link TunChannel} whose pipeline is a fresh set of the {@link ReceivePath}'s handlers
 * followed by the user's handlers. Where {@link NetfragIngress} receives IP packets carried in UDP, this
 * receives them as a host does: a datagram bigger than the device MTU arrives as the fragments the sending kernel
 * made.
 *
 * <p>The device is created (or attached to, if persistent) with {@code IFF_TUN | IFF_NO_PI}; bringing it up,
 * addresses and routes are the user's ({@code ip link set nf0 up}, {@code ip route add … dev nf0}). Opening needs
 * CAP_NET_ADMIN unless the device is persistent and owned by the user. With {@link Builder#queues(int) queues(n)} the
 * device is multi-queue: n descriptors, one event loop and one handler set each. The kernel picks a queue by a flow
 * hash that for fragments covers addresses and protocol but not ports (the flow dissector stops at a fragment header),
 * so all fragments of a datagram meet in one reassembler.
 *
 * <pre>{@code
 * ReceivePath path = ReceivePath.builder().policy(CoalescePolicy.COPY).build();
 * try (TunDevice tun = TunDevice.builder("nf0").receivePath(path)
 *         .userHandlers(() -> new ChannelHandler[] {new MyDatagramHandler()}).open()) {
 *     // ip link set nf0 mtu 1280 up; ip addr add fd00:99::1/64 dev nf0; send to fd00:99::2
 * }
 * }</pre>
 */
public final class TunDevice implements Closeable {
    private final EventLoopGroup group;
    private final boolean ownsGroup;
    private final List<TunChannel> channels;
    private final List<ReceivePath.Handlers> handlerSets;
    private final List<BoundedReceiveRing> rings;

    private TunDevice(EventLoopGroup group, boolean ownsGroup, List<TunChannel> channels,
            List<ReceivePath.Handlers> handlerSets, List<BoundedReceiveRing> rings) {
        this.group = group;
        this.ownsGroup = ownsGroup;
        this.channels = List.copyOf(channels);
        this.handlerSets = List.copyOf(handlerSets);
        this.rings = List.copyOf(rings);
    }

    /**
     * A builder for the device {@code name}.
     *
     * @param name at most 15 bytes; a template such as {@code "nf%d"} lets the kernel number it
     */
    public static Builder builder(String name) {
        return new Builder(name);
    }

    /** The device name the kernel reports. */
    public String name() {
        return channels.get(0).name();
    }

    /** The channels, one per queue. */
    public List<TunChannel> channels() {
        return channels;
    }

    /** The handler sets, one per queue. */
    public List<ReceivePath.Handlers> handlerSets() {
        return handlerSets;
    }

    /** The receive rings, one per queue (empty without a ring). */
    public List<BoundedReceiveRing> rings() {
        return rings;
    }

    /** Counters of every handler of every queue, added up. */
    public CounterSnapshot stats() {
        return ReceivePath.Handlers.total(handlerSets);
    }

    /** Packets dropped because they did not fit the receive buffer (see {@link Builder#maxPacketBytes}). */
    public long truncatedPackets() {
        long n = 0;
        for (TunChannel c : channels) {
            n += c.truncatedPackets();
        }
        return n;
    }

    /** Times any ring ran dry. */
    public long ringExhaustions() {
        return BoundedReceiveRing.exhaustions(rings);
    }

    /** Closes every queue (a non-persistent device disappears), then the event loops if this device made them. */
    @Override
    public void close() {
        for (TunChannel c : channels) {
            c.close().syncUninterruptibly();
        }
        if (ownsGroup) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
        for (BoundedReceiveRing r : rings) {
            r.close();
        }
    }

    /** Configures and opens a device. */
    public static final class Builder {
        private final String name;
        private ReceivePath receivePath = ReceivePath.defaults();
        private Supplier<ChannelHandler[]> userHandlers = () -> new ChannelHandler[0];
        private int queues = 1;
        private int maxPacketBytes = TunChannel.DEFAULT_MAX_PACKET_BYTES;
        private int ringSlots;
        private int ringSlotCapacity;
        private IoEventLoopGroup group;

        private Builder(String name) {
            this.name = checkNotNull(name, "name");
        }

        /** The receive path every queue gets a fresh set of handlers of (default {@link ReceivePath#defaults()}). */
        public Builder receivePath(ReceivePath path) {
            this.receivePath = checkNotNull(path, "receivePath");
            return this;
        }

        /** The user's handlers after the receive path's, a fresh set per queue. */
        public Builder userHandlers(Supplier<ChannelHandler[]> h) {
            this.userHandlers = checkNotNull(h, "userHandlers");
            return this;
        }

        /**
         * Receive buffer size without a ring (default {@value TunChannel#DEFAULT_MAX_PACKET_BYTES}); at least the
         * device MTU, else packets are dropped and counted in {@link TunDevice#truncatedPackets()}.
         */
        public Builder maxPacketBytes(int bytes) {
            if (bytes < 64) {
                throw new IllegalArgumentException("maxPacketBytes must be at least 64: " + bytes);
            }
            this.maxPacketBytes = bytes;
            return this;
        }

        /** A bounded receive ring per queue: {@code slots} buffers of {@code slotCapacity} bytes; 0 slots = none. */
        public Builder ring(int slots, int slotCapacity) {
            if (slots < 0) {
                throw new IllegalArgumentException("slots must be >= 0: " + slots);
            }
            this.ringSlots = slots;
            this.ringSlotCapacity = slotCapacity;
            return this;
        }

        /** Number of queues ({@code IFF_MULTI_QUEUE} when more than one), one event loop each. */
        public Builder queues(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("queues must be at least 1: " + n);
            }
            this.queues = n;
            return this;
        }

        /**
         * Event loops to use (epoll, e.g. {@code new MultiThreadIoEventLoopGroup(n, EpollIoHandler.newFactory())});
         * by default the device makes one loop per queue and shuts them down on close.
         */
        public Builder group(IoEventLoopGroup epollGroup) {
            this.group = checkNotNull(epollGroup, "group");
            return this;
        }

        /**
         * Opens the device and registers every queue with its event loop; reading starts at once.
         *
         * @throws IOException when the device cannot be opened (the message names the likely cause)
         * @throws UnsupportedOperationException when Netty's native epoll transport or JNA is unavailable
         */
        public TunDevice open() throws IOException, InterruptedException {
            List<TunChannel> opened = new ArrayList<>();
            List<ReceivePath.Handlers> sets = new ArrayList<>();
            List<BoundedReceiveRing> rings = new ArrayList<>();
            boolean owns = group == null;
            EventLoopGroup loops = null;
            boolean ok = false;
            try {
                String actual = name;
                for (int i = 0; i < queues; i++) {
                    TunChannel ch = TunChannel.open(actual, queues > 1);
                    opened.add(ch);
                    actual = ch.name();
                }
                loops = owns ? new MultiThreadIoEventLoopGroup(queues, EpollIoHandler.newFactory()) : group;
                for (TunChannel ch : opened) {
                    if (ringSlots > 0) {
                        BoundedReceiveRing ring = new BoundedReceiveRing(ringSlots, ringSlotCapacity);
                        rings.add(ring);
                        ch.config().setRecvByteBufAllocator(ring);
                    } else {
                        ch.config().setRecvByteBufAllocator(new FixedRecvByteBufAllocator(maxPacketBytes)
                                .maxMessagesPerRead(ch.metadata().defaultMaxMessagesPerRead()));
                    }
                    sets.add(receivePath.install(ch.pipeline()));
                    ch.pipeline().addLast(userHandlers.get());
                    loops.next().register(ch).sync();
                }
                ok = true;
                return new TunDevice(loops, owns, opened, sets, rings);
            } finally {
                if (!ok) {
                    for (TunChannel ch : opened) {
                        if (ch.isRegistered()) {
                            ch.close();
                        } else {
                            // AbstractChannel.close() needs an event loop; an unregistered channel just closes its fd
                            ch.unsafe().closeForcibly();
                        }
                    }
                    if (owns && loops != null) {
                        loops.shutdownGracefully(0, 1, TimeUnit.SECONDS);
                    }
                    for (BoundedReceiveRing r : rings) {
                        r.close();
                    }
                }
            }
        }
    }
}
