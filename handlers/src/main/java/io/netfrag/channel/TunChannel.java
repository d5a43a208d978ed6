package io.netfrag.channel;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.AbstractChannel;
import io.netty.channel.ChannelConfig;
import io.netty.channel.ChannelMetadata;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.channel.DefaultChannelConfig;
import io.netty.channel.EventLoop;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.IoEvent;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoRegistration;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoEvent;
import io.netty.channel.epoll.EpollIoHandle;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollIoOps;
import io.netty.channel.unix.FileDescriptor;
import io.netty.channel.unix.UnixChannelUtil;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.UncheckedBooleanSupplier;
import io.netty.util.internal.StringUtil;
import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A Netty {@link io.netty.channel.Channel} over a Linux TUN device, driven by Netty 4.2's epoll event loop: the
 * device's file descriptor is registered with {@link EpollIoHandler} as an {@link EpollIoHandle}, and every
 * {@code EPOLLIN} readiness reads packets until {@code EAGAIN} (or the allocator's messages-per-read budget; the
 * registration is level-triggered, so a budget cut short is simply resumed on the next loop iteration). Each read is
 * exactly one IPv4 or IPv6 packet ({@code IFF_TUN | IFF_NO_PI}), fired down the pipeline as a {@link ByteBuf} —
 * the message {@code io.netfrag.packet.IpPacketDecoder} takes.
 *
 * <p>Only opening the device needs code Netty lacks: {@code open("/dev/net/tun")} and {@code ioctl(TUNSETIFF)} go
 * through JNA ({@code TunNative}); the descriptor is then an ordinary Netty {@link FileDescriptor}. Any pipeline
 * works; {@link TunDevice} installs the netfrag receive path:
 *
 * <pre>{@code
 * TunChannel ch = TunChannel.open("nf0");
 * ReceivePath.defaults().install(ch.pipeline());
 * new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory()).next().register(ch).sync();
 * }</pre>
 *
 * <p><b>Receive buffers</b> come from the {@link io.netty.channel.ChannelOption#RCVBUF_ALLOCATOR}, by default a
 * {@link FixedRecvByteBufAllocator} of {@link #DEFAULT_MAX_PACKET_BYTES} (like Netty's datagram channels), so a
 * {@link BoundedReceiveRing} works here as on a socket. The device MTU must fit: the kernel cuts a longer packet to
 * the buffer and returns the buffer's length; such a read, recognised by an IP header claiming more, is dropped,
 * counted in {@link #truncatedPackets()} and logged once.
 *
 * <p><b>Writes</b> take {@link ByteBuf}s holding one IP packet each and inject them into the kernel as if received on
 * the device (a TUN write is one packet; heap buffers are copied to direct memory first). A write the kernel rejects
 * (malformed packet, device down) fails that message's promise and the channel stays open. Ownership of a written
 * buffer is transferred: it is released once written or failed.
 *
 * <p>The channel is active from {@link #open} until closed; {@code bind} and {@code connect} are not supported.
 * Closing it closes the descriptor, which deletes a non-persistent device.
 */
public final class TunChannel extends AbstractChannel {
    /** Default receive buffer size: a 1500-byte MTU and some, as Netty's datagram channels. */
    public static final int DEFAULT_MAX_PACKET_BYTES = 2048;

    private static final InternalLogger LOG = InternalLoggerFactory.getInstance(TunChannel.class);
    private static final ChannelMetadata METADATA = new ChannelMetadata(false, 16);
    private static volatile boolean truncationLogged;

    private final FileDescriptor fd;
    private final TunAddress address;
    private final DefaultChannelConfig config;
    private final AtomicLong truncatedPackets = new AtomicLong();
    private volatile boolean active = true;
    /** Touched on the event loop only. */
    private IoRegistration registration;
    private EpollIoOps ops = EpollIoOps.NONE;
    private boolean readPending;

    private TunChannel(FileDescriptor fd, String name) {
        super(null);
        this.fd = fd;
        this.address = new TunAddress(name);
        this.config = new DefaultChannelConfig(this);
        config.setRecvByteBufAllocator(
                new FixedRecvByteBufAllocator(DEFAULT_MAX_PACKET_BYTES).maxMessagesPerRead(
                        METADATA.defaultMaxMessagesPerRead()));
    }

    /** Whether JNA (an optional dependency, for {@code open} and {@code ioctl}) is on the class path. */
    private static final boolean JNA_PRESENT = jnaPresent();

    private static boolean jnaPresent() {
        try {
            Class.forName("com.sun.jna.Native", false, TunChannel.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    /**
     * Opens (creating if needed) the TUN device {@code name}, single queue.
     *
     * @param name device name of at most 15 bytes; a template such as {@code "tun%d"} or empty lets the kernel pick
     * @return an open, active, unregistered channel; register it with an epoll {@link IoEventLoop}
     * @throws IOException when the device cannot be opened; the message names the likely cause
     * @throws UnsupportedOperationException when Netty's native epoll transport or JNA is unavailable
     */
    public static TunChannel open(String name) throws IOException {
        return open(name, false);
    }

    /**
     * Opens (creating if needed) the TUN device {@code name}; with {@code multiQueue} every call attaches one more
     * queue of the same device ({@code IFF_MULTI_QUEUE}) and the kernel spreads flows over the queues.
     *
     * @param name device name of at most 15 bytes; a template such as {@code "tun%d"} or empty lets the kernel pick
     * @param multiQueue whether to open with {@code IFF_MULTI_QUEUE}
     * @return an open, active, unregistered channel; register it with an epoll {@link IoEventLoop}
     * @throws IOException when the device cannot be opened; the message names the likely cause
     * @throws UnsupportedOperationException when Netty's native epoll transport or JNA is unavailable
     */
    public static TunChannel open(String name, boolean multiQueue) throws IOException {
        if (!Epoll.isAvailable()) {
            throw new UnsupportedOperationException("TUN needs Netty's native epoll transport, unavailable here: "
                    + Epoll.unavailabilityCause(), Epoll.unavailabilityCause());
        }
        if (!JNA_PRESENT) {
            // JNA is an optional dependency, needed only here: say so rather than fail with NoClassDefFoundError
            throw new UnsupportedOperationException("TUN needs JNA: add net.java.dev.jna:jna to the class path");
        }
        TunNative.Opened opened = TunNative.open(name, multiQueue);
        return new TunChannel(new FileDescriptor(opened.fd()), opened.name());
    }

    /** The device name the kernel reports. */
    public String name() {
        return address.name();
    }

    /** Packets dropped because they did not fit the receive buffer. */
    public long truncatedPackets() {
        return truncatedPackets.get();
    }

    @Override
    public ChannelConfig config() {
        return config;
    }

    @Override
    public boolean isOpen() {
        return fd.isOpen();
    }

    @Override
    public boolean isActive() {
        return active && fd.isOpen();
    }

    @Override
    public ChannelMetadata metadata() {
        return METADATA;
    }

    @Override
    public TunAddress localAddress() {
        return (TunAddress) super.localAddress();
    }

    @Override
    protected AbstractUnsafe newUnsafe() {
        return new TunUnsafe();
    }

    @Override
    protected boolean isCompatible(EventLoop loop) {
        return loop instanceof IoEventLoop && ((IoEventLoop) loop).isCompatible(TunUnsafe.class);
    }

    @Override
    protected SocketAddress localAddress0() {
        return address;
    }

    @Override
    protected SocketAddress remoteAddress0() {
        return null;
    }

    @Override
    protected void doRegister(ChannelPromise promise) {
        ((IoEventLoop) eventLoop()).register((TunUnsafe) unsafe()).addListener(f -> {
            if (f.isSuccess()) {
                IoRegistration r = (IoRegistration) f.getNow();
                try {
                    r.submit(ops);
                } catch (RuntimeException e) {
                    r.cancel();
                    promise.setFailure(e);
                    return;
                }
                registration = r;
                promise.setSuccess();
            } else {
                promise.setFailure(f.cause());
            }
        });
    }

    @Override
    protected void doDeregister() {
        IoRegistration r = registration;
        if (r != null) {
            registration = null;
            r.cancel();
        }
    }

    @Override
    protected void doBind(SocketAddress localAddress) {
        throw new UnsupportedOperationException("a TUN channel is bound to its device when opened");
    }

    @Override
    protected void doDisconnect() throws Exception {
        doClose();
    }

    @Override
    protected void doClose() throws Exception {
        active = false;
        try {
            // as AbstractEpollChannel: leave epoll while the descriptor is still open
            if (isRegistered()) {
                EventLoop loop = eventLoop();
                if (loop.inEventLoop()) {
                    doDeregister();
                } else {
                    loop.execute(this::doDeregister);
                }
            }
        } finally {
            fd.close();
        }
    }

    @Override
    protected void doBeginRead() {
        readPending = true;
        setOp(EpollIoOps.EPOLLIN);
    }

    @Override
    protected Object filterOutboundMessage(Object msg) {
        if (msg instanceof ByteBuf) {
            ByteBuf packet = (ByteBuf) msg;
            if (!UnixChannelUtil.isBufferCopyNeededForWrite(packet)) {
                return packet;
            }
            // the native write needs a memory address: copy heap (and over-fragmented composite) packets
            ByteBuf direct = alloc().directBuffer(packet.readableBytes());
            direct.writeBytes(packet, packet.readerIndex(), packet.readableBytes());
            ReferenceCountUtil.safeRelease(packet);
            return direct;
        }
        throw new UnsupportedOperationException("unsupported message type: " + StringUtil.simpleClassName(msg)
                + " (expected ByteBuf holding one IP packet)");
    }

    @Override
    protected void doWrite(ChannelOutboundBuffer in) throws Exception {
        for (;;) {
            Object msg = in.current();
            if (msg == null) {
                clearOp(EpollIoOps.EPOLLOUT);
                return;
            }
            ByteBuf packet = (ByteBuf) msg;
            if (!packet.isReadable()) {
                in.remove();
                continue;
            }
            long written;
            try {
                written = write(packet);
            } catch (ClosedChannelException e) {
                throw e;
            } catch (IOException e) {
                // EINVAL (not an IP packet), EIO (device down), …: this packet fails, the device stays usable
                in.remove(e);
                continue;
            }
            if (written == 0) {
                // EAGAIN: wait for EPOLLOUT; AbstractChannel keeps the rest queued
                setOp(EpollIoOps.EPOLLOUT);
                return;
            }
            // tun_get_user consumes the whole write as one packet
            in.remove();
        }
    }

    private long write(ByteBuf packet) throws IOException {
        int start = packet.readerIndex();
        int end = packet.writerIndex();
        if (packet.hasMemoryAddress()) {
            return fd.writeAddress(packet.memoryAddress(), start, end);
        }
        if (packet.nioBufferCount() == 1) {
            ByteBuffer nio = packet.internalNioBuffer(start, end - start);
            return fd.write(nio, nio.position(), nio.limit());
        }
        ByteBuffer[] parts = packet.nioBuffers(start, end - start);
        return fd.writev(parts, 0, parts.length, end - start);
    }

    private int read(ByteBuf buf) throws IOException {
        int writerIndex = buf.writerIndex();
        if (buf.hasMemoryAddress()) {
            return fd.readAddress(buf.memoryAddress(), writerIndex, buf.capacity());
        }
        ByteBuffer nio = buf.internalNioBuffer(writerIndex, buf.writableBytes());
        return fd.read(nio, nio.position(), nio.limit());
    }

    private void setOp(EpollIoOps op) {
        if (ops.contains(op)) {
            return;
        }
        ops = ops.with(op);
        submitOps();
    }

    private void clearOp(EpollIoOps op) {
        if (!ops.contains(op)) {
            return;
        }
        ops = ops.without(op);
        submitOps();
    }

    private void submitOps() {
        IoRegistration r = registration;
        if (r != null) {
            r.submit(ops);
        }
    }

    /**
     * The length the IP header of the packet just read into {@code buf} claims (IPv4 Total Length, IPv6 40 +
     * Payload Length), or -1 when it cannot tell (too short, other version, IPv6 jumbogram).
     */
    private static int ipLength(ByteBuf buf, int n) {
        int at = buf.writerIndex();
        int version = n > 0 ? (buf.getByte(at) & 0xf0) >>> 4 : 0;
        if (version == 4 && n >= 4) {
            return buf.getUnsignedShort(at + 2);
        }
        if (version == 6 && n >= 6) {
            int payloadLength = buf.getUnsignedShort(at + 4);
            return payloadLength == 0 ? -1 : 40 + payloadLength;
        }
        return -1;
    }

    private void truncated(int room) {
        truncatedPackets.incrementAndGet();
        if (!truncationLogged) {
            truncationLogged = true;
            LOG.warn("{}: dropped a packet longer than the {}-byte receive buffer; set ChannelOption.RCVBUF_ALLOCATOR "
                    + "(or the ring slot size) to at least the device MTU (logged once)", address, room);
        }
    }

    /** The epoll handle: Netty's event loop calls {@link #handle} with the ready events. */
    private final class TunUnsafe extends AbstractUnsafe implements EpollIoHandle {
        @Override
        public FileDescriptor fd() {
            return fd;
        }

        @Override
        public void connect(SocketAddress remote, SocketAddress local, ChannelPromise promise) {
            promise.setFailure(new UnsupportedOperationException("a TUN channel has no peer to connect to"));
        }

        @Override
        public void handle(IoRegistration registration, IoEvent event) {
            EpollIoOps ready = ((EpollIoEvent) event).ops();
            boolean error = ready.contains(EpollIoOps.EPOLLERR);
            if (ready.contains(EpollIoOps.EPOLLOUT) || error) {
                epollOutReady();
            }
            // EPOLLERR: the device went away; the read reports why and closes the channel
            if (ready.contains(EpollIoOps.EPOLLIN) || error) {
                epollInReady();
            }
        }

        @Override
        public void close() {
            close(voidPromise());
        }

        @Override
        protected void flush0() {
            // a flush waiting for EPOLLOUT is resumed by epollOutReady
            if (!ops.contains(EpollIoOps.EPOLLOUT)) {
                super.flush0();
            }
        }

        private void epollOutReady() {
            if (ops.contains(EpollIoOps.EPOLLOUT) && isOpen()) {
                super.flush0();
            }
        }

        private void epollInReady() {
            if (!isOpen()) {
                return;
            }
            ChannelConfig config = config();
            if (!readPending && !config.isAutoRead()) {
                // auto-read was switched off (e.g. by BoundedReceiveRing) since EPOLLIN was armed
                clearOp(EpollIoOps.EPOLLIN);
                return;
            }
            ChannelPipeline pipeline = pipeline();
            ByteBufAllocator allocator = config.getAllocator();
            // every RecvByteBufAllocator of Netty's (and BoundedReceiveRing) hands out an ExtendedHandle; Netty's
            // epoll channels make the same cast
            RecvByteBufAllocator.ExtendedHandle allocHandle =
                    (RecvByteBufAllocator.ExtendedHandle) recvBufAllocHandle();
            allocHandle.reset(config);
            Throwable failure = null;
            boolean closed = false;
            try {
                do {
                    ByteBuf buf = allocHandle.allocate(allocator);
                    int room = buf.writableBytes();
                    allocHandle.attemptedBytesRead(room);
                    int n;
                    try {
                        n = read(buf);
                    } catch (Throwable t) {
                        buf.release();
                        throw t;
                    }
                    if (n <= 0) {
                        // 0: EAGAIN, the queue is empty; -1: end of file, which a TUN descriptor reports only
                        // when detached
                        buf.release();
                        closed = n < 0;
                        break;
                    }
                    allocHandle.incMessagesRead(1);
                    if (n >= room && ipLength(buf, n) > n) {
                        // tun_chr_read_iter copies what fits and returns min(packet length, buffer length)
                        allocHandle.lastBytesRead(room);
                        buf.release();
                        truncated(room);
                        continue;
                    }
                    allocHandle.lastBytesRead(n);
                    buf.writerIndex(buf.writerIndex() + n);
                    readPending = false;
                    pipeline.fireChannelRead(buf);
                    // as EpollDatagramChannel: a packet shorter than the buffer does not mean the queue is empty
                } while (allocHandle.continueReading(UncheckedBooleanSupplier.TRUE_SUPPLIER));
            } catch (Throwable t) {
                failure = t;
            }
            allocHandle.readComplete();
            pipeline.fireChannelReadComplete();
            if (failure != null) {
                pipeline.fireExceptionCaught(failure);
                closed |= failure instanceof IOException || failure instanceof UncheckedIOException;
            }
            if (closed) {
                close(voidPromise());
            } else if (!readPending && !config.isAutoRead()) {
                clearOp(EpollIoOps.EPOLLIN);
            }
        }
    }
}
