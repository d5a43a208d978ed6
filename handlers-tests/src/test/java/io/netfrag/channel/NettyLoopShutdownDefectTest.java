package io.netfrag.channel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netfrag.testing.Feature;
import io.netfrag.testing.Requires;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.util.Version;
import java.net.InetSocketAddress;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * Detects the Netty defect that the reassemblers work around by releasing what they hold when their event loop
 * terminates: an event loop group shut down with no quiet period from a task of its own loop ends that loop without
 * closing its channels (Netty 4.2.18's {@code SingleThreadIoEventLoop.run} tears channels down only when it sees the
 * shutdown right after an I/O pass; a shutdown that lands during the task pass is confirmed at once and the loop
 * exits), so the channel stays open and registered on a dead loop and its pipeline's {@code handlerRemoved} never
 * runs. From another thread the same happens at random. Plain Netty, no netfrag handler; NIO, and epoll where it is
 * available.
 *
 * <p>The test fails when the Netty release in use no longer behaves as recorded in {@link #DEFECTIVE}: after an upgrade
 * that fixes it, drop the release from the set; the release on termination in {@code AbstractReassembler} can stay
 * (it does nothing when the handlers were removed first).
 */
class NettyLoopShutdownDefectTest {
    private static final Set<String> DEFECTIVE = Set.of("4.2.18.Final");

    @Test
    void nio() throws Exception {
        aLoopShutDownFromItselfLeavesItsChannelOpen(false);
    }

    @Test
    @Requires(Feature.EPOLL)
    void epoll() throws Exception {
        aLoopShutDownFromItselfLeavesItsChannelOpen(true);
    }

    private static void aLoopShutDownFromItselfLeavesItsChannelOpen(boolean epoll) throws Exception {
        IoHandlerFactory factory = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        MultiThreadIoEventLoopGroup group = new MultiThreadIoEventLoopGroup(1, factory);
        AtomicBoolean removed = new AtomicBoolean();
        try {
            Channel ch = new Bootstrap().group(group).channel(epoll ? EpollDatagramChannel.class : NioDatagramChannel.class)
                    .handler(new ChannelInboundHandlerAdapter() {
                        @Override
                        public void handlerRemoved(ChannelHandlerContext ctx) {
                            removed.set(true);
                        }
                    }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
            ch.eventLoop().execute(() -> group.shutdownGracefully(0, 1, TimeUnit.SECONDS));
            assertTrue(group.terminationFuture().await(10, TimeUnit.SECONDS), "the loop ended");
            Thread.sleep(100); // anything the loop handed on has run
            String release = Version.identify().get("netty-transport").artifactVersion();
            boolean leftOpen = ch.isOpen() && !removed.get();
            assertEquals(DEFECTIVE.contains(release), leftOpen, "Netty " + release + " left the channel "
                    + (leftOpen ? "open" : "closed") + " after its loop ended; update DEFECTIVE and the comment on "
                    + "AbstractReassembler's release on termination");
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }
}
