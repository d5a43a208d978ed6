package io.netfrag.channel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netfrag.ReceivePath;
import io.netfrag.esp.SaDatabase;
import io.netfrag.reassembly.CoalescePolicy;
import io.netfrag.stats.DropReason;
import io.netfrag.stats.MibCounter;
import io.netfrag.testing.Feature;
import io.netfrag.testing.LoopbackBooks;
import io.netfrag.testing.Requires;
import io.netfrag.testing.TestPackets;
import io.netfrag.testkit.Payloads;
import io.netfrag.testkit.TrafficGenerator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * One tunnel over N event loops: the steering program spreads one outer flow's packets over the reuseport group by
 * the inner packet, every fragment of a datagram lands on one loop, and the Java mirror of the program predicts the
 * kernel's choice exactly.
 */
class InnerPacketSteeringTest {
    private static final String GCM_TUNNEL = "src fc00:1::1 dst fc00:2::1 proto esp spi 0x1001 mode tunnel"
            + " replay-window 4096 aead 'rfc4106(gcm(aes))' 0x0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c 128";

    /** Records, per delivered datagram, the loop it reached; checks every byte. */
    @ChannelHandler.Sharable
    private static final class Sink extends SimpleChannelInboundHandler<DatagramPacket> {
        final Map<Long, Channel> deliveredOn = new ConcurrentHashMap<>();
        final AtomicInteger wrong = new AtomicInteger();
        final AtomicInteger twice = new AtomicInteger();

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket d) {
            if (!Payloads.verify(d.content(), 0)) {
                wrong.incrementAndGet();
                return;
            }
            if (deliveredOn.put(Payloads.index(d.content()), ctx.channel()) != null) {
                twice.incrementAndGet();
            }
        }
    }

    @Test
    void programMatchesItsJavaMirrorOnHandPickedPackets() {
        int[][] program = InnerPacketSteering.program(4);
        assertTrue(program.length <= 64, "a short program: " + program.length);
        for (int[] insn : program) {
            assertTrue(insn[1] >= 0 && insn[1] <= 255 && insn[2] >= 0 && insn[2] <= 255);
        }
        ByteBuf v4 = Unpooled.wrappedBuffer(TestPackets.udp4(0x0a000001, 0x0a000002, 1, 2, new byte[30], true));
        ByteBuf other = Unpooled.wrappedBuffer(new byte[] {0x10, 0, 0, 0});
        ByteBuf shortV6 = Unpooled.wrappedBuffer(new byte[] {0x60, 0, 0, 0});
        assertTrue(InnerPacketSteering.socketIndex(v4, 4) >= 0 && InnerPacketSteering.socketIndex(v4, 4) < 4);
        assertEquals(-1, InnerPacketSteering.socketIndex(other, 4), "not IP: the kernel's hash decides");
        assertEquals(0, InnerPacketSteering.socketIndex(shortV6, 4), "a load past the end ends the program with 0");
    }

    /**
     * Random traffic of one tunnel (one sending socket: one outer 4-tuple) with many inner flows, IPv6 and IPv4, sizes
     * from one to 44 fragments, over 2 and 4 loops: every datagram delivered byte-exact exactly once, on the loop the
     * Java mirror predicts from any of its fragments, each loop's share near 1/N, and no fragment queue left behind (a
     * datagram split across loops would leave a partial queue on each).
     */
    @ParameterizedTest(name = "loops={0} esp={1}")
    @CsvSource({"2, false", "4, false", "2, true", "4, true"})
    @Requires(Feature.EPOLL)
    void oneTunnelSpreadsOverEveryLoopAndNoDatagramIsSplit(int loops, boolean esp) throws Exception {
        spread(loops, esp, NetfragIngress.Transport.EPOLL);
    }

    /** The same on io_uring: the program is a socket option, the transport only reads. */
    @ParameterizedTest(name = "loops={0} esp={1}")
    @CsvSource({"2, false", "4, true"})
    @Requires(Feature.IO_URING)
    void oneTunnelSpreadsOverEveryIoUringLoop(int loops, boolean esp) throws Exception {
        spread(loops, esp, NetfragIngress.Transport.IO_URING);
    }

    private static void spread(int loops, boolean esp, NetfragIngress.Transport transport) throws Exception {
        Sink sink = new Sink();
        SaDatabase sas = esp ? SaDatabase.of(GCM_TUNNEL) : new SaDatabase();
        ReceivePath path = ReceivePath.builder().policy(CoalescePolicy.COPY).sas(sas).build();
        try (NetfragIngress ingress = NetfragIngress.builder().bind(new InetSocketAddress("127.0.0.1", 0))
                .receivePath(path).channels(loops).receiveBufferBytes(4 << 20).transport(transport)
                .userHandlers(() -> new ChannelHandler[] {sink}).start()) {
            assertEquals(transport, ingress.transport());
            assertTrue(ingress.innerPacketSteering(), "the steering program is attached");
            for (Channel c : ingress.channels()) {
                assertEquals(ingress.localAddress(), c.localAddress(), "port 0: every channel joins the first's port");
            }
            List<TrafficGenerator> flows = flows(esp);
            Random rnd = new Random(loops * 31L + (esp ? 1 : 0));
            int datagrams = 600;
            long[] expectedPerLoop = new long[loops];
            Map<Long, Integer> expectedLoop = new ConcurrentHashMap<>();
            long fragments = 0;
            LoopbackBooks books = new LoopbackBooks();
            try (DatagramSocket socket = new DatagramSocket()) {
                for (int n = 0; n < datagrams; n++) {
                    TrafficGenerator flow = flows.get(rnd.nextInt(flows.size()));
                    long index = flow.nextIndex();
                    List<ByteBuf> pieces = new ArrayList<>();
                    flow.next(8 + rnd.nextInt(esp ? 60000 : 63000), pieces::add);
                    int loop = InnerPacketSteering.socketIndex(pieces.get(0), loops);
                    for (ByteBuf piece : pieces) {
                        assertEquals(loop, InnerPacketSteering.socketIndex(piece, loops), "fragments hash together");
                        byte[] b = TestPackets.bytes(piece);
                        piece.release();
                        socket.send(new java.net.DatagramPacket(b, b.length, ingress.localAddress()));
                    }
                    fragments += pieces.size();
                    expectedLoop.put(index, loop);
                    expectedPerLoop[loop]++;
                    if (n % 4 == 3) {
                        Thread.sleep(1);
                    }
                }
            }
            final long sent = fragments;
            books.settle(sent, 1, () -> ingress.stats().get(MibCounter.IN_RECEIVES), () -> sink.deliveredOn.size());
            String state = books.describe(sent, ingress.stats().get(MibCounter.IN_RECEIVES), sink.deliveredOn.size())
                    + "; expected per loop " + java.util.Arrays.toString(expectedPerLoop) + "; " + ingress.stats();
            assertEquals(0, sink.wrong.get(), state);
            assertEquals(0, sink.twice.get(), state);
            long kernelDrops = books.kernelDrops();
            assertTrue(sink.deliveredOn.size() >= datagrams - kernelDrops, state);
            long[][] picked = new long[loops][loops]; // [predicted][actual]
            for (Map.Entry<Long, Channel> e : sink.deliveredOn.entrySet()) {
                picked[expectedLoop.get(e.getKey())][ingress.channels().indexOf(e.getValue())]++;
            }
            for (int p = 0; p < loops; p++) {
                for (int q = 0; q < loops; q++) {
                    if (p != q) {
                        assertEquals(0, picked[p][q], "datagrams on the loop the program picks, [predicted][actual] "
                                + java.util.Arrays.deepToString(picked) + "; " + state);
                    }
                }
            }
            for (int i = 0; i < loops; i++) {
                assertTrue(expectedPerLoop[i] > datagrams / loops / 2, "the hash spreads: " + state);
                ReceivePath.Handlers h = ingress.handlerSets().get(i);
                assertTrue(h.stats().get(MibCounter.UDP_IN_DATAGRAMS) > 0, "loop " + i + " delivered; " + state);
                if (kernelDrops == 0) {
                    assertEquals(0, h.pinnedBytes(), "no partial datagram left on loop " + i + "; " + state);
                }
            }
            if (esp) {
                // one SA decrypted on every loop, one window: no packet refused as a replay (reordering across loops on
                // loopback stays far inside a 4096-packet window)
                assertEquals(0, ingress.stats().drops(DropReason.ESP_REPLAY), state);
                assertEquals(sink.deliveredOn.size(), ingress.stats().get(MibCounter.ESP_IN_DECRYPTED), state);
            }
        }
    }

    @Test
    @Requires(Feature.EPOLL)
    void withoutSteeringOneTunnelStaysOnOneLoop() throws Exception {
        try (NetfragIngress ingress = NetfragIngress.builder().bind(new InetSocketAddress("127.0.0.1", 0))
                .channels(2).innerPacketSteering(false).start()) {
            assertTrue(!ingress.innerPacketSteering());
        }
        try (NetfragIngress one = NetfragIngress.builder().bind(new InetSocketAddress("127.0.0.1", 0)).start()) {
            assertTrue(!one.innerPacketSteering(), "one channel needs no program");
        }
    }

    /**
     * The inner flows of one tunnel: with ESP one SA (one sender's sequence numbers) whose ESP packets are fragmented
     * (steered by the SA's addresses and each packet's fragment identification); without, eight flows, four IPv6 and
     * four IPv4.
     */
    private static List<TrafficGenerator> flows(boolean esp) throws Exception {
        List<TrafficGenerator> flows = new ArrayList<>();
        if (esp) {
            flows.add(TrafficGenerator.builder().mtu(1500).addresses(InetAddress.getByName("fd00:1::1"),
                    InetAddress.getByName("fd00:99::1")).sa(GCM_TUNNEL).build());
            return flows;
        }
        long firstIndex = 0;
        for (int i = 0; i < 8; i++) {
            TrafficGenerator.Builder b = TrafficGenerator.builder().firstIndex(firstIndex).mtu(1500)
                    .ports(40000 + i, 5000);
            if (i < 4) {
                b.addresses(InetAddress.getByName("fc00:1::" + (i + 1)), InetAddress.getByName("fc00:2::1"));
            } else {
                b.addresses(InetAddress.getByName("10.1.0." + i), InetAddress.getByName("10.2.0.1"));
            }
            flows.add(b.build());
            firstIndex += 1_000_000;
        }
        return flows;
    }
}
