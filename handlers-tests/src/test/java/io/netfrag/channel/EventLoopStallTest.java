package io.netfrag.channel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netfrag.ReceivePath;
import io.netfrag.reassembly.CoalescePolicy;
import io.netfrag.reassembly.ReassemblyLimits;
import io.netfrag.stats.MibCounter;
import io.netfrag.testing.LoopbackBooks;
import io.netfrag.testing.TestPackets;
import io.netfrag.testkit.Fragmenter;
import io.netfrag.testkit.Fragmenter.Piece;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A slow handler downstream of the receive path stalls the event loop for 50–500 ms at random while traffic keeps
 * coming: memory stays within the reassembly limits and the ring, what cannot be taken in is dropped and counted (by
 * the kernel at the socket, by netfrag's evictions), and once the stalls are over the path takes traffic in again:
 * every datagram sent after the last stall is delivered byte-exact unless the kernel's books explain its loss.
 */
class EventLoopStallTest {

    /** Delivers to a counter; blocks the event loop on the first {@code stalls} deliveries of every hundred. */
    @ChannelHandler.Sharable
    private static final class StallingSink extends SimpleChannelInboundHandler<DatagramPacket> {
        final AtomicInteger exact = new AtomicInteger();
        final AtomicInteger wrong = new AtomicInteger();
        final AtomicInteger stalls = new AtomicInteger();
        final AtomicLong stalledNanos = new AtomicLong();
        final Random rnd = new Random(3);
        final byte[] expected;
        volatile boolean stalling = true;

        StallingSink(byte[] expected) {
            this.expected = expected;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket d) throws InterruptedException {
            (Arrays.equals(expected, TestPackets.bytes(d.content())) ? exact : wrong).incrementAndGet();
            if (stalling && exact.get() % 25 == 1) {
                long ms = 50 + rnd.nextInt(451);
                stalls.incrementAndGet();
                stalledNanos.addAndGet(ms * 1_000_000);
                Thread.sleep(ms); // a handler doing blocking work on the event loop
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = CoalescePolicy.class, names = {"COPY", "ADAPTIVE", "NONE"})
    void theReceivePathResumesAfterEachStall(CoalescePolicy policy) throws Exception {
        byte[] payload = TestPackets.payload(8000);
        byte[] packet = TestPackets.udp6(payload);
        List<Piece> pieces = Fragmenter.pieces(packet.length - 40, 1232);
        StallingSink sink = new StallingSink(payload);
        ReassemblyLimits limits = ReassemblyLimits.defaults(java.time.Duration.ofSeconds(2))
                .withThresholds(256 * 1024, 192 * 1024);
        ReceivePath path = ReceivePath.builder().policy(policy).ipv6Limits(limits).build();
        try (NetfragIngress ingress = NetfragIngress.builder().bind(new InetSocketAddress("127.0.0.1", 0))
                .receivePath(path).ring(64, 2048).receiveBufferBytes(256 * 1024)
                .userHandlers(() -> new ChannelHandler[] {sink}).start();
                DatagramSocket socket = new DatagramSocket()) {
            int id = 0;
            LoopbackBooks phase1 = new LoopbackBooks();
            // phase 1: traffic while the handler stalls (~4 stalls of 50-500 ms)
            long sentPhase1 = 0;
            while (sink.stalls.get() < 4) {
                sentPhase1 += send(socket, ingress.localAddress(), packet, pieces, id++);
                if (id % 4 == 0) {
                    Thread.sleep(1);
                }
                assertTrue(id < 2_000_000, "the handler never stalled");
            }
            sink.stalling = false;
            Thread.sleep(600); // the last stall ends
            long phase1KernelDrops = phase1.kernelDrops();
            long phase1NetfragDrops = ingress.stats().totalDrops();
            assertTrue(phase1KernelDrops + phase1NetfragDrops + ingress.ringExhaustions() > 0,
                    "the stalls cost traffic, dropped and counted somewhere");
            long peak = ingress.handlerSets().get(0).peakPinnedBytes();
            assertTrue(peak <= limits.highThresholdBytes() + 65_536 + 2048,
                    "pinned bytes within the high threshold plus one datagram: " + peak);
            // phase 2: after the stalls, paced traffic must all get through (or be explained by the kernel)
            int exactBefore = sink.exact.get();
            LoopbackBooks books = new LoopbackBooks();
            long receivedBefore = ingress.stats().get(MibCounter.IN_RECEIVES);
            int datagrams = 200;
            long fragments = 0;
            for (int n = 0; n < datagrams; n++) {
                fragments += send(socket, ingress.localAddress(), packet, pieces, id++);
                if (n % 8 == 7) {
                    Thread.sleep(1);
                }
            }
            final long sent = fragments;
            assertTrue(books.settle(sent, 1, () -> ingress.stats().get(MibCounter.IN_RECEIVES) - receivedBefore,
                    () -> sink.exact.get()), "phase 2 fragments unaccounted for");
            long delivered = sink.exact.get() - exactBefore;
            String state = "phase 1: " + sentPhase1 + " fragments, " + sink.stalls.get() + " stalls ("
                    + sink.stalledNanos.get() / 1_000_000 + " ms), kernel drops " + phase1KernelDrops
                    + ", netfrag drops " + phase1NetfragDrops + ", ring dry " + ingress.ringExhaustions()
                    + "; phase 2: " + books.describe(sent, ingress.stats().get(MibCounter.IN_RECEIVES)
                    - receivedBefore, delivered) + "; " + ingress.stats();
            assertEquals(0, sink.wrong.get(), state);
            assertTrue(datagrams - delivered <= books.kernelDrops(), "every phase-2 datagram delivered: " + state);
            assertTrue(ingress.handlerSets().get(0).peakPinnedBytes() <= limits.highThresholdBytes() + 65_536 + 2048,
                    state);
            System.out.println("event-loop stalls, " + policy + ": " + state);
        }
    }

    private static int send(DatagramSocket socket, InetSocketAddress to, byte[] packet, List<Piece> pieces, int id)
            throws java.io.IOException {
        for (Piece p : pieces) {
            io.netty.buffer.ByteBuf f = Fragmenter.cut(UnpooledByteBufAllocator.DEFAULT, packet, p, id);
            byte[] b = TestPackets.bytes(f);
            f.release();
            socket.send(new java.net.DatagramPacket(b, b.length, to));
        }
        return pieces.size();
    }
}
