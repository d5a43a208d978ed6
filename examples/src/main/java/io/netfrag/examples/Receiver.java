package io.netfrag.examples;

import io.netfrag.ReceivePath;
import io.netfrag.channel.KernelUdpStats;
import io.netfrag.channel.NetfragIngress;
import io.netfrag.stats.CounterSnapshot;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.LineBasedFrameDecoder;
import io.netty.handler.codec.string.StringDecoder;
import io.netty.handler.codec.string.StringEncoder;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * The netserver-like receiving side: a {@link NetfragIngress} whose last handler counts (and optionally verifies)
 * delivered datagrams, plus the control connection the {@code stream} client uses.
 *
 * <p><b>Control protocol</b> (TCP, same port number as the data socket, one request per line, UTF-8):
 * <ul>
 *   <li>{@code RESET} — zero the receiver's counters (baseline taken now); answer {@code OK}.
 *   <li>{@code RESULTS} — answer one line of JSON with the figures since the last RESET: {@code elapsedNanos},
 *       {@code datagrams}, {@code bytes} (UDP payload), {@code verified}, {@code corrupt}, {@code ringExhaustions},
 *       {@code kernelRcvbufErrors} (system-wide delta), {@code peakPinnedBytes}, and every non-zero netfrag counter by
 *       its IP-MIB name.
 *   <li>anything else — answer {@code ERR unknown command}.
 * </ul>
 */
public final class Receiver implements AutoCloseable {
    private final NetfragIngress ingress;
    private final EventLoopGroup controlGroup;
    private final Channel control;
    private final AtomicLong datagrams = new AtomicLong();
    private final AtomicLong bytes = new AtomicLong();
    private final AtomicLong verified = new AtomicLong();
    private final AtomicLong corrupt = new AtomicLong();
    private volatile Baseline baseline;

    private record Baseline(long nanos, long datagrams, long bytes, long verified, long corrupt, long exhaustions,
            KernelUdpStats kernel, CounterSnapshot counters) {
    }

    /** Figures since the last reset. */
    public record Figures(long elapsedNanos, long datagrams, long bytes, long verified, long corrupt, long ringExhaustions,
            long kernelRcvbufErrors, long peakPinnedBytes, Map<String, Long> counters) {
        double gbps() {
            return elapsedNanos == 0 ? 0 : bytes * 8.0 / elapsedNanos;
        }

        /** One line of the figures, as {@code server} prints them every second. */
        public String line() {
            return String.format("%7.1fs %10d datagrams %8.3f Gbps  drops %d  ring exhaustions %d  kernel drops %d  "
                    + "peak pinned %d B", elapsedNanos / 1e9, datagrams, gbps(), drops(counters), ringExhaustions,
                    kernelRcvbufErrors, peakPinnedBytes);
        }

        String json() {
            StringBuilder sb = new StringBuilder("{\"elapsedNanos\":").append(elapsedNanos).append(",\"datagrams\":")
                    .append(datagrams).append(",\"bytes\":").append(bytes).append(",\"verified\":").append(verified)
                    .append(",\"corrupt\":").append(corrupt).append(",\"ringExhaustions\":").append(ringExhaustions)
                    .append(",\"kernelRcvbufErrors\":").append(kernelRcvbufErrors).append(",\"peakPinnedBytes\":")
                    .append(peakPinnedBytes);
            for (Map.Entry<String, Long> e : counters.entrySet()) {
                sb.append(",\"").append(e.getKey()).append("\":").append(e.getValue());
            }
            return sb.append('}').toString();
        }
    }

    /** The sum of the {@code drop.*} counters: every datagram or fragment netfrag dropped, whatever the reason. */
    public static long drops(Map<String, Long> counters) {
        long n = 0;
        for (Map.Entry<String, Long> e : counters.entrySet()) {
            if (e.getKey().startsWith("drop.")) {
                n += e.getValue();
            }
        }
        return n;
    }

    /**
     * Starts the receiver.
     *
     * @param builder the ingress configuration (its bind address and user handlers are replaced: the data address
     *     and the counting sink)
     * @param verifier checks a payload (borrowed), or {@code null} to skip verification
     * @param dataAddress where the ingress binds (UDP)
     * @param controlAddress where the control connection listens (TCP), or {@code null} for none
     * @throws Cli.Failure naming the protocol, address and reason when a bind fails (nothing stays bound)
     */
    public Receiver(NetfragIngress.Builder builder, Predicate<ByteBuf> verifier, InetSocketAddress dataAddress,
            InetSocketAddress controlAddress) throws InterruptedException {
        try {
            ingress = builder.bind(dataAddress).userHandlers(() -> new ChannelHandler[] {new Sink(verifier)}).start();
        } catch (Exception e) { // Netty's sync() rethrows the bind's IOException undeclared
            throw bindFailure("udp", dataAddress, e);
        }
        reset();
        if (controlAddress != null) {
            controlGroup = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
            try {
                control = bindControl(controlAddress);
            } catch (Exception e) {
                controlGroup.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
                ingress.close();
                throw bindFailure("tcp", controlAddress, e);
            }
        } else {
            controlGroup = null;
            control = null;
        }
    }

    /** A bind that failed as a one-line {@link Cli.Failure}; interrupts and configuration errors pass unchanged. */
    private static RuntimeException bindFailure(String protocol, InetSocketAddress address, Exception e)
            throws InterruptedException {
        if (e instanceof InterruptedException) {
            throw (InterruptedException) e;
        }
        if (e instanceof RuntimeException && !(e instanceof io.netty.channel.ChannelException)) {
            return (RuntimeException) e;
        }
        return Cli.bindFailure(protocol, address.getAddress(), address.getPort(), e);
    }

    private Channel bindControl(InetSocketAddress controlAddress) throws InterruptedException {
        return new ServerBootstrap().group(controlGroup).channel(NioServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(new LineBasedFrameDecoder(256),
                                    new StringDecoder(StandardCharsets.UTF_8), new StringEncoder(StandardCharsets.UTF_8),
                                    new SimpleChannelInboundHandler<String>() {
                                        @Override
                                        protected void channelRead0(ChannelHandlerContext ctx, String line) {
                                            switch (line.trim()) {
                                                case "RESET" -> {
                                                    reset();
                                                    ctx.writeAndFlush("OK\n");
                                                }
                                                case "RESULTS" -> ctx.writeAndFlush(figures().json() + "\n");
                                                default -> ctx.writeAndFlush("ERR unknown command\n");
                                            }
                                        }
                                    });
                        }
                    }).bind(controlAddress).sync().channel();
    }

    /** The ingress. */
    public NetfragIngress ingress() {
        return ingress;
    }

    /** Where the data socket is bound. */
    public InetSocketAddress dataAddress() {
        return ingress.localAddress();
    }

    /** Where the control socket is bound, or {@code null}. */
    public InetSocketAddress controlAddress() {
        return control == null ? null : (InetSocketAddress) control.localAddress();
    }

    /** Zeroes the figures. */
    public void reset() {
        baseline = new Baseline(System.nanoTime(), datagrams.get(), bytes.get(), verified.get(), corrupt.get(),
                ingress.ringExhaustions(), KernelUdpStats.read(), ingress.stats());
    }

    /** Figures since the last reset. */
    public Figures figures() {
        Baseline b = baseline;
        CounterSnapshot now = ingress.stats();
        Map<String, Long> before = b.counters().toMap();
        Map<String, Long> delta = new java.util.LinkedHashMap<>();
        for (Map.Entry<String, Long> e : now.toMap().entrySet()) {
            long d = e.getValue() - before.getOrDefault(e.getKey(), 0L);
            if (d != 0) {
                delta.put(e.getKey(), d);
            }
        }
        long peak = 0;
        for (ReceivePath.Handlers h : ingress.handlerSets()) {
            peak += h.peakPinnedBytes();
        }
        return new Figures(System.nanoTime() - b.nanos(), datagrams.get() - b.datagrams(), bytes.get() - b.bytes(),
                verified.get() - b.verified(), corrupt.get() - b.corrupt(), ingress.ringExhaustions() - b.exhaustions(),
                KernelUdpStats.read().since(b.kernel()), peak, delta);
    }

    @Override
    public void close() {
        if (control != null) {
            control.close().syncUninterruptibly();
            controlGroup.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
        }
        ingress.close();
    }

    /** Counts, verifies and releases delivered datagrams. Sharable: one instance per channel anyway. */
    private final class Sink extends SimpleChannelInboundHandler<DatagramPacket> {
        private final Predicate<ByteBuf> verifier;

        Sink(Predicate<ByteBuf> verifier) {
            this.verifier = verifier;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket d) {
            datagrams.incrementAndGet();
            bytes.addAndGet(d.content().readableBytes());
            if (verifier != null) {
                (verifier.test(d.content()) ? verified : corrupt).incrementAndGet();
            }
        }
    }
}
