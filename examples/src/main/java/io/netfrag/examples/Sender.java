package io.netfrag.examples;

import io.netfrag.testkit.TrafficGenerator;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.nio.NioDatagramChannel;
import java.net.InetSocketAddress;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The sending side of {@code stream} and {@code demo}: generates datagrams with a {@link TrafficGenerator} on the
 * channel's own event loop and sends each fragment as one UDP datagram to the receiver. All fragments of a datagram
 * are flushed together, so on epoll Netty sends them with one {@code sendmmsg}; the loop yields to the event loop
 * while the channel is not writable, so the sender never buffers more than its high water mark.
 *
 * <p>Unpaced by default (the seed's netperf-like condition: the sender may outrun the receiver, and the kernel then
 * drops at the socket). With a rate, the next datagram leaves no earlier than {@code start + payload bytes sent so far
 * × 8 / rate}, so at a rate the receiver sustains the injected loss is the only loss.
 */
final class Sender implements AutoCloseable {
    private final EventLoopGroup group;
    private final Channel channel;
    private final TrafficGenerator generator;
    private final InetSocketAddress target;
    private final AtomicLong datagrams = new AtomicLong();
    private final AtomicLong fragments = new AtomicLong();
    private final AtomicLong payloadBytes = new AtomicLong();
    private final CountDownLatch done = new CountDownLatch(1);
    private final double nanosPerByte;
    private boolean pumpScheduled;
    private volatile long deadlineNanos;
    private volatile long startNanos;
    private volatile long endNanos;

    Sender(TrafficGenerator generator, InetSocketAddress target, InetSocketAddress bind) throws InterruptedException {
        this(generator, target, bind, 0);
    }

    /**
     * Creates a sender.
     *
     * @param rateBitsPerSecond UDP payload rate to pace at, 0 for unpaced
     */
    Sender(TrafficGenerator generator, InetSocketAddress target, InetSocketAddress bind, double rateBitsPerSecond)
            throws InterruptedException {
        if (rateBitsPerSecond < 0 || Double.isNaN(rateBitsPerSecond)) {
            throw new IllegalArgumentException("rate must be >= 0: " + rateBitsPerSecond);
        }
        this.nanosPerByte = rateBitsPerSecond == 0 ? 0 : 8e9 / rateBitsPerSecond;
        this.generator = generator;
        this.target = target;
        boolean epoll = Epoll.isAvailable();
        group = new MultiThreadIoEventLoopGroup(1, epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
        channel = new Bootstrap().group(group).channel(epoll ? EpollDatagramChannel.class : NioDatagramChannel.class)
                .option(ChannelOption.SO_SNDBUF, 4 << 20)
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(1 << 20, 4 << 20))
                .handler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
                        if (ctx.channel().isWritable() && !pumpScheduled) {
                            pump();
                        }
                        ctx.fireChannelWritabilityChanged();
                    }
                }).bind(bind).sync().channel();
    }

    /** Sends for {@code seconds}, then returns. */
    void run(double seconds) throws InterruptedException {
        startNanos = System.nanoTime();
        deadlineNanos = startNanos + (long) (seconds * 1e9);
        channel.eventLoop().execute(this::pump);
        done.await();
        endNanos = System.nanoTime();
    }

    private final Consumer<ByteBuf> send = new Consumer<>() {
        @Override
        public void accept(ByteBuf fragment) {
            fragments.incrementAndGet();
            channel.write(new DatagramPacket(fragment, target), channel.voidPromise());
        }
    };

    private void pump() {
        pumpScheduled = false;
        if (done.getCount() == 0) {
            return;
        }
        for (int i = 0; i < 64 && channel.isWritable(); i++) {
            long now = System.nanoTime();
            if (now >= deadlineNanos) {
                channel.flush();
                done.countDown();
                return;
            }
            if (nanosPerByte > 0) {
                long due = startNanos + (long) (payloadBytes.get() * nanosPerByte);
                if (now < due) {
                    pumpScheduled = true;
                    channel.eventLoop().schedule(this::pump, Math.min(due, deadlineNanos) - now, TimeUnit.NANOSECONDS);
                    return;
                }
            }
            generator.next(send);
            channel.flush();
            datagrams.incrementAndGet();
            payloadBytes.addAndGet(generator.payloadLength());
        }
        if (channel.isWritable()) {
            pumpScheduled = true;
            channel.eventLoop().execute(this::pump);
        }
        // else channelWritabilityChanged resumes
    }

    long datagrams() {
        return datagrams.get();
    }

    long fragments() {
        return fragments.get();
    }

    long payloadBytes() {
        return payloadBytes.get();
    }

    long elapsedNanos() {
        long end = endNanos != 0 ? endNanos : System.nanoTime();
        return startNanos == 0 ? 0 : end - startNanos;
    }

    TrafficGenerator generator() {
        return generator;
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
