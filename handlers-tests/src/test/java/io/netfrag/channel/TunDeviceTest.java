package io.netfrag.channel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import io.netfrag.reassembly.CoalescePolicy;
import io.netfrag.stats.CounterSnapshot;
import io.netfrag.stats.MibCounter;
import io.netfrag.testing.Feature;
import io.netfrag.testing.Requires;
import io.netfrag.testkit.UdpDatagrams;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.IoEventLoop;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The receive path on a real TUN device. A network namespace ({@code nftest-<pid>}) holds the device
 * ({@code nftun<pid>}, MTU 1280, fd00:99::1/64 and 10.99.0.1/24); a UDP socket created in that namespace sends big
 * datagrams to fd00:99::2 and 10.99.0.2, which the namespace's kernel routes into the device, fragmenting them at the
 * MTU; the fragments are read on the epoll event loop and reassembled by the pipeline. Traffic stays in the namespace.
 *
 * <p>Needs root (CAP_NET_ADMIN, CAP_SYS_ADMIN for the namespace), {@code /dev/net/tun} and iproute2 ({@link
 * Feature#TUN}): elsewhere every test here is skipped with the reason, unless the run requires {@code tun}.
 */
@Requires(Feature.TUN)
class TunDeviceTest {
    /** Per JVM, so that concurrent builds on one host do not collide (a device name has at most 15 bytes). */
    private static final long PID = ProcessHandle.current().pid();
    private static final String NS = "nftest-" + PID;
    private static final String DEV = "nftun" + PID;
    private static final InetAddress LOCAL6 = addr("fd00:99::1");
    private static final InetAddress PEER6 = addr("fd00:99::2");
    private static final InetAddress LOCAL4 = addr("10.99.0.1");
    private static final InetAddress PEER4 = addr("10.99.0.2");
    private static final int PEER_PORT = 40000;
    private static final long TIMEOUT_SECONDS = 10;

    /** The syscalls to move a thread into a network namespace. */
    private interface NsLibc extends Library {
        int open(String path, int flags) throws LastErrorException;

        int setns(int fd, int nstype) throws LastErrorException;

        int close(int fd);
    }

    /** One thread whose network namespace is {@link #NS}: sockets it creates live there. */
    private static ExecutorService inNamespace;

    private static InetAddress addr(String s) {
        try {
            return InetAddress.getByName(s);
        } catch (IOException e) {
            throw new IllegalArgumentException(s, e);
        }
    }

    @BeforeAll
    static void namespace() throws Exception {
        if (Feature.TUN.unavailable() != null) {
            return; // every test is skipped (or failed, when tun is required) by @Requires
        }
        ip(true, "netns", "del", NS);
        ip("netns", "add", NS);
        ip("-n", NS, "link", "set", "lo", "up");
        inNamespace = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "tun-test-" + NS);
            t.setDaemon(true);
            return t;
        });
        inNamespace.submit(() -> {
            NsLibc libc = Native.load("c", NsLibc.class);
            int fd = libc.open("/run/netns/" + NS, 0x80000 /* O_RDONLY | O_CLOEXEC */);
            try {
                libc.setns(fd, 0x40000000 /* CLONE_NEWNET */);
            } finally {
                libc.close(fd);
            }
            return null;
        }).get();
    }

    @AfterAll
    static void removeNamespace() throws Exception {
        if (inNamespace != null) {
            inNamespace.shutdownNow();
            ip(true, "netns", "del", NS);
        }
    }

    private static String ip(String... args) throws IOException, InterruptedException {
        return ip(false, args);
    }

    private static String ip(boolean mayFail, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add("ip");
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        boolean done = p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        if (!mayFail && (!done || p.exitValue() != 0)) {
            throw new IOException(String.join(" ", cmd) + " failed: " + out.trim());
        }
        return out;
    }

    /** Opens the device, moves it into the namespace and configures it there. */
    private static TunDevice up(TunDevice.Builder builder) throws Exception {
        TunDevice tun = builder.open();
        boolean ok = false;
        try {
            assertEquals(DEV, tun.name());
            ip("link", "set", DEV, "netns", NS);
            ip("-n", NS, "link", "set", DEV, "mtu", "1280", "txqueuelen", "4096", "up");
            ip("-n", NS, "addr", "add", "fd00:99::1/64", "dev", DEV, "nodad");
            ip("-n", NS, "addr", "add", "10.99.0.1/24", "dev", DEV);
            ok = true;
            return tun;
        } finally {
            if (!ok) {
                tun.close();
            }
        }
    }

    /** A datagram as delivered, copied on the event loop. */
    private record Received(InetSocketAddress sender, InetSocketAddress recipient, byte[] payload,
            boolean onEpollLoop, String shape) {
    }

    /** Copies delivered datagrams, counts other packets (MLD, router solicitations) and releases everything. */
    private static final class Sink extends ChannelInboundHandlerAdapter {
        final BlockingQueue<Received> received = new LinkedBlockingQueue<>();
        final AtomicLong others = new AtomicLong();
        /** The buffer shape of every datagram delivered (what {@code ReceivePathEntryPointsTest} asks elsewhere). */
        final java.util.Set<String> shapes = java.util.concurrent.ConcurrentHashMap.newKeySet();

        @Override
        public boolean isSharable() {
            return true;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (msg instanceof DatagramPacket) {
                    DatagramPacket d = (DatagramPacket) msg;
                    boolean onLoop = ctx.channel().eventLoop().inEventLoop()
                            && ((IoEventLoop) ctx.channel().eventLoop()).isIoType(EpollIoHandler.class);
                    received.add(new Received(d.sender(), d.recipient(), ByteBufUtil.getBytes(d.content()), onLoop,
                            d.content() instanceof io.netty.buffer.CompositeByteBuf ? "chain"
                                    : d.content().nioBufferCount() == 1 ? "contiguous" : "other"));
                } else {
                    others.incrementAndGet();
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        Received next() throws InterruptedException {
            Received r = received.poll(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            assertNotNull(r, "no datagram delivered within " + TIMEOUT_SECONDS + " s");
            return r;
        }
    }

    private static byte[] payload(int length, long seed) {
        byte[] b = new byte[length];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static DatagramSocket senderInNamespace() throws Exception {
        return inNamespace.submit(() -> new DatagramSocket(0)).get();
    }

    /** Sends each datagram and waits for it: the pipeline must deliver it byte-exact, from the right ports. */
    private static void sendAndExpect(DatagramSocket sender, Sink sink, InetAddress local, InetAddress peer,
            int length, int count) throws Exception {
        for (int i = 0; i < count; i++) {
            byte[] payload = payload(length, length * 31L + i);
            sender.send(new java.net.DatagramPacket(payload, payload.length, peer, PEER_PORT + i));
            Received r = sink.next();
            assertEquals(new InetSocketAddress(local, sender.getLocalPort()), r.sender());
            assertEquals(new InetSocketAddress(peer, PEER_PORT + i), r.recipient());
            assertArrayEquals(payload, r.payload(), length + "-byte datagram " + i + " to " + peer);
            assertTrue(r.onEpollLoop(), "not delivered on the channel's epoll event loop");
            sink.shapes.add(r.shape());
        }
    }

    @ParameterizedTest(name = "{0}, ring {1}")
    @CsvSource({"COPY, 0", "ADAPTIVE, 0", "COMPOSITE, 0", "NONE, 0", "ADAPTIVE, 64"})
    void deliversKernelFragmentedDatagramsByteExact(CoalescePolicy policy, int ringSlots) throws Exception {
        Sink sink = new Sink();
        int[] lengths = {8000, 30000, 65507};
        int perLength = 3;
        try (TunDevice tun = up(TunDevice.builder(DEV)
                .receivePath(io.netfrag.ReceivePath.builder().policy(policy).build()).ring(ringSlots, 2048)
                .userHandlers(() -> new ChannelHandler[] {sink}));
                DatagramSocket sender = senderInNamespace()) {
            for (int length : lengths) {
                sendAndExpect(sender, sink, LOCAL6, PEER6, length, perLength);
                sendAndExpect(sender, sink, LOCAL4, PEER4, length, perLength);
            }
            int datagrams = 2 * lengths.length * perLength;
            CounterSnapshot stats = tun.stats();
            assertEquals(datagrams, stats.get(MibCounter.UDP_IN_DATAGRAMS));
            // the kernel fragmented every one of them at the 1280-byte MTU
            assertEquals(datagrams, stats.get(MibCounter.REASM_OKS));
            assertTrue(stats.get(MibCounter.REASM_REQDS) >= datagrams * 7L, stats.toString());
            assertEquals(0, stats.get(MibCounter.REASM_FAILS));
            assertEquals(0, tun.truncatedPackets());
            assertTrue(sink.received.isEmpty());
            // the receive path's shape per policy, as at the other entry points
            if (policy == CoalescePolicy.COPY) {
                assertEquals(java.util.Set.of("contiguous"), sink.shapes);
            } else if (policy == CoalescePolicy.NONE || policy == CoalescePolicy.COMPOSITE) {
                assertEquals(java.util.Set.of("chain"), sink.shapes);
            }
        }
    }

    @Test
    void multiQueueDeviceDeliversOnEveryQueue() throws Exception {
        Sink sink = new Sink();
        try (TunDevice tun = up(TunDevice.builder(DEV).queues(2).userHandlers(() -> new ChannelHandler[] {sink}));
                DatagramSocket sender = senderInNamespace()) {
            assertEquals(2, tun.channels().size());
            assertTrue(tun.channels().get(0).eventLoop() != tun.channels().get(1).eventLoop());
            sendAndExpect(sender, sink, LOCAL6, PEER6, 30000, 4);
            sendAndExpect(sender, sink, LOCAL4, PEER4, 30000, 4);
            assertEquals(8, tun.stats().get(MibCounter.REASM_OKS));
        }
    }

    @Test
    void packetsLongerThanTheReceiveBufferAreCountedAndDropped() throws Exception {
        Sink sink = new Sink();
        try (TunDevice tun = up(TunDevice.builder(DEV).maxPacketBytes(1024)
                .userHandlers(() -> new ChannelHandler[] {sink}));
                DatagramSocket sender = senderInNamespace()) {
            byte[] payload = payload(8000, 1);
            // 7 fragments of at most 1280 bytes: the first 6 are 1280 bytes long
            sender.send(new java.net.DatagramPacket(payload, payload.length, PEER6, PEER_PORT));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_SECONDS);
            while (tun.truncatedPackets() < 6 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals(6, tun.truncatedPackets());
            assertTrue(sink.received.isEmpty());
        }
    }

    @Test
    void writesInjectPacketsIntoTheKernel() throws Exception {
        try (TunDevice tun = up(TunDevice.builder(DEV));
                DatagramSocket receiver = inNamespace.submit(() -> new DatagramSocket(0)).get()) {
            receiver.setSoTimeout((int) TimeUnit.SECONDS.toMillis(TIMEOUT_SECONDS));
            TunChannel channel = tun.channels().get(0);

            // not an IP packet: the kernel refuses it (EINVAL), the write fails, the device stays usable
            ChannelFuture bad = channel.writeAndFlush(Unpooled.wrappedBuffer(new byte[40])).await();
            assertFalse(bad.isSuccess());
            assertTrue(channel.isActive());

            InetAddress[][] pairs = {{PEER4, LOCAL4}, {PEER6, LOCAL6}};
            for (InetAddress[] pair : pairs) {
                byte[] payload = payload(1000, 7);
                ByteBuf content = Unpooled.wrappedBuffer(payload);
                ByteBuf packet = pair[0] instanceof Inet4Address
                        ? UdpDatagrams.ipv4(channel.alloc(), (Inet4Address) pair[0], (Inet4Address) pair[1], 5555,
                                receiver.getLocalPort(), 1, content)
                        : UdpDatagrams.ipv6(channel.alloc(), (Inet6Address) pair[0], (Inet6Address) pair[1], 5555,
                                receiver.getLocalPort(), content);
                content.release();
                assertTrue(channel.writeAndFlush(packet).await().isSuccess());
                java.net.DatagramPacket got = new java.net.DatagramPacket(new byte[2000], 2000);
                receiver.receive(got);
                assertEquals(new InetSocketAddress(pair[0], 5555), got.getSocketAddress());
                assertArrayEquals(payload, java.util.Arrays.copyOf(got.getData(), got.getLength()));
            }
        }
    }
}
