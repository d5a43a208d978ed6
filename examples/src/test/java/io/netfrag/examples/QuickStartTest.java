package io.netfrag.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netfrag.esp.XfrmStateParser;
import io.netfrag.testing.LoopbackBooks;
import io.netfrag.testkit.Payloads;
import io.netfrag.testkit.TrafficGenerator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramPacket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The README's quick start, fed by the {@code stream} client's sender with the quick start's SA: it delivers. */
class QuickStartTest {

    @Test
    void theQuickStartPipelineDeliversWhatTheStreamClientSends() throws Exception {
        long seed = 9;
        AtomicLong exact = new AtomicLong();
        AtomicLong wrong = new AtomicLong();
        AtomicLong contiguous = new AtomicLong();
        ChannelHandler check = new SimpleChannelInboundHandler<DatagramPacket>() {
            @Override
            protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket d) {
                (Payloads.verify(d.content(), seed) ? exact : wrong).incrementAndGet();
                if (d.content().nioBufferCount() == 1) {
                    contiguous.incrementAndGet(); // COPY, as the README says: one contiguous buffer
                }
            }
        };
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            Channel ch = QuickStart.bind(group, new InetSocketAddress(InetAddress.getByName("::1"), 0), check);
            TrafficGenerator g = TrafficGenerator.builder()
                    .addresses(InetAddress.getByName("fc00:1::1"), InetAddress.getByName("fc00:2::1"))
                    .ports(40001, 5000).payloadLength(8000).seed(seed).mtu(1500)
                    .sa(XfrmStateParser.parse(QuickStart.SA)).build();
            LoopbackBooks books = new LoopbackBooks();
            long sent;
            long fragments;
            try (Sender sender = new Sender(g, (InetSocketAddress) ch.localAddress(),
                    new InetSocketAddress(InetAddress.getByName("::1"), 0), 50e6, false)) {
                sender.run(0.5);
                sent = sender.datagrams();
                fragments = sender.fragments();
            }
            // every datagram is delivered, or one of its fragments was dropped by the kernel
            books.settle(sent, 1, () -> exact.get() + wrong.get(), exact::get);
            String what = books.describe(sent, exact.get() + wrong.get(), exact.get()) + " (" + fragments
                    + " fragments)";
            assertTrue(sent > 0, what);
            assertEquals(0, wrong.get(), what);
            assertTrue(sent - exact.get() <= books.kernelDrops(), what);
            assertEquals(exact.get(), contiguous.get(), what);
            ch.close().sync();
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }
}
