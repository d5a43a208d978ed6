package io.netfrag.examples;

import io.netfrag.testkit.SourcePorts;
import io.netfrag.testkit.TrafficGenerator;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
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
import io.netty.channel.unix.SegmentedDatagramPacket;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
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
 * <p>With several source ports ({@link SourcePorts}), the sender binds one socket per port and sends each datagram's
 * fragments from the socket a hash of the inner source, destination and identification picks, as FOU/GUE senders
 * derive the outer source port from the inner flow: receivers behind ECMP or RSS (hashing the outer 4-tuple) then share
 * one tunnel while each datagram's fragments stay on one path.
 *
 * <p>Unpaced by default (the seed's netperf-like condition: the sender may outrun the receiver, and the kernel then
 * drops at the socket). With a rate, the next datagram leaves no earlier than {@code start + payload bytes sent so far
 * × 8 / rate}, so at a rate the receiver sustains the injected loss is the only loss.
 */
public final class Sender implements AutoCloseable {
    /** Segments per UDP GSO message the kernel accepts (UDP_MAX_SEGMENTS; 64 in older kernels, 128 since 6.x). */
    static final int GSO_MAX_SEGMENTS = 64;
    /** Bytes per UDP GSO message: the largest IPv4 UDP payload. */
    static final int GSO_MAX_BYTES = 65507;
    private final EventLoopGroup group;
    private final Channel channel;
    /** One socket per source port; {@code channel} is the first. All on one event loop. */
    private final Channel[] channels;
    /** The socket the datagram being generated goes out of (null before its first fragment). */
    private Channel current;
    private final TrafficGenerator generator;
    private final InetSocketAddress target;
    private final AtomicLong datagrams = new AtomicLong();
    private final AtomicLong fragments = new AtomicLong();
    private final AtomicLong payloadBytes = new AtomicLong();
    private final CountDownLatch done = new CountDownLatch(1);
    private final double nanosPerByte;
    private final boolean gso;
    /** Fragments of the datagram being generated, sent as GSO batches once it is complete (gso only). */
    private final List<ByteBuf> pending = new ArrayList<>();
    private boolean pumpScheduled;
    private volatile long deadlineNanos;
    private volatile long startNanos;
    private volatile long endNanos;
    private volatile Throwable failure;

    public Sender(TrafficGenerator generator, InetSocketAddress target, InetSocketAddress bind)
            throws InterruptedException {
        this(generator, target, bind, 0, false);
    }

    /**
     * Creates a sender.
     *
     * @param rateBitsPerSecond UDP payload rate to pace at, 0 for unpaced
     * @param gso send runs of equal-sized fragments as one UDP GSO ({@code UDP_SEGMENT}) message where the kernel
     *     supports it (epoll); the receiver sees the same datagrams, one per fragment
     */
    public Sender(TrafficGenerator generator, InetSocketAddress target, InetSocketAddress bind, double rateBitsPerSecond,
            boolean gso) throws InterruptedException {
        this(generator, target, bind, rateBitsPerSecond, gso, 1);
    }

    /**
     * Creates a sender with {@code sourcePorts} sockets (the first bound to {@code bind}, the others to ephemeral ports
     * of its address), picked per datagram by {@link SourcePorts#pick}.
     */
    public Sender(TrafficGenerator generator, InetSocketAddress target, InetSocketAddress bind, double rateBitsPerSecond,
            boolean gso, int sourcePorts) throws InterruptedException {
        if (sourcePorts < 1) {
            throw new IllegalArgumentException("sourcePorts must be at least 1: " + sourcePorts);
        }
        if (rateBitsPerSecond < 0 || Double.isNaN(rateBitsPerSecond)) {
            throw new IllegalArgumentException("rate must be >= 0: " + rateBitsPerSecond);
        }
        this.nanosPerByte = rateBitsPerSecond == 0 ? 0 : 8e9 / rateBitsPerSecond;
        this.generator = generator;
        this.target = target;
        boolean epoll = Epoll.isAvailable();
        this.gso = gso && EpollDatagramChannel.isSegmentedDatagramPacketSupported();
        group = new MultiThreadIoEventLoopGroup(1, epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
        Bootstrap bootstrap = new Bootstrap().group(group)
                .channel(epoll ? EpollDatagramChannel.class : NioDatagramChannel.class)
                .option(ChannelOption.SO_SNDBUF, 4 << 20)
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(1 << 20, 4 << 20))
                .handler(new SenderEvents());
        channels = new Channel[sourcePorts];
        try {
            for (int i = 0; i < sourcePorts; i++) {
                channels[i] = bootstrap.bind(i == 0 ? bind : new InetSocketAddress(bind.getAddress(), 0)).sync()
                        .channel();
            }
        } catch (InterruptedException | RuntimeException e) {
            for (Channel c : channels) {
                if (c != null) {
                    c.close();
                }
            }
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw e;
        }
        channel = channels[0];
    }

    /** Write failures and writability of every socket of the sender (all on one event loop): no per-socket state. */
    @ChannelHandler.Sharable
    private final class SenderEvents extends ChannelInboundHandlerAdapter {
        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            fail(cause); // a write that failed (sent with the void promise)
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (writable() && !pumpScheduled) {
                pump();
            }
            ctx.fireChannelWritabilityChanged();
        }
    }

    /** Whether every socket can take more (the pump waits for the slowest). */
    private boolean writable() {
        for (Channel c : channels) {
            if (!c.isWritable()) {
                return false;
            }
        }
        return true;
    }

    /** The local ports of the sender's sockets. */
    public int[] sourcePorts() {
        int[] ports = new int[channels.length];
        for (int i = 0; i < ports.length; i++) {
            ports[i] = ((InetSocketAddress) channels[i].localAddress()).getPort();
        }
        return ports;
    }

    /**
     * Sends for {@code seconds}, then returns.
     *
     * @throws Cli.Failure when sending failed on the event loop (the generator or a write threw), or did not end
     *     within a minute of the deadline
     */
    public void run(double seconds) throws InterruptedException {
        startNanos = System.nanoTime();
        deadlineNanos = startNanos + (long) (seconds * 1e9);
        channel.eventLoop().execute(this::pump);
        boolean ended = done.await((long) (seconds * 1e9) + TimeUnit.MINUTES.toNanos(1), TimeUnit.NANOSECONDS);
        endNanos = System.nanoTime();
        Throwable f = failure;
        if (f != null) {
            throw new Cli.Failure("sending failed: " + f.getClass().getSimpleName() + ": " + Cli.reason(f, null), f);
        }
        if (!ended) {
            throw new Cli.Failure("the sender did not finish within a minute of its " + seconds + " s", null);
        }
    }

    /** Ends the run with {@code cause}; {@link #run} reports it. Event loop only. */
    private void fail(Throwable cause) {
        if (failure == null) {
            failure = cause;
        }
        pending.forEach(ReferenceCountUtil::safeRelease);
        pending.clear();
        done.countDown();
    }

    private final Consumer<ByteBuf> send = new Consumer<>() {
        @Override
        public void accept(ByteBuf fragment) {
            fragments.incrementAndGet();
            if (current == null) {
                current = channels.length == 1 ? channel : channels[SourcePorts.pick(fragment, channels.length)];
            }
            if (gso) {
                pending.add(fragment);
            } else {
                current.write(new DatagramPacket(fragment, target), current.voidPromise());
            }
        }
    };

    /**
     * Writes the pending fragments as GSO messages: a run of fragments of one size, optionally closed by one shorter
     * fragment, is one {@code UDP_SEGMENT} message (the kernel cuts it back into one datagram per fragment, and a
     * receiver with {@code UDP_GRO} gets the run in one read). A run stops at the kernel's limits: at most
     * {@value #GSO_MAX_SEGMENTS} segments and {@value #GSO_MAX_BYTES} bytes.
     */
    private void writePending() {
        int n = pending.size();
        int i = 0;
        while (i < n) {
            ByteBuf first = pending.get(i);
            int segment = first.readableBytes();
            int end = i + 1;
            int bytes = segment;
            while (end < n && end - i < GSO_MAX_SEGMENTS) {
                int len = pending.get(end).readableBytes();
                if (len > segment || bytes + len > GSO_MAX_BYTES) {
                    break;
                }
                bytes += len;
                end++;
                if (len < segment) {
                    break; // a shorter segment can only be the last one of a GSO message
                }
            }
            if (end - i == 1) {
                current.write(new DatagramPacket(first, target), current.voidPromise());
            } else {
                CompositeByteBuf run = current.alloc().compositeDirectBuffer(end - i);
                for (int k = i; k < end; k++) {
                    run.addComponent(true, pending.get(k));
                }
                current.write(new SegmentedDatagramPacket(run, segment, target), current.voidPromise());
            }
            i = end;
        }
        pending.clear();
    }

    private void pump() {
        pumpScheduled = false;
        if (done.getCount() == 0) {
            return;
        }
        try {
            pumpSome();
        } catch (Throwable t) { // anything thrown on the event loop ends the run instead of leaving run() waiting
            fail(t);
        }
    }

    private void pumpSome() {
        for (int i = 0; i < 64 && writable(); i++) {
            long now = System.nanoTime();
            if (now >= deadlineNanos) {
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
            current = null;
            generator.next(send);
            if (current != null) {
                if (gso) {
                    writePending();
                }
                current.flush();
            }
            datagrams.incrementAndGet();
            payloadBytes.addAndGet(generator.payloadLength());
        }
        if (writable()) {
            pumpScheduled = true;
            channel.eventLoop().execute(this::pump);
        }
        // else channelWritabilityChanged resumes
    }

    public long datagrams() {
        return datagrams.get();
    }

    public long fragments() {
        return fragments.get();
    }

    /** Whether fragments go out as UDP GSO messages. */
    public boolean gso() {
        return gso;
    }

    public long payloadBytes() {
        return payloadBytes.get();
    }

    public long elapsedNanos() {
        long end = endNanos != 0 ? endNanos : System.nanoTime();
        return startNanos == 0 ? 0 : end - startNanos;
    }

    public TrafficGenerator generator() {
        return generator;
    }

    @Override
    public void close() {
        for (Channel c : channels) {
            c.close().syncUninterruptibly();
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
