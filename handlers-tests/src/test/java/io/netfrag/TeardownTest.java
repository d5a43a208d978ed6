package io.netfrag;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netfrag.channel.BoundedReceiveRing;
import io.netfrag.channel.NetfragIngress;
import io.netfrag.ipv4.Ipv4FragmentReassembler;
import io.netfrag.ipv6.Ipv6FragmentReassembler;
import io.netfrag.reassembly.CoalescePolicy;
import io.netfrag.stats.CounterSnapshot;
import io.netfrag.stats.MibCounter;
import io.netfrag.testing.Feature;
import io.netfrag.testing.Requires;
import io.netfrag.testing.TestPackets;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.util.ReferenceCountUtil;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The receive path torn down while it holds partial datagrams, while a completed chain is being delivered, and while
 * a timer (queue expiry, stalled coalescing) is due: every buffer is released, the pinned-bytes account is 0, and no
 * task touches a removed handler afterwards.
 */
class TeardownTest {
    private static final UnpooledByteBufAllocator ALLOC = new UnpooledByteBufAllocator(false);

    enum Teardown {
        /** Only the two reassemblers are removed from the pipeline. */
        REMOVE_REASSEMBLERS,
        /** Every handler of the receive path is removed. */
        REMOVE_ALL,
        /** The channel is closed (its pipeline is torn down). */
        CLOSE
    }

    static List<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (CoalescePolicy p : CoalescePolicy.values()) {
            for (Teardown t : Teardown.values()) {
                out.add(Arguments.of(p, t));
            }
        }
        return out;
    }

    /** Partial datagrams of both families, in buffers the test keeps an eye on (without holding a reference). */
    private static List<ByteBuf> partials(int datagrams) {
        List<ByteBuf> out = new ArrayList<>();
        for (int n = 0; n < datagrams; n++) {
            int version = n % 2 == 0 ? 6 : 4;
            byte[] packet = TestPackets.udp(version, 1000 + n, 2000, TestPackets.payload(4000 + 8 * n));
            int header = TestPackets.headerLength(version);
            // the first and third of four fragments: never complete
            out.add(TestPackets.fragment(version, ALLOC, packet, 0, 1232, true, 100 + n));
            out.add(TestPackets.fragment(version, ALLOC, packet, 2464, 1232, true, 100 + n));
            assertTrue(packet.length - header > 3 * 1232);
        }
        return out;
    }

    private static void tearDown(EmbeddedChannel ch, ReceivePath.Handlers h, Teardown how) {
        switch (how) {
            case REMOVE_REASSEMBLERS:
                ch.pipeline().remove(Ipv6FragmentReassembler.class);
                ch.pipeline().remove(Ipv4FragmentReassembler.class);
                break;
            case REMOVE_ALL:
                for (ChannelHandler handler : h.toArray()) {
                    ch.pipeline().remove(handler);
                }
                break;
            case CLOSE:
                ch.close().syncUninterruptibly();
                break;
            default:
                throw new AssertionError(how);
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void partialDatagramsAndDueTimersAreReleasedOnTeardown(CoalescePolicy policy, Teardown how) {
        ReceivePath.Handlers h = ReceivePath.builder().policy(policy).build().newHandlers();
        EmbeddedChannel ch = new EmbeddedChannel(h.toArray());
        List<ByteBuf> fed = partials(16);
        for (ByteBuf b : fed) {
            ch.writeInbound(b);
        }
        assertTrue(h.pinnedBytes() > 0);
        assertEquals(16, h.ipv6().queueCount() + h.ipv4().queueCount());
        // time moves to just before the queues expire: the expiry timer (and any stalled-coalescing pass) is due next
        ch.advanceTimeBy(Duration.ofSeconds(59).toNanos(), TimeUnit.NANOSECONDS);
        ch.runPendingTasks();
        assertTrue(ch.runScheduledPendingTasks() >= 0, "the expiry timer is scheduled before the teardown");
        tearDown(ch, h, how);
        assertEquals(-1, ch.runScheduledPendingTasks(), "no task of a removed handler left scheduled");
        for (ByteBuf b : fed) {
            assertEquals(0, b.refCnt(), "every fragment buffer released");
        }
        assertEquals(0, h.pinnedBytes(), "the account back to 0");
        CounterSnapshot before = h.stats();
        // the timers were due: nothing of the removed handlers is left scheduled, and nothing runs now
        ch.advanceTimeBy(Duration.ofSeconds(120).toNanos(), TimeUnit.NANOSECONDS);
        ch.runPendingTasks();
        ch.runScheduledPendingTasks();
        assertEquals(before.get(MibCounter.REASM_TIMEOUT), h.stats().get(MibCounter.REASM_TIMEOUT),
                "no expiry ran on a removed handler");
        assertEquals(before.toMap(), h.stats().toMap(), "no counter moved after the teardown");
        ch.finishAndReleaseAll();
    }

    /**
     * A user handler that tears the reassemblers down while it is handed a completed datagram (under COMPOSITE, a
     * chain over the fragments' own buffers), with other datagrams still partial.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("policies")
    void teardownFromInsideADelivery(CoalescePolicy policy) {
        ReceivePath.Handlers h = ReceivePath.builder().policy(policy).build().newHandlers();
        List<Object> seen = new ArrayList<>();
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.pipeline().addLast(h.toArray());
        ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                ctx.pipeline().remove(Ipv6FragmentReassembler.class);
                ctx.pipeline().remove(Ipv4FragmentReassembler.class);
                seen.add(msg.getClass().getSimpleName());
                ReferenceCountUtil.release(msg);
            }
        });
        List<ByteBuf> fed = partials(8);
        byte[] packet = TestPackets.udp(6, 7, 9, TestPackets.payload(3000));
        fed.add(TestPackets.fragment(6, ALLOC, packet, 0, 1232, true, 999));
        fed.add(TestPackets.fragment(6, ALLOC, packet, 1232, packet.length - 40 - 1232, false, 999));
        for (ByteBuf b : fed) {
            ch.writeInbound(b);
        }
        assertEquals(List.of("DatagramPacket"), seen, "the completed datagram was delivered");
        for (ByteBuf b : fed) {
            assertEquals(0, b.refCnt(), "every fragment buffer released");
        }
        assertEquals(0, h.pinnedBytes());
        assertFalse(ch.finishAndReleaseAll());
    }

    static List<CoalescePolicy> policies() {
        return List.of(CoalescePolicy.values());
    }

    static List<Arguments> shutdowns() {
        List<Arguments> out = new ArrayList<>();
        for (CoalescePolicy p : CoalescePolicy.values()) {
            out.add(Arguments.of(p, true));
            out.add(Arguments.of(p, false));
        }
        return out;
    }

    /**
     * The event loop shut down (no quiet period) under a channel that holds partial datagrams with the expiry timer
     * scheduled, the channel not closed first — an application stopping its event loop group, from a task of the loop
     * itself or from another thread. Netty 4.2.18 may end the loop without closing the channel
     * ({@code NettyLoopShutdownDefectTest}; from inside the loop it always does), so the receive path's handlers are
     * never removed: the reassemblers release what they hold when the loop terminates. Every fragment buffer is
     * released, the account is 0, no queue is left.
     */
    @ParameterizedTest(name = "{0}, shut down from inside the loop: {1}")
    @MethodSource("shutdowns")
    void shuttingTheEventLoopDownReleasesEverything(CoalescePolicy policy, boolean fromInsideTheLoop) throws Exception {
        ReceivePath.Handlers h = ReceivePath.builder().policy(policy).build().newHandlers();
        MultiThreadIoEventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            Channel ch = new io.netty.bootstrap.Bootstrap().group(group).channel(NioDatagramChannel.class)
                    .handler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel c) {
                            c.pipeline().addLast(h.toArray());
                        }
                    }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
            List<ByteBuf> fed = partials(16);
            ch.eventLoop().submit(() -> fed.forEach(b -> ch.pipeline().fireChannelRead(b))).get(10, TimeUnit.SECONDS);
            assertEquals(16, ch.eventLoop().submit(() -> h.ipv6().queueCount() + h.ipv4().queueCount())
                    .get(10, TimeUnit.SECONDS));
            assertTrue(h.pinnedBytes() > 0);
            if (fromInsideTheLoop) {
                ch.eventLoop().execute(() -> group.shutdownGracefully(0, 1, TimeUnit.SECONDS));
            } else {
                group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            }
            assertTrue(group.terminationFuture().await(10, TimeUnit.SECONDS), "the loop ended");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (h.pinnedBytes() != 0 && System.nanoTime() < deadline) {
                Thread.sleep(5); // the release runs once the loop's termination is announced
            }
            assertEquals(0, h.pinnedBytes(), "the account back to 0 (channel open: " + ch.isOpen() + ")");
            for (ByteBuf b : fed) {
                assertEquals(0, b.refCnt(), "every fragment buffer released");
            }
            assertEquals(0, h.ipv6().queueCount() + h.ipv4().queueCount(), "no queue left");
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    /**
     * On real sockets: held fragments pin ring slots (NONE holds them); closing the channels releases them, so every
     * slot is back in the ring before it is freed.
     */
    @Test
    @Requires(Feature.EPOLL)
    void closingTheIngressGivesEveryRingSlotBack() throws Exception {
        try (NetfragIngress ingress = NetfragIngress.builder().bind(new InetSocketAddress("127.0.0.1", 0))
                .receivePath(ReceivePath.builder().policy(CoalescePolicy.NONE).build()).ring(64, 2048).start();
                DatagramSocket socket = new DatagramSocket()) {
            List<ByteBuf> fed = partials(16);
            for (ByteBuf b : fed) {
                byte[] bytes = TestPackets.bytes(b);
                b.release();
                socket.send(new java.net.DatagramPacket(bytes, bytes.length, ingress.localAddress()));
            }
            BoundedReceiveRing ring = ingress.rings().get(0);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (ingress.stats().get(MibCounter.IN_RECEIVES) < fed.size() && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals(fed.size(), ingress.stats().get(MibCounter.IN_RECEIVES), "every fragment arrived");
            assertTrue(ring.free() < ring.slots(), "held fragments pin slots: " + ring.free());
            for (io.netty.channel.Channel c : ingress.channels()) {
                c.close().sync();
            }
            deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (ring.free() < ring.slots() && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals(ring.slots(), ring.free(), "every slot back once the pipeline is gone");
            assertEquals(0, ingress.handlerSets().get(0).pinnedBytes());
        }
    }
}
