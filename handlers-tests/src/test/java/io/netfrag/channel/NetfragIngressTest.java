package io.netfrag.channel;

import io.netfrag.testkit.Fragmenter;
import io.netfrag.testkit.Fragmenter.Piece;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netfrag.ReceivePath;
import io.netfrag.reassembly.CoalescePolicy;
import io.netfrag.stats.MibCounter;
import io.netfrag.testing.Feature;
import io.netfrag.testing.LoopbackBooks;
import io.netfrag.testing.Requires;
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

    /** What a test sent: datagrams whose fragments all left, and fragments. */
    private record Sent(int completable, int fragments) {
    }

    /**
     * Sends {@code datagrams} 8000-byte IPv6 datagrams in 1232-byte fragments; every {@code lossEvery}-th datagram
     * loses its second fragment (0 = no loss). Paced lightly; the kernel may still drop at the socket on a loaded
     * machine, which the books account for.
     */
    private static Sent blast(InetSocketAddress to, int datagrams, int lossEvery) throws Exception {
        byte[] packet = TestPackets.udp6(TestPackets.payload(8000));
        List<Piece> frags = Fragmenter.pieces(packet.length - 40, 1232);
        int completable = 0;
        int fragments = 0;
        try (DatagramSocket socket = new DatagramSocket()) {
            for (int n = 0; n < datagrams; n++) {
                boolean lose = lossEvery > 0 && n % lossEvery == 0;
                completable += lose ? 0 : 1;
                for (int i = 0; i < frags.size(); i++) {
                    if (lose && i == 1) {
                        continue;
                    }
                    send(socket, to, TestPackets.fragment(UnpooledByteBufAllocator.DEFAULT, packet, frags.get(i), n));
                    fragments++;
                }
                if (n % 8 == 7) {
                    Thread.sleep(1);
                }
            }
        }
        return new Sent(completable, fragments);
    }

    /**
     * Waits until every fragment sent reached the ingress or was dropped by the kernel, then checks the books: no
     * wrong byte, and every completable datagram delivered unless the kernel dropped one of its packets.
     *
     * @param packetsPerDrop fragments one kernel drop can take (a whole GSO message when the ingress reads with GRO)
     */
    private static void assertBooks(LoopbackBooks books, Sent sent, long packetsPerDrop, NetfragIngress ingress,
            Sink sink) throws InterruptedException {
        boolean balanced = books.settle(sent.fragments(), packetsPerDrop,
                () -> ingress.stats().get(MibCounter.IN_RECEIVES), sink.exact::get);
        long received = ingress.stats().get(MibCounter.IN_RECEIVES);
        long delivered = sink.exact.get();
        long drops = books.kernelDrops();
        String books1 = books.describe(sent.fragments(), received, delivered) + " of " + sent.completable()
                + " completable; " + ingress.stats();
        assertTrue(balanced, "fragments unaccounted for: " + books1);
        assertEquals(0, sink.wrong.get(), books1);
        assertEquals(delivered, ingress.stats().get(MibCounter.UDP_IN_DATAGRAMS), books1);
        assertTrue(delivered <= sent.completable() && sent.completable() - delivered <= drops, books1);
        assertTrue(received <= sent.fragments(), books1);
    }

    @ParameterizedTest(name = "nio={0}")
    @CsvSource({"false", "true"})
    void deliversByteExactOverRealSockets(boolean nio) throws Exception {
        byte[] expected = TestPackets.payload(8000);
        Sink sink = new Sink(expected);
        try (NetfragIngress ingress = NetfragIngress.builder().bind(new InetSocketAddress("127.0.0.1", 0))
                .receivePath(ReceivePath.builder().policy(CoalescePolicy.ADAPTIVE).build()).transport(nio ? NetfragIngress.Transport.NIO : NetfragIngress.Transport.AUTO).receiveBufferBytes(4 << 20)
                .userHandlers(() -> new ChannelHandler[] {sink}).start()) {
            assertEquals(!nio && io.netty.channel.epoll.Epoll.isAvailable(), ingress.transport() == NetfragIngress.Transport.EPOLL);
            LoopbackBooks books = new LoopbackBooks();
            assertBooks(books, blast(ingress.localAddress(), 200, 0), 1, ingress, sink);
        }
    }

    @Test
    @Requires(Feature.EPOLL) // SO_REUSEPORT fan-out
    void reusePortFansOutOverSeveralChannelsEachWithItsOwnHandlers() throws Exception {
        byte[] expected = TestPackets.payload(8000);
        Sink sink = new Sink(expected);
        int port;
        try (java.net.DatagramSocket probe = new java.net.DatagramSocket(0, java.net.InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        try (NetfragIngress ingress = NetfragIngress.builder().bind(new InetSocketAddress("127.0.0.1", port))
                .receivePath(ReceivePath.builder().policy(CoalescePolicy.COPY).build()).channels(2).innerPacketSteering(false).udpGro(true).receiveBufferBytes(4 << 20)
                .userHandlers(() -> new ChannelHandler[] {sink}).start()) {
            assertEquals(2, ingress.channels().size());
            assertEquals(2, ingress.handlerSets().size());
            assertTrue(ingress.handlerSets().get(0) != ingress.handlerSets().get(1));
            // one sending socket = one 4-tuple: the kernel hashes it to one of the sockets, so fragments stay together
            LoopbackBooks books = new LoopbackBooks();
            assertBooks(books, blast(ingress.localAddress(), 100, 0), 1, ingress, sink);
            assertTrue(ingress.handlerSets().stream().anyMatch(h -> h.stats().get(MibCounter.IN_RECEIVES) == 0),
                    "both channels received fragments: " + ingress.stats());
        }
    }

    /**
     * io_uring runs the same handlers with the same bounded ring: one recvmsg per slot, and with batching several
     * recvmsg submitted into one slot's datagram-sized parts.
     */
    @ParameterizedTest(name = "batch={0}")
    @CsvSource({"0", "2048"})
    @Requires(Feature.IO_URING)
    void ioUringReadsIntoTheBoundedRing(int batch) throws Exception {
        byte[] expected = TestPackets.payload(8000);
        Sink sink = new Sink(expected);
        try (NetfragIngress ingress = NetfragIngress.builder().bind(new InetSocketAddress("127.0.0.1", 0))
                .receivePath(ReceivePath.builder().policy(CoalescePolicy.COPY).build())
                .transport(NetfragIngress.Transport.IO_URING).maxDatagramPayloadSize(batch)
                .ring(64, batch == 0 ? 2048 : 16 * batch).receiveBufferBytes(4 << 20)
                .userHandlers(() -> new ChannelHandler[] {sink}).start()) {
            assertEquals(NetfragIngress.Transport.IO_URING, ingress.transport());
            LoopbackBooks books = new LoopbackBooks();
            assertBooks(books, blast(ingress.localAddress(), 200, 5), 1, ingress, sink);
            assertEquals(0, ingress.handlerSets().get(0).ipv6().heldBuffers(), "COPY holds no slot");
        }
    }

    @Test
    void anUnavailableTransportFallsBackToTheNextOne() {
        Throwable cause = new UnsupportedOperationException("test: not here");
        assertEquals(NetfragIngress.Transport.EPOLL,
                NetfragIngress.resolve(NetfragIngress.Transport.IO_URING, true, null, false, cause));
        assertEquals(NetfragIngress.Transport.NIO,
                NetfragIngress.resolve(NetfragIngress.Transport.IO_URING, false, cause, false, cause));
        assertEquals(NetfragIngress.Transport.NIO,
                NetfragIngress.resolve(NetfragIngress.Transport.EPOLL, false, cause, true, null));
        assertEquals(NetfragIngress.Transport.NIO,
                NetfragIngress.resolve(NetfragIngress.Transport.AUTO, false, cause, true, null));
        assertEquals(NetfragIngress.Transport.EPOLL,
                NetfragIngress.resolve(NetfragIngress.Transport.AUTO, true, null, true, null));
        assertEquals(NetfragIngress.Transport.IO_URING,
                NetfragIngress.resolve(NetfragIngress.Transport.IO_URING, true, null, true, null));
        assertEquals(NetfragIngress.Transport.NIO,
                NetfragIngress.resolve(NetfragIngress.Transport.NIO, true, null, true, null));
    }

    @Test
    void groOnIoUringIsRefusedWithTheReason() {
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> NetfragIngress.builder().bind(new InetSocketAddress("127.0.0.1", 0)).udpGro(true)
                        .transport(NetfragIngress.Transport.IO_URING).start());
        assertTrue(e.getMessage().contains("io_uring") && e.getMessage().contains("epoll"), e.getMessage());
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
    @Requires(Feature.GSO)
    void groReadsOfGsoMessagesAreSplitIntoFragmentsAndReassembled() throws Exception {
        byte[] expected = TestPackets.payload(8000);
        Sink sink = new Sink(expected);
        byte[] packet = TestPackets.udp6(expected);
        List<Piece> frags = Fragmenter.pieces(packet.length - 40, 1232);
        try (NetfragIngress ingress = NetfragIngress.builder().bind(new InetSocketAddress("127.0.0.1", 0))
                .receivePath(ReceivePath.builder().policy(CoalescePolicy.ADAPTIVE).build()).udpGro(true).ring(4, NetfragIngress.GRO_BUFFER_SIZE)
                .receiveBufferBytes(4 << 20).userHandlers(() -> new ChannelHandler[] {sink}).start();
                GsoSender sender = new GsoSender()) {
            LoopbackBooks books = new LoopbackBooks();
            int completable = 0;
            int fragments = 0;
            for (int n = 0; n < 100; n++) {
                boolean lose = n % 4 == 0;
                completable += lose ? 0 : 1;
                fragments += frags.size() - (lose ? 1 : 0);
                sender.send(packet, frags, n, lose ? 1 : -1, ingress.localAddress());
                if (n % 8 == 7) {
                    Thread.sleep(1);
                }
            }
            assertBooks(books, new Sent(completable, fragments), frags.size(), ingress, sink);
            assertEquals(0, ingress.ringExhaustions());
            assertEquals(0, ingress.handlerSets().get(0).ipv6().heldBuffers(), "slices of 64 KiB slots are copied");
        }
    }

    /** Sends each datagram's fragments as one UDP GSO message (epoll), as the {@code stream} client does. */
    private static final class GsoSender implements AutoCloseable {
        private final io.netty.channel.EventLoopGroup group = new io.netty.channel.MultiThreadIoEventLoopGroup(1,
                io.netty.channel.epoll.EpollIoHandler.newFactory());
        private final io.netty.channel.Channel channel;

        GsoSender() throws InterruptedException {
            channel = new io.netty.bootstrap.Bootstrap().group(group)
                    .channel(io.netty.channel.epoll.EpollDatagramChannel.class)
                    .handler(new io.netty.channel.ChannelInboundHandlerAdapter())
                    .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
        }

        /** Sends datagram {@code n}'s fragments but fragment {@code skip} (-1: none) as one GSO message. */
        void send(byte[] packet, List<Piece> frags, int n, int skip, InetSocketAddress to)
                throws InterruptedException {
            io.netty.buffer.CompositeByteBuf message = channel.alloc().compositeDirectBuffer();
            for (int i = 0; i < frags.size(); i++) {
                if (i != skip) {
                    message.addComponent(true, TestPackets.fragment(channel.alloc(), packet, frags.get(i), n));
                }
            }
            channel.writeAndFlush(new io.netty.channel.unix.SegmentedDatagramPacket(message, frags.get(0).length() + 48,
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
    @Requires(Feature.GSO)
    void groWithRecvmmsgDeliversEveryRunOfSeveralQueuedGsoMessages(boolean ring) throws Exception {
        byte[] expected = TestPackets.payload(8000);
        Sink sink = new Sink(expected);
        byte[] packet = TestPackets.udp6(expected);
        List<Piece> frags = Fragmenter.pieces(packet.length - 40, 1232);
        NetfragIngress.Builder builder = NetfragIngress.builder().bind(new InetSocketAddress("127.0.0.1", 0))
                .receivePath(ReceivePath.builder().policy(CoalescePolicy.ADAPTIVE).build()).udpGro(true).maxDatagramPayloadSize(NetfragIngress.GRO_BUFFER_SIZE)
                .receiveBufferBytes(4 << 20).userHandlers(() -> new ChannelHandler[] {sink});
        if (ring) {
            builder.ring(8, 4 * NetfragIngress.GRO_BUFFER_SIZE);
        }
        int datagrams = 24;
        try (NetfragIngress ingress = builder.start(); GsoSender sender = new GsoSender()) {
            ingress.channels().get(0).config().setAutoRead(false);
            LoopbackBooks books = new LoopbackBooks();
            for (int n = 0; n < datagrams; n++) {
                sender.send(packet, frags, n, -1, ingress.localAddress());
            }
            ingress.channels().get(0).config().setAutoRead(true);
            assertBooks(books, new Sent(datagrams, datagrams * frags.size()), frags.size(), ingress, sink);
            io.netfrag.stats.CounterSnapshot stats = ingress.stats();
            assertEquals(0, stats.get(MibCounter.IN_TRAILING_PKTS), stats.toString());
            assertEquals(0, stats.get(MibCounter.IN_HDR_ERRORS) + stats.get(MibCounter.REASM_FAILS), stats.toString());
            assertEquals(0, ingress.handlerSets().get(0).pinnedBytes());
        }
    }

    @Test
    @Requires(Feature.EPOLL) // recvmmsg
    void recvmmsgBatchesIntoRingSlotsAreCopiedByAdaptive() throws Exception {
        byte[] expected = TestPackets.payload(8000);
        Sink sink = new Sink(expected);
        try (NetfragIngress ingress = NetfragIngress.builder().bind(new InetSocketAddress("127.0.0.1", 0))
                .receivePath(ReceivePath.builder().policy(CoalescePolicy.ADAPTIVE).build()).maxDatagramPayloadSize(2048).ring(8, 32 * 2048)
                .receiveBufferBytes(4 << 20).userHandlers(() -> new ChannelHandler[] {sink}).start()) {
            LoopbackBooks books = new LoopbackBooks();
            assertBooks(books, blast(ingress.localAddress(), 200, 5), 1, ingress, sink);
            // fragments are slices of 64 KiB batch slots: ADAPTIVE copies them, so the stalled datagrams (every 5th
            // lost a fragment) hold no slot and the ring never runs dry
            assertEquals(0, ingress.ringExhaustions());
            assertEquals(0, ingress.handlerSets().get(0).ipv6().heldBuffers());
        }
    }

    @Test
    void withoutCoalescingLostFragmentsStarveTheRingAndWithCopyTheyDoNot() throws Exception {
        byte[] expected = TestPackets.payload(8000);
        Sink none = new Sink(expected);
        try (NetfragIngress ingress = NetfragIngress.builder().bind(new InetSocketAddress("127.0.0.1", 0))
                .receivePath(ReceivePath.builder().policy(CoalescePolicy.NONE).build()).ring(16, 2048).receiveBufferBytes(256 << 10)
                .userHandlers(() -> new ChannelHandler[] {none}).start()) {
            LoopbackBooks books = new LoopbackBooks();
            Sent sent = blast(ingress.localAddress(), 300, 3);
            // the ring runs dry and reading stops: what stays in the socket buffer never arrives, so settle on quiet
            books.settle(sent.fragments(), 1, () -> ingress.stats().get(MibCounter.IN_RECEIVES), none.exact::get);
            // each lost fragment leaves 6 fragments pinning 6 of the 16 receive buffers for 60 s: the ring runs dry
            assertTrue(ingress.ringExhaustions() > 0, "NONE never exhausted the ring");
            assertTrue(none.exact.get() < sent.completable() / 4, "NONE delivered " + none.exact.get() + " of "
                    + sent.completable());
            assertEquals(0, none.wrong.get());
        }
        Sink copy = new Sink(expected);
        try (NetfragIngress ingress = NetfragIngress.builder().bind(new InetSocketAddress("127.0.0.1", 0))
                .receivePath(ReceivePath.builder().policy(CoalescePolicy.COPY).build()).ring(16, 2048).receiveBufferBytes(256 << 10)
                .userHandlers(() -> new ChannelHandler[] {copy}).start()) {
            LoopbackBooks books = new LoopbackBooks();
            assertBooks(books, blast(ingress.localAddress(), 300, 3), 1, ingress, copy);
            // every buffer comes back at once
            assertEquals(0, ingress.ringExhaustions(), "COPY exhausted the ring");
        }
    }
}
