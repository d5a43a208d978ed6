package io.netfrag.channel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netfrag.reassembly.CoalescePolicy;
import io.netfrag.stats.MibCounter;
import io.netfrag.testing.TestPackets;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The ingress on loopback: real sockets, epoll where available, the bounded ring. */
class NetfragIngressTest {

    /** Counts byte-exact deliveries and releases them. */
    @io.netty.channel.ChannelHandler.Sharable
    private static final class Sink extends SimpleChannelInboundHandler<DatagramPacket> {
        final AtomicInteger exact = new AtomicInteger();
        final AtomicInteger wrong = new AtomicInteger();
        final byte[] expected;

        Sink(byte[] expected) {
            this.expected = expected;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket d) {
            byte[] got = TestPackets.bytes(d.content());
            (Arrays.equals(expected, got) ? exact : wrong).incrementAndGet();
        }
    }

    private static void send(DatagramSocket socket, InetSocketAddress to, ByteBuf fragment) throws Exception {
        byte[] b = TestPackets.bytes(fragment);
        fragment.release();
        socket.send(new java.net.DatagramPacket(b, b.length, to));
    }

    /**
     * Sends {@code datagrams} 8000-byte IPv6 datagrams in 1232-byte fragments; every {@code lossEvery}-th datagram
     * loses its second fragment (0 = no loss). Paced so the kernel's socket buffer does not overflow by itself.
     */
    private static int blast(InetSocketAddress to, int datagrams, int lossEvery) throws Exception {
        byte[] packet = TestPackets.udp6(TestPackets.payload(8000));
        List<TestPackets.Frag> frags = TestPackets.split(packet.length - 40, 1232);
        int completable = 0;
        try (DatagramSocket socket = new DatagramSocket()) {
            for (int n = 0; n < datagrams; n++) {
                boolean lose = lossEvery > 0 && n % lossEvery == 0;
                completable += lose ? 0 : 1;
                for (int i = 0; i < frags.size(); i++) {
                    if (lose && i == 1) {
                        continue;
                    }
                    send(socket, to, TestPackets.fragment(UnpooledByteBufAllocator.DEFAULT, packet, frags.get(i), n));
                }
                if (n % 8 == 7) {
                    Thread.sleep(1);
                }
            }
        }
        return completable;
    }

    private static void awaitQuiet(AtomicInteger counter) throws InterruptedException {
        int last = -1;
        for (int i = 0; i < 100 && counter.get() != last; i++) {
            last = counter.get();
            Thread.sleep(100);
        }
    }

    @ParameterizedTest(name = "nio={0}")
    @CsvSource({"false", "true"})
    void deliversByteExactOverRealSockets(boolean nio) throws Exception {
        byte[] expected = TestPackets.payload(8000);
        Sink sink = new Sink(expected);
        try (NetfragIngress ingress = NetfragIngress.builder().bind(new InetSocketAddress("127.0.0.1", 0))
                .policy(CoalescePolicy.ADAPTIVE).forceNio(nio).receiveBufferBytes(4 << 20)
                .userHandlers(() -> new ChannelHandler[] {sink}).start()) {
            assertEquals(!nio && io.netty.channel.epoll.Epoll.isAvailable(), ingress.epoll());
            int completable = blast(ingress.localAddress(), 200, 0);
            awaitQuiet(sink.exact);
            long kernelDrops = 0; // paced: expect none, but tolerate what the kernel reports
            assertTrue(sink.exact.get() >= completable - kernelDrops, sink.exact.get() + " of " + completable);
            assertEquals(0, sink.wrong.get());
            assertEquals(sink.exact.get(), ingress.stats().get(MibCounter.UDP_IN_DATAGRAMS));
        }
    }

    @Test
    void reusePortFansOutOverSeveralChannelsEachWithItsOwnHandlers() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(io.netty.channel.epoll.Epoll.isAvailable(),
                "SO_REUSEPORT fan-out needs the native epoll transport");
        byte[] expected = TestPackets.payload(8000);
        Sink sink = new Sink(expected);
        int port;
        try (java.net.DatagramSocket probe = new java.net.DatagramSocket(0, java.net.InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        try (NetfragIngress ingress = NetfragIngress.builder().bind(new InetSocketAddress("127.0.0.1", port))
                .policy(CoalescePolicy.COPY).channels(2).udpGro(true).receiveBufferBytes(4 << 20)
                .userHandlers(() -> new ChannelHandler[] {sink}).start()) {
            assertEquals(2, ingress.channels().size());
            assertEquals(2, ingress.handlerSets().size());
            assertTrue(ingress.handlerSets().get(0) != ingress.handlerSets().get(1));
            int completable = blast(ingress.localAddress(), 100, 0);
            awaitQuiet(sink.exact);
            // one sending socket = one 4-tuple: the kernel hashes it to one of the sockets, so fragments stay together
            assertEquals(completable, sink.exact.get());
            assertEquals(completable, ingress.stats().get(MibCounter.UDP_IN_DATAGRAMS));
        }
    }

    @Test
    void groRefusesReceiveBuffersThatWouldTruncateAnAggregate() {
        IllegalArgumentException ring = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> NetfragIngress.builder().bind(new InetSocketAddress("127.0.0.1", 0)).udpGro(true)
                        .ring(8, 2048).start());
        assertTrue(ring.getMessage().contains("65536") && ring.getMessage().contains("2048"), ring.getMessage());
        IllegalArgumentException batch = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> NetfragIngress.builder().bind(new InetSocketAddress("127.0.0.1", 0)).udpGro(true)
                        .maxDatagramPayloadSize(2048).start());
        assertTrue(batch.getMessage().contains("recvmmsg"), batch.getMessage());
    }

    /**
     * A UDP GSO sender (one {@code UDP_SEGMENT} message per datagram's fragments) into a UDP_GRO ingress with a ring of
     * 64 KiB slots: each read holds every fragment of a datagram; the datagrams arrive byte-exact, and because the
     * fragments are slices of a 64 KiB slot, ADAPTIVE copies them — lost fragments pin no slot.
     */
    @Test
    void groReadsOfGsoMessagesAreSplitIntoFragmentsAndReassembled() throws Exception {
        GsoSender.assumeSupported();
        byte[] expected = TestPackets.payload(8000);
        Sink sink = new Sink(expected);
        byte[] packet = TestPackets.udp6(expected);
        List<TestPackets.Frag> frags = TestPackets.split(packet.length - 40, 1232);
        try (NetfragIngress ingress = NetfragIngress.builder().bind(new InetSocketAddress("127.0.0.1", 0))
                .policy(CoalescePolicy.ADAPTIVE).udpGro(true).ring(4, NetfragIngress.GRO_BUFFER_SIZE)
                .receiveBufferBytes(4 << 20).userHandlers(() -> new ChannelHandler[] {sink}).start();
                GsoSender sender = new GsoSender()) {
            int completable = 0;
            for (int n = 0; n < 100; n++) {
                boolean lose = n % 4 == 0;
                completable += lose ? 0 : 1;
                sender.send(packet, frags, n, lose ? 1 : -1, ingress.localAddress());
                if (n % 8 == 7) {
                    Thread.sleep(1);
                }
            }
            awaitQuiet(sink.exact);
            assertEquals(completable, sink.exact.get());
            assertEquals(0, sink.wrong.get());
            assertEquals(0, ingress.ringExhaustions());
            assertEquals(0, ingress.handlerSets().get(0).ipv6.heldBuffers(), "slices of 64 KiB slots are copied");
        }
    }

    /** Sends each datagram's fragments as one UDP GSO message (epoll), as the {@code stream} client does. */
    private static final class GsoSender implements AutoCloseable {
        private final io.netty.channel.EventLoopGroup group = new io.netty.channel.MultiThreadIoEventLoopGroup(1,
                io.netty.channel.epoll.EpollIoHandler.newFactory());
        private final io.netty.channel.Channel channel;

        static void assumeSupported() {
            org.junit.jupiter.api.Assumptions.assumeTrue(
                    io.netty.channel.epoll.EpollDatagramChannel.isSegmentedDatagramPacketSupported(),
                    "UDP GSO needs the native epoll transport and kernel support");
        }

        GsoSender() throws InterruptedException {
            channel = new io.netty.bootstrap.Bootstrap().group(group)
                    .channel(io.netty.channel.epoll.EpollDatagramChannel.class)
                    .handler(new io.netty.channel.ChannelInboundHandlerAdapter())
                    .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
        }

        /** Sends datagram {@code n}'s fragments but fragment {@code skip} (-1: none) as one GSO message. */
        void send(byte[] packet, List<TestPackets.Frag> frags, int n, int skip, InetSocketAddress to)
                throws InterruptedException {
            io.netty.buffer.CompositeByteBuf message = channel.alloc().compositeDirectBuffer();
            for (int i = 0; i < frags.size(); i++) {
                if (i != skip) {
                    message.addComponent(true, TestPackets.fragment(channel.alloc(), packet, frags.get(i), n));
                }
            }
            channel.writeAndFlush(new io.netty.channel.unix.SegmentedDatagramPacket(message, frags.get(0).length + 48,
                    to)).sync();
        }

        @Override
        public void close() throws InterruptedException {
            channel.close().sync();
            group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).sync();
        }
    }

    /**
     * GSO into an ingress with UDP_GRO and recvmmsg both on: every datagram's fragments are one GSO message, and all
     * of them are queued in the socket before the ingress reads, so one recvmmsg call returns several GRO runs. Whatever
     * shape Netty hands them over in (see {@code NettyEpollGroDefectTest}), every datagram arrives byte-exact and
     * nothing is trimmed as padding.
     */
    @ParameterizedTest(name = "ring={0}")
    @CsvSource({"false", "true"})
    void groWithRecvmmsgDeliversEveryRunOfSeveralQueuedGsoMessages(boolean ring) throws Exception {
        GsoSender.assumeSupported();
        byte[] expected = TestPackets.payload(8000);
        Sink sink = new Sink(expected);
        byte[] packet = TestPackets.udp6(expected);
        List<TestPackets.Frag> frags = TestPackets.split(packet.length - 40, 1232);
        NetfragIngress.Builder builder = NetfragIngress.builder().bind(new InetSocketAddress("127.0.0.1", 0))
                .policy(CoalescePolicy.ADAPTIVE).udpGro(true).maxDatagramPayloadSize(NetfragIngress.GRO_BUFFER_SIZE)
                .receiveBufferBytes(4 << 20).userHandlers(() -> new ChannelHandler[] {sink});
        if (ring) {
            builder.ring(8, 4 * NetfragIngress.GRO_BUFFER_SIZE);
        }
        int datagrams = 24;
        try (NetfragIngress ingress = builder.start(); GsoSender sender = new GsoSender()) {
            ingress.channels().get(0).config().setAutoRead(false);
            for (int n = 0; n < datagrams; n++) {
                sender.send(packet, frags, n, -1, ingress.localAddress());
            }
            ingress.channels().get(0).config().setAutoRead(true);
            awaitQuiet(sink.exact);
            io.netfrag.stats.CounterSnapshot stats = ingress.stats();
            assertEquals(datagrams, sink.exact.get(), stats.toString());
            assertEquals(0, sink.wrong.get());
            assertEquals(datagrams * frags.size(), stats.get(MibCounter.IN_RECEIVES), stats.toString());
            assertEquals(0, stats.get(MibCounter.IN_TRAILING_PKTS), stats.toString());
            assertEquals(0, stats.get(MibCounter.IN_HDR_ERRORS) + stats.get(MibCounter.REASM_FAILS), stats.toString());
            assertEquals(0, ingress.handlerSets().get(0).pinnedBytes());
        }
    }

    @Test
    void recvmmsgBatchesIntoRingSlotsAreCopiedByAdaptive() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(io.netty.channel.epoll.Epoll.isAvailable(),
                "recvmmsg needs the native epoll transport");
        byte[] expected = TestPackets.payload(8000);
        Sink sink = new Sink(expected);
        try (NetfragIngress ingress = NetfragIngress.builder().bind(new InetSocketAddress("127.0.0.1", 0))
                .policy(CoalescePolicy.ADAPTIVE).maxDatagramPayloadSize(2048).ring(8, 32 * 2048)
                .receiveBufferBytes(4 << 20).userHandlers(() -> new ChannelHandler[] {sink}).start()) {
            int completable = blast(ingress.localAddress(), 200, 5);
            awaitQuiet(sink.exact);
            assertEquals(completable, sink.exact.get());
            assertEquals(0, sink.wrong.get());
            // fragments are slices of 64 KiB batch slots: ADAPTIVE copies them, so the stalled datagrams (every 5th
            // lost a fragment) hold no slot and the ring never runs dry
            assertEquals(0, ingress.ringExhaustions());
            assertEquals(0, ingress.handlerSets().get(0).ipv6.heldBuffers());
        }
    }

    @Test
    void withoutCoalescingLostFragmentsStarveTheRingAndWithCopyTheyDoNot() throws Exception {
        byte[] expected = TestPackets.payload(8000);
        long[] exhaustions = new long[2];
        int[] delivered = new int[2];
        int completable = 0;
        CoalescePolicy[] policies = {CoalescePolicy.NONE, CoalescePolicy.COPY};
        for (int p = 0; p < 2; p++) {
            Sink sink = new Sink(expected);
            try (NetfragIngress ingress = NetfragIngress.builder().bind(new InetSocketAddress("127.0.0.1", 0))
                    .policy(policies[p]).ring(16, 2048).receiveBufferBytes(256 << 10)
                    .userHandlers(() -> new ChannelHandler[] {sink}).start()) {
                completable = blast(ingress.localAddress(), 300, 3);
                awaitQuiet(sink.exact);
                exhaustions[p] = ingress.ringExhaustions();
                delivered[p] = sink.exact.get();
                assertEquals(0, sink.wrong.get());
            }
        }
        // NONE: each lost fragment leaves 6 fragments pinning 6 of the 16 receive buffers for 60 s: the ring runs dry
        assertTrue(exhaustions[0] > 0, "NONE never exhausted the ring");
        assertTrue(delivered[0] < completable / 4, "NONE delivered " + delivered[0] + " of " + completable);
        // COPY: every buffer comes back at once
        assertEquals(0, exhaustions[1], "COPY exhausted the ring");
        assertEquals(completable, delivered[1]);
    }
}
