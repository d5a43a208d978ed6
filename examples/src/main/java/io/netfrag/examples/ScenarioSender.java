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
import java.util.function.Consumer;

/**
 * A paced {@link Sender} for {@code scenarios --rate}: the same channel set-up and the same send loop (all fragments
 * of a datagram flushed together, so one {@code sendmmsg} on epoll; yields while the channel is not writable), but the
 * next datagram leaves no earlier than {@code start + payload bytes sent so far × 8 / rate}. With a rate the receiver
 * can sustain, the kernel drops nothing at the socket and the injected fragment loss is the only loss; unpaced (the
 * seed's netperf-like condition, {@link Sender}) the sender outruns the receiver and socket drops add to it.
 */
final class ScenarioSender implements AutoCloseable {
    private final EventLoopGroup group;
    private final Channel channel;
    private final TrafficGenerator generator;
    private final InetSocketAddress target;
    private final double nanosPerByte;
    private final CountDownLatch done = new CountDownLatch(1);
    // touched by the event loop only, read after done
    private long datagrams;
    private long payloadBytes;
    private boolean pumpScheduled;
    private volatile long deadlineNanos;
    private volatile long startNanos;
    private volatile long endNanos;

    /**
     * @param rateBitsPerSecond UDP payload rate to pace at (positive)
     */
    ScenarioSender(TrafficGenerator generator, InetSocketAddress target, InetSocketAddress bind,
            double rateBitsPerSecond) throws InterruptedException {
        if (!(rateBitsPerSecond > 0)) {
            throw new IllegalArgumentException("rate must be positive: " + rateBitsPerSecond);
        }
        this.generator = generator;
        this.target = target;
        this.nanosPerByte = 8e9 / rateBitsPerSecond;
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
            long due = startNanos + (long) (payloadBytes * nanosPerByte);
            if (now < due) {
                pumpScheduled = true;
                channel.eventLoop().schedule(this::pump, Math.min(due, deadlineNanos) - now, TimeUnit.NANOSECONDS);
                return;
            }
            generator.next(send);
            channel.flush();
            datagrams++;
            payloadBytes += generator.payloadLength();
        }
        if (channel.isWritable()) {
            pumpScheduled = true;
            channel.eventLoop().execute(this::pump);
        }
        // else channelWritabilityChanged resumes
    }

    long datagrams() {
        return datagrams;
    }

    long payloadBytes() {
        return payloadBytes;
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
