package io.netfrag.testkit;

import static io.netty.util.internal.ObjectUtil.checkNotNull;

import io.netfrag.esp.EspEncoder;
import io.netfrag.esp.SecurityAssociation;
import io.netfrag.esp.XfrmStateParser;
import io.netfrag.internal.wire.Ipv6Header;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * A stream of UDP datagrams as a sender puts them on the wire: each datagram gets a {@link Payloads} payload for
 * (seed, index), is built by {@link UdpDatagrams}, optionally ESP-protected by an {@link EspEncoder} (transport or
 * tunnel mode, per the SA; outbound sequence numbers from 1, counter IVs), fragmented by a {@link Fragmenter} at the
 * MTU and passed through {@link Impairments}.
 *
 * <pre>{@code
 * TrafficGenerator g = TrafficGenerator.builder()
 *         .addresses(InetAddress.getByName("fc00:1::1"), InetAddress.getByName("fc00:2::1"))
 *         .ports(40001, 5000).payloadLength(60000).seed(7).mtu(1500)
 *         .sa("src fc00:1::1 dst fc00:2::1 proto esp spi 0x1000 mode transport aead 'rfc4106(gcm(aes))' 0x…")
 *         .build();
 * g.next(channel::writeInbound);   // the fragments of datagram 0
 * }</pre>
 *
 * <p>The identification of datagram {@code k} (IPv4 header and outer fragments; IPv6 Fragment header) is
 * {@code firstIdentification + k}. Per datagram the generator allocates the plain packet, the ESP packet (when an SA
 * is set) and the fragments, and nothing else once its internal list has grown; payloads are bulk copies and the
 * only per-byte work is the UDP checksum and the encryption. Not thread-safe.
 */
public final class TrafficGenerator {
    private final ByteBufAllocator alloc;
    private final InetAddress sourceAddress;
    private final InetAddress destinationAddress;
    private final byte[] source;
    private final byte[] destination;
    private final boolean ipv6;
    private final int sourcePort;
    private final int destinationPort;
    private final int payloadLength;
    private final long seed;
    private final int mtu;
    private final EspEncoder esp;
    private final InetAddress outerSource;
    private final InetAddress outerDestination;
    private final Fragmenter fragmenter = new Fragmenter();
    private final Impairments impairments;
    private final List<ByteBuf> fragments = new ArrayList<>();
    private final Consumer<ByteBuf> collect = fragments::add;
    private long nextIndex;
    private int nextIdentification;
    private boolean lastCompletable = true;

    private TrafficGenerator(Builder b) {
        this.alloc = b.alloc;
        this.sourceAddress = b.source;
        this.destinationAddress = b.destination;
        this.source = b.source.getAddress();
        this.destination = b.destination.getAddress();
        this.ipv6 = b.source instanceof Inet6Address;
        this.sourcePort = b.sourcePort;
        this.destinationPort = b.destinationPort;
        this.payloadLength = b.payloadLength;
        this.seed = b.seed;
        this.mtu = b.mtu;
        this.esp = b.sa == null ? null : new EspEncoder(b.sa);
        boolean tunnel = b.sa != null && b.sa.mode() == SecurityAssociation.Mode.TUNNEL;
        this.outerSource = !tunnel ? null : b.outerSource != null ? b.outerSource : b.sa.source();
        this.outerDestination = !tunnel ? null : b.outerSource != null ? b.outerDestination : b.sa.destination();
        this.impairments = b.impairments != null ? b.impairments : Impairments.none();
        this.nextIndex = b.firstIndex;
        this.nextIdentification = b.firstIdentification != null ? b.firstIdentification : defaultIdentification(seed);
    }

    /** A builder; addresses are required, everything else has a default. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Sends the next datagram, of the configured payload length.
     *
     * @param out receives the fragments (after impairments); ownership of each is transferred to it
     * @return the number of fragments passed to {@code out}
     */
    public int next(Consumer<? super ByteBuf> out) {
        return next(payloadLength, out);
    }

    /**
     * Sends the next datagram with a payload of {@code length} bytes.
     *
     * @param length the UDP payload length, at least {@link Payloads#HEADER_LENGTH}
     * @param out receives the fragments (after impairments); ownership of each is transferred to it
     * @return the number of fragments passed to {@code out}
     * @throws IllegalArgumentException when the length does not fit the family (or, with ESP, the protected packet
     *     exceeds 65535 bytes of IP payload)
     */
    public int next(int length, Consumer<? super ByteBuf> out) {
        checkNotNull(out, "out");
        int identification = nextIdentification;
        ByteBuf packet = nextPacket(length);
        if (impairments.passThrough()) {
            // fast path: fragments go straight to out, no intermediate list
            try {
                int n = fragmenter.fragment(packet, mtu, identification, alloc, out);
                impairments.countPassThrough(n);
                lastCompletable = true;
                return n;
            } finally {
                packet.release();
            }
        }
        try {
            fragmenter.fragment(packet, mtu, identification, alloc, collect);
        } catch (RuntimeException | Error e) {
            for (ByteBuf f : fragments) {
                f.release();
            }
            fragments.clear();
            throw e;
        } finally {
            packet.release();
        }
        int n = impairments.apply(fragments, out);
        lastCompletable = impairments.lastCompletable();
        return n;
    }

    /**
     * Builds the next datagram's whole packet (ESP applied, not fragmented, no impairments) and advances the index
     * and identification, for callers that fragment or send it themselves.
     *
     * @param length the UDP payload length, at least {@link Payloads#HEADER_LENGTH}
     * @return the packet; owned by the caller
     */
    public ByteBuf nextPacket(int length) {
        if (length < Payloads.HEADER_LENGTH) {
            throw new IllegalArgumentException("payload length must be at least " + Payloads.HEADER_LENGTH + ": "
                    + length);
        }
        long index = nextIndex;
        int identification = nextIdentification;
        ByteBuf plain = ipv6 ? UdpDatagrams.startIpv6(alloc, source, destination, sourcePort, destinationPort, length)
                : UdpDatagrams.startIpv4(alloc, source, destination, sourcePort, destinationPort, identification,
                        length);
        ByteBuf packet;
        try {
            Payloads.fill(plain, seed, index, length);
            UdpDatagrams.finish(plain);
            if (esp == null) {
                packet = plain;
                plain = null;
            } else {
                packet = esp.sa().mode() == SecurityAssociation.Mode.TUNNEL
                        ? esp.protectTunnel(plain, outerSource, outerDestination, alloc)
                        : esp.protectTransport(plain, alloc);
                checkLength(packet);
            }
        } finally {
            if (plain != null) {
                plain.release();
            }
        }
        nextIndex++;
        nextIdentification++;
        return packet;
    }

    private static void checkLength(ByteBuf packet) {
        int length = packet.readableBytes();
        boolean v6 = packet.getUnsignedByte(packet.readerIndex()) >>> 4 == 6;
        if (v6 ? length - Ipv6Header.LENGTH > Ipv6Header.MAX_PAYLOAD_LENGTH : length > 65535) {
            packet.release();
            throw new IllegalArgumentException("the ESP packet would be " + length + " bytes long, more than "
                    + (v6 ? "IPv6" : "IPv4") + " allows");
        }
    }

    /** The index the next datagram carries. */
    public long nextIndex() {
        return nextIndex;
    }

    /** The payload seed (for {@link Payloads#verify(ByteBuf, long)}). */
    public long seed() {
        return seed;
    }

    /** The configured payload length. */
    public int payloadLength() {
        return payloadLength;
    }

    /** The MTU. */
    public int mtu() {
        return mtu;
    }

    /** Whether the last datagram sent can be reassembled (no fragment lost, no overlap injected). */
    public boolean lastCompletable() {
        return lastCompletable;
    }

    /** The impairments, with their statistics. */
    public Impairments impairments() {
        return impairments;
    }

    /** The ESP encoder (to set sequence numbers for negative tests), or {@code null} without an SA. */
    public EspEncoder espEncoder() {
        return esp;
    }

    /** The UDP sender as a receiver's {@code DatagramPacket.sender()} reports it (inner addresses in tunnel mode). */
    public InetSocketAddress sender() {
        return new InetSocketAddress(sourceAddress, sourcePort);
    }

    /** The UDP recipient as a receiver's {@code DatagramPacket.recipient()} reports it. */
    public InetSocketAddress recipient() {
        return new InetSocketAddress(destinationAddress, destinationPort);
    }

    private static int defaultIdentification(long seed) {
        return (int) ((seed * 0x9e3779b97f4a7c15L) >>> 32) | 1;
    }

    /** Configures a {@link TrafficGenerator}. */
    public static final class Builder {
        private InetAddress source;
        private InetAddress destination;
        private int sourcePort = 40001;
        private int destinationPort = 5000;
        private int payloadLength = 1000;
        private long seed;
        private long firstIndex;
        private Integer firstIdentification;
        private SecurityAssociation sa;
        private InetAddress outerSource;
        private InetAddress outerDestination;
        private int mtu = 1500;
        private Impairments impairments;
        private ByteBufAllocator alloc = ByteBufAllocator.DEFAULT;

        private Builder() {
        }

        /** UDP source and destination addresses, both IPv6 or both IPv4 (required; the inner ones in tunnel mode). */
        public Builder addresses(InetAddress source, InetAddress destination) {
            this.source = checkNotNull(source, "source");
            this.destination = checkNotNull(destination, "destination");
            return this;
        }

        /** UDP ports (default 40001 → 5000). */
        public Builder ports(int sourcePort, int destinationPort) {
            this.sourcePort = sourcePort;
            this.destinationPort = destinationPort;
            return this;
        }

        /** Payload length of {@link TrafficGenerator#next(Consumer)} (default 1000, at least 8). */
        public Builder payloadLength(int payloadLength) {
            this.payloadLength = payloadLength;
            return this;
        }

        /** The payload seed (default 0). */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** Index of the first datagram (default 0). */
        public Builder firstIndex(long firstIndex) {
            this.firstIndex = firstIndex;
            return this;
        }

        /** Identification of the first datagram (default: derived from the seed). */
        public Builder firstIdentification(int firstIdentification) {
            this.firstIdentification = firstIdentification;
            return this;
        }

        /**
         * Protects every datagram with the SA an {@code ip xfrm state add} line describes (as
         * {@link XfrmStateParser#parse(String)} reads it).
         */
        public Builder sa(String xfrmStateLine) {
            return sa(XfrmStateParser.parse(checkNotNull(xfrmStateLine, "xfrmStateLine")));
        }

        /**
         * Protects every datagram with {@code sa}: in transport mode the datagram's header is kept (give the SA's
         * addresses to {@link #addresses}); in tunnel mode the outer header goes from the SA's source to its
         * destination unless {@link #outerAddresses} says otherwise.
         */
        public Builder sa(SecurityAssociation sa) {
            this.sa = checkNotNull(sa, "sa");
            return this;
        }

        /** Outer addresses in tunnel mode (default: the SA's source and destination). */
        public Builder outerAddresses(InetAddress source, InetAddress destination) {
            this.outerSource = checkNotNull(source, "source");
            this.outerDestination = checkNotNull(destination, "destination");
            return this;
        }

        /** The link MTU (default 1500; {@link Integer#MAX_VALUE} never fragments). */
        public Builder mtu(int mtu) {
            this.mtu = mtu;
            return this;
        }

        /** Impairments applied to every datagram's fragments (default {@link Impairments#none()}). */
        public Builder impairments(Impairments impairments) {
            this.impairments = checkNotNull(impairments, "impairments");
            return this;
        }

        /** Allocator of every buffer the generator makes (default {@link ByteBufAllocator#DEFAULT}). */
        public Builder allocator(ByteBufAllocator alloc) {
            this.alloc = checkNotNull(alloc, "alloc");
            return this;
        }

        /**
         * A new generator.
         *
         * @throws IllegalArgumentException when addresses are missing or of mixed families, a port or the payload
         *     length is out of range, the MTU is not positive, or a tunnel SA has no outer addresses
         */
        public TrafficGenerator build() {
            if (source == null || destination == null) {
                throw new IllegalArgumentException("addresses are required");
            }
            boolean v6 = source instanceof Inet6Address;
            if (v6 != destination instanceof Inet6Address) {
                throw new IllegalArgumentException("source and destination must be of one family: " + source + ", "
                        + destination);
            }
            if ((sourcePort & ~0xffff) != 0 || (destinationPort & ~0xffff) != 0) {
                throw new IllegalArgumentException("ports must be 0..65535: " + sourcePort + ", " + destinationPort);
            }
            int max = v6 ? UdpDatagrams.MAX_IPV6_PAYLOAD : UdpDatagrams.MAX_IPV4_PAYLOAD;
            if (payloadLength < Payloads.HEADER_LENGTH || payloadLength > max) {
                throw new IllegalArgumentException("payload length must be " + Payloads.HEADER_LENGTH + ".." + max
                        + ": " + payloadLength);
            }
            if (mtu <= 0) {
                throw new IllegalArgumentException("mtu must be positive: " + mtu);
            }
            if (sa != null && sa.mode() == SecurityAssociation.Mode.TUNNEL) {
                InetAddress outerFrom = outerSource != null ? outerSource : sa.source();
                InetAddress outerTo = outerSource != null ? outerDestination : sa.destination();
                if (outerFrom == null || outerTo == null) {
                    throw new IllegalArgumentException("tunnel mode needs outer addresses (the SA has no source)");
                }
                if (outerFrom instanceof Inet4Address != outerTo instanceof Inet4Address) {
                    throw new IllegalArgumentException("outer addresses must be of one family");
                }
            }
            return new TrafficGenerator(this);
        }
    }
}
