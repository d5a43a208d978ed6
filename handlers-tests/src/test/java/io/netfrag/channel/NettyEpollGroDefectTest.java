package io.netfrag.channel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netfrag.testing.Feature;
import io.netfrag.testing.Requires;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.unix.SegmentedDatagramPacket;
import io.netty.util.Version;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Detects the Netty defect that {@code IpPacketDecoder} works around: with {@code UDP_GRO} and recvmmsg
 * ({@code MAX_DATAGRAM_PAYLOAD_SIZE}) both on, Netty 4.2.18's epoll transport passes no control buffer to recvmmsg, the
 * kernel's GRO segment size is lost, and a run of coalesced datagrams arrives as one {@code DatagramPacket}
 * (netty/netty#17492, fixed upstream after 4.2.18). Plain Netty, no netfrag handler: two GSO messages of ten 1000-byte
 * segments are queued before the receiver reads, so one recvmmsg call takes both.
 *
 * <p>The test fails when the Netty release in use no longer behaves as recorded in {@link #DEFECTIVE}: after an upgrade
 * that fixes it, drop the release from the set and the mention of the defect from {@code IpPacketDecoder}'s and
 * {@code NetfragIngress}'s Javadoc (the split by IP lengths stays: it is what the design asks of a read).
 */
class NettyEpollGroDefectTest {
    /** Releases of netty-transport-classes-epoll known to lose the GRO segment size under recvmmsg. */
    private static final Set<String> DEFECTIVE = Set.of("4.2.18.Final");
    private static final int SEGMENT = 1000;
    private static final int SEGMENTS = 10;

    @Test
    @Requires(Feature.GSO)
    void groUnderRecvmmsgDeliversTheRunAsOnePacketInThisNettyRelease() throws Exception {
        List<Integer> sizes = new CopyOnWriteArrayList<>();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, EpollIoHandler.newFactory());
        try {
            Channel receiver = new Bootstrap().group(group).channel(EpollDatagramChannel.class)
                    .option(EpollChannelOption.UDP_GRO, true)
                    .option(EpollChannelOption.MAX_DATAGRAM_PAYLOAD_SIZE, 65536)
                    .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(2 * 65536))
                    .option(ChannelOption.AUTO_READ, false)
                    .handler(new ChannelInboundHandlerAdapter() {
                        @Override
                        public void channelRead(ChannelHandlerContext ctx, Object msg) {
                            try {
                                sizes.add(((DatagramPacket) msg).content().readableBytes());
                            } finally {
                                io.netty.util.ReferenceCountUtil.release(msg);
                            }
                        }
                    }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
            Channel sender = new Bootstrap().group(group).channel(EpollDatagramChannel.class)
                    .handler(new ChannelInboundHandlerAdapter()).bind(new InetSocketAddress("127.0.0.1", 0)).sync()
                    .channel();
            for (int m = 0; m < 2; m++) {
                CompositeByteBuf run = sender.alloc().compositeDirectBuffer();
                for (int i = 0; i < SEGMENTS; i++) {
                    ByteBuf segment = sender.alloc().directBuffer(SEGMENT);
                    segment.writeZero(SEGMENT);
                    run.addComponent(true, segment);
                }
                sender.writeAndFlush(new SegmentedDatagramPacket(run, SEGMENT, (InetSocketAddress) receiver.localAddress())).sync();
            }
            receiver.config().setAutoRead(true);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (sizes.stream().mapToInt(Integer::intValue).sum() < 2 * SEGMENTS * SEGMENT
                    && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            sender.close().sync();
            receiver.close().sync();
            assertEquals(2 * SEGMENTS * SEGMENT, sizes.stream().mapToInt(Integer::intValue).sum(), sizes.toString());
            boolean runsArriveWhole = sizes.stream().anyMatch(s -> s > SEGMENT);
            String release = Version.identify().get("netty-transport-classes-epoll").artifactVersion();
            assertEquals(DEFECTIVE.contains(release), runsArriveWhole, "Netty " + release + " delivered GRO runs under "
                    + "recvmmsg as packets of " + sizes + " bytes; update DEFECTIVE and the Javadoc that cites "
                    + "netty/netty#17492");
            assertTrue(sizes.stream().allMatch(s -> s % SEGMENT == 0), sizes.toString());
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }
}
