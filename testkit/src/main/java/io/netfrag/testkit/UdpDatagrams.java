package io.netfrag.testkit;

import static io.netty.util.internal.ObjectUtil.checkNotNull;

import io.netfrag.internal.wire.InternetChecksum;
import io.netfrag.internal.wire.IpProtocols;
import io.netfrag.internal.wire.Ipv4Header;
import io.netfrag.internal.wire.Ipv6Header;
import io.netfrag.internal.wire.UdpHeader;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Builds whole, unfragmented IPv6 and IPv4 packets carrying one UDP datagram, as a Linux sender puts them on the wire
 * before fragmentation: IPv6 with traffic class 0, flow label 0, hop limit 64 and no extension headers (RFC 8200 §3);
 * IPv4 with a 20-byte header, TOS 0, DF clear, TTL 64 and a valid header checksum (RFC 791); the UDP checksum over the
 * pseudo-header (RFC 768, RFC 8200 §8.1), a computed 0 sent as 0xffff.
 *
 * <p>{@link #builder()} builds the packets tests need beyond that: a traffic class or flow label, IPv6 extension headers
 * in front of the UDP header (Hop-by-Hop, Destination Options, Routing, and a Destination Options header after the
 * Routing header, which is fragmentable), IPv4 options, an IPv4 UDP checksum of 0.
 *
 * <p>Each returned packet is one buffer of exactly its length, owned by the caller.
 */
public final class UdpDatagrams {
    /** Largest UDP payload over IPv6 without a jumbo option: 65535 − 8. */
    public static final int MAX_IPV6_PAYLOAD = Ipv6Header.MAX_PAYLOAD_LENGTH - UdpHeader.LENGTH;
    /** Largest UDP payload over IPv4: 65535 − 20 − 8. */
    public static final int MAX_IPV4_PAYLOAD = 65535 - Ipv4Header.MIN_LENGTH - UdpHeader.LENGTH;
    /** The hop limit (IPv6) and TTL (IPv4) of built packets, Linux's default. */
    public static final int HOP_LIMIT = 64;

    private UdpDatagrams() {
    }

    /** A builder for one packet; the addresses choose IPv6 or IPv4. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * An IPv6 packet with one UDP datagram.
     *
     * @param alloc allocates the packet
     * @param source source address
     * @param destination destination address
     * @param sourcePort UDP source port, 0..65535
     * @param destinationPort UDP destination port, 0..65535
     * @param payload the readable bytes are the UDP payload; borrowed (copied, indices unchanged)
     * @return the packet; owned by the caller
     * @throws IllegalArgumentException when a port is out of range or the payload is longer than
     *     {@link #MAX_IPV6_PAYLOAD}
     */
    public static ByteBuf ipv6(ByteBufAllocator alloc, Inet6Address source, Inet6Address destination, int sourcePort,
            int destinationPort, ByteBuf payload) {
        checkNotNull(payload, "payload");
        ByteBuf packet = startIpv6(alloc, checkNotNull(source, "source").getAddress(),
                checkNotNull(destination, "destination").getAddress(), sourcePort, destinationPort,
                payload.readableBytes());
        return copyAndFinish(packet, payload);
    }

    /**
     * An IPv4 packet with one UDP datagram.
     *
     * @param alloc allocates the packet
     * @param source source address
     * @param destination destination address
     * @param sourcePort UDP source port, 0..65535
     * @param destinationPort UDP destination port, 0..65535
     * @param identification the IPv4 identification (low 16 bits are used)
     * @param payload the readable bytes are the UDP payload; borrowed (copied, indices unchanged)
     * @return the packet; owned by the caller
     * @throws IllegalArgumentException when a port is out of range or the payload is longer than
     *     {@link #MAX_IPV4_PAYLOAD}
     */
    public static ByteBuf ipv4(ByteBufAllocator alloc, Inet4Address source, Inet4Address destination, int sourcePort,
            int destinationPort, int identification, ByteBuf payload) {
        checkNotNull(payload, "payload");
        ByteBuf packet = startIpv4(alloc, checkNotNull(source, "source").getAddress(),
                checkNotNull(destination, "destination").getAddress(), sourcePort, destinationPort, identification,
                payload.readableBytes());
        return copyAndFinish(packet, payload);
    }

    /**
     * Allocates an IPv6 packet of exactly its final length and writes the IPv6 and UDP headers (checksum 0); the
     * caller writes {@code payloadLength} bytes, then calls {@link #finish(ByteBuf)}.
     */
    static ByteBuf startIpv6(ByteBufAllocator alloc, byte[] source, byte[] destination, int sourcePort,
            int destinationPort, int payloadLength) {
        checkPorts(sourcePort, destinationPort);
        if (payloadLength < 0 || payloadLength > MAX_IPV6_PAYLOAD) {
            throw new IllegalArgumentException("UDP payload over IPv6 must be 0.." + MAX_IPV6_PAYLOAD + " bytes: "
                    + payloadLength);
        }
        int udpLength = UdpHeader.LENGTH + payloadLength;
        int total = Ipv6Header.LENGTH + udpLength;
        ByteBuf packet = checkNotNull(alloc, "alloc").buffer(total, total);
        ipv6Header(packet, 0, 0, udpLength, IpProtocols.UDP, source, destination);
        udpHeader(packet, sourcePort, destinationPort, udpLength);
        return packet;
    }

    /** As {@link #startIpv6}, for IPv4; {@link #finish(ByteBuf)} also computes the header checksum. */
    static ByteBuf startIpv4(ByteBufAllocator alloc, byte[] source, byte[] destination, int sourcePort,
            int destinationPort, int identification, int payloadLength) {
        checkPorts(sourcePort, destinationPort);
        if (payloadLength < 0 || payloadLength > MAX_IPV4_PAYLOAD) {
            throw new IllegalArgumentException("UDP payload over IPv4 must be 0.." + MAX_IPV4_PAYLOAD + " bytes: "
                    + payloadLength);
        }
        int udpLength = UdpHeader.LENGTH + payloadLength;
        int total = Ipv4Header.MIN_LENGTH + udpLength;
        ByteBuf packet = checkNotNull(alloc, "alloc").buffer(total, total);
        ipv4Header(packet, Ipv4Header.MIN_LENGTH, 0, total, identification, source, destination);
        udpHeader(packet, sourcePort, destinationPort, udpLength);
        return packet;
    }

    private static void ipv6Header(ByteBuf b, int trafficClass, int flowLabel, int payloadLength, int nextHeader,
            byte[] source, byte[] destination) {
        b.writeInt(6 << 28 | trafficClass << 20 | flowLabel).writeShort(payloadLength).writeByte(nextHeader)
                .writeByte(HOP_LIMIT).writeBytes(source).writeBytes(destination);
    }

    /** The fixed 20 bytes of an IPv4 header announcing {@code headerLength} bytes; options follow. */
    private static void ipv4Header(ByteBuf b, int headerLength, int typeOfService, int total, int identification,
            byte[] source, byte[] destination) {
        b.writeByte(0x40 | headerLength / 4).writeByte(typeOfService).writeShort(total).writeShort(identification)
                .writeShort(0).writeByte(HOP_LIMIT).writeByte(IpProtocols.UDP).writeShort(0).writeBytes(source)
                .writeBytes(destination);
    }

    private static void udpHeader(ByteBuf b, int sourcePort, int destinationPort, int udpLength) {
        b.writeShort(sourcePort).writeShort(destinationPort).writeShort(udpLength).writeShort(0);
    }

    private static ByteBuf copyAndFinish(ByteBuf packet, ByteBuf payload) {
        return filled(packet, p -> {
            p.writeBytes(payload, payload.readerIndex(), payload.readableBytes());
            finish(p);
        });
    }

    /** Runs {@code fill} on {@code b} and returns it; releases it if {@code fill} throws. */
    private static ByteBuf filled(ByteBuf b, Consumer<ByteBuf> fill) {
        boolean done = false;
        try {
            fill.accept(b);
            done = true;
            return b;
        } finally {
            if (!done) {
                b.release();
            }
        }
    }

    /** Computes the UDP checksum (and for IPv4 the header checksum) of a packet made by a {@code start} method. */
    static void finish(ByteBuf packet) {
        int start = packet.readerIndex();
        finish(packet, packet.getUnsignedByte(start) >>> 4 == 6 ? Ipv6Header.LENGTH : Ipv4Header.MIN_LENGTH);
    }

    /** As {@link #finish(ByteBuf)}, for a packet whose UDP header starts {@code udpOffset} bytes in. */
    private static void finish(ByteBuf packet, int udpOffset) {
        int start = packet.readerIndex();
        long pseudo;
        int udp = start + udpOffset;
        int udpLength = packet.writerIndex() - udp;
        if (packet.getUnsignedByte(start) >>> 4 == 6) {
            pseudo = InternetChecksum.ipv6PseudoHeader(Ipv6Header.sourceHigh(packet, start),
                    Ipv6Header.sourceLow(packet, start), Ipv6Header.destinationHigh(packet, start),
                    Ipv6Header.destinationLow(packet, start), udpLength, IpProtocols.UDP);
        } else {
            Ipv4Header.updateChecksum(packet, start, udpOffset);
            pseudo = InternetChecksum.ipv4PseudoHeader(Ipv4Header.source(packet, start),
                    Ipv4Header.destination(packet, start), udpLength, IpProtocols.UDP);
        }
        int sum = ~InternetChecksum.fold(InternetChecksum.sum(packet, udp, udpLength, pseudo)) & 0xffff;
        // RFC 768: a computed checksum of 0 is sent as all ones (0 means "none", which IPv6 forbids).
        packet.setShort(udp + UdpHeader.CHECKSUM_OFFSET, sum == 0 ? 0xffff : sum);
    }

    private static void checkPorts(int sourcePort, int destinationPort) {
        if ((sourcePort & ~0xffff) != 0 || (destinationPort & ~0xffff) != 0) {
            throw new IllegalArgumentException("ports must be 0..65535: " + sourcePort + ", " + destinationPort);
        }
    }

    /**
     * Builds one IPv6 or IPv4 packet carrying a UDP datagram. Extension headers come in the order RFC 8200 §4.1
     * recommends: Hop-by-Hop, Destination Options, Routing, Destination Options; each Routing header is of the
     * experimental type 253 (RFC 4727) with no segments left, each options header holds one PadN option. IPv4 options
     * are a Router Alert (copied flag set) followed, from 2 words on, by a Record Route (copied flag clear) that fills
     * the rest. Reusable: each {@code build} makes a new packet from the current settings.
     */
    public static final class Builder {
        private static final int ROUTING_EXPERIMENTAL = 253;
        private static final int PAD_N = 1;
        private static final int ROUTER_ALERT = 0x94;
        private static final int RECORD_ROUTE = 0x07;

        private InetAddress source;
        private InetAddress destination;
        private int sourcePort = 40001;
        private int destinationPort = 5000;
        private int trafficClass;
        private int flowLabel;
        private int identification = 1;
        private boolean udpChecksum = true;
        private int optionWords;
        /** IPv6 extension headers, each {protocol, Hdr Ext Len}, in wire order. */
        private final List<int[]> extensions = new ArrayList<>();
        private byte[] payload = new byte[0];

        private Builder() {
        }

        /** Source and destination, both IPv6 or both IPv4. */
        public Builder addresses(InetAddress source, InetAddress destination) {
            checkNotNull(source, "source");
            checkNotNull(destination, "destination");
            if ((source instanceof Inet6Address) != (destination instanceof Inet6Address)) {
                throw new IllegalArgumentException("addresses of two families: " + source + ", " + destination);
            }
            this.source = source;
            this.destination = destination;
            return this;
        }

        /** UDP ports, 0..65535 (default 40001 to 5000). */
        public Builder ports(int sourcePort, int destinationPort) {
            checkPorts(sourcePort, destinationPort);
            this.sourcePort = sourcePort;
            this.destinationPort = destinationPort;
            return this;
        }

        /** The IPv6 traffic class or the IPv4 type-of-service byte, 0..255 (default 0). */
        public Builder trafficClass(int trafficClass) {
            if ((trafficClass & ~0xff) != 0) {
                throw new IllegalArgumentException("traffic class must be 0..255: " + trafficClass);
            }
            this.trafficClass = trafficClass;
            return this;
        }

        /** The IPv6 flow label, 0..0xfffff (default 0). */
        public Builder flowLabel(int flowLabel) {
            if ((flowLabel & ~0xfffff) != 0) {
                throw new IllegalArgumentException("flow label must be 0..0xfffff: " + flowLabel);
            }
            this.flowLabel = flowLabel;
            return this;
        }

        /** The IPv4 identification, low 16 bits used (default 1). */
        public Builder identification(int identification) {
            this.identification = identification;
            return this;
        }

        /** Whether an IPv4 packet carries a UDP checksum (default true); IPv6 always does. */
        public Builder udpChecksum(boolean udpChecksum) {
            this.udpChecksum = udpChecksum;
            return this;
        }

        /** Adds a Hop-by-Hop Options header of {@code 8 * (hdrExtLen + 1)} bytes (IPv6; must come first). */
        public Builder hopByHop(int hdrExtLen) {
            if (!extensions.isEmpty()) {
                throw new IllegalStateException("Hop-by-Hop Options must be the first extension header");
            }
            return extension(IpProtocols.HOP_BY_HOP, hdrExtLen);
        }

        /** Adds a Destination Options header of {@code 8 * (hdrExtLen + 1)} bytes (IPv6). */
        public Builder destinationOptions(int hdrExtLen) {
            return extension(IpProtocols.DESTINATION_OPTIONS, hdrExtLen);
        }

        /** Adds a Routing header of {@code 8 * (hdrExtLen + 1)} bytes (IPv6). */
        public Builder routing(int hdrExtLen) {
            return extension(IpProtocols.ROUTING, hdrExtLen);
        }

        private Builder extension(int protocol, int hdrExtLen) {
            if ((hdrExtLen & ~0xff) != 0) {
                throw new IllegalArgumentException("Hdr Ext Len must be 0..255: " + hdrExtLen);
            }
            extensions.add(new int[] {protocol, hdrExtLen});
            return this;
        }

        /** IPv4 options of {@code words} 32-bit words, 0..10 (default 0). */
        public Builder ipv4Options(int words) {
            if (words < 0 || words > 10) {
                throw new IllegalArgumentException("IPv4 options must be 0..10 words: " + words);
            }
            this.optionWords = words;
            return this;
        }

        /** The UDP payload; copied. */
        public Builder payload(byte[] payload) {
            this.payload = checkNotNull(payload, "payload").clone();
            return this;
        }

        /**
         * Builds the packet.
         *
         * @param alloc allocates it
         * @return the packet, owned by the caller
         * @throws IllegalStateException when no addresses are set, or extension headers or options do not suit the
         *     family, or the packet is longer than 65535 bytes (IPv4) or its payload length is (IPv6)
         */
        public ByteBuf build(ByteBufAllocator alloc) {
            checkNotNull(alloc, "alloc");
            if (source == null) {
                throw new IllegalStateException("addresses are not set");
            }
            return source instanceof Inet6Address ? build6(alloc) : build4(alloc);
        }

        /** As {@link #build(ByteBufAllocator)}, as an array. */
        public byte[] toByteArray() {
            ByteBuf packet = build(io.netty.buffer.UnpooledByteBufAllocator.DEFAULT);
            try {
                byte[] bytes = new byte[packet.readableBytes()];
                packet.getBytes(packet.readerIndex(), bytes);
                return bytes;
            } finally {
                packet.release();
            }
        }

        private ByteBuf build6(ByteBufAllocator alloc) {
            if (optionWords != 0) {
                throw new IllegalStateException("IPv4 options on an IPv6 packet");
            }
            int extensionBytes = extensions.stream().mapToInt(e -> 8 * (e[1] + 1)).sum();
            int udpLength = UdpHeader.LENGTH + payload.length;
            int payloadLength = extensionBytes + udpLength;
            if (payloadLength > Ipv6Header.MAX_PAYLOAD_LENGTH) {
                throw new IllegalStateException("IPv6 payload of " + payloadLength + " bytes");
            }
            return filled(alloc.buffer(Ipv6Header.LENGTH + payloadLength), b -> {
                ipv6Header(b, trafficClass, flowLabel, payloadLength,
                        extensions.isEmpty() ? IpProtocols.UDP : extensions.get(0)[0], source.getAddress(),
                        destination.getAddress());
                for (int i = 0; i < extensions.size(); i++) {
                    int[] e = extensions.get(i);
                    int length = 8 * (e[1] + 1);
                    b.writeByte(i + 1 < extensions.size() ? extensions.get(i + 1)[0] : IpProtocols.UDP)
                            .writeByte(e[1]);
                    if (e[0] == IpProtocols.ROUTING) {
                        b.writeByte(ROUTING_EXPERIMENTAL).writeByte(0).writeZero(length - 4);
                    } else {
                        b.writeByte(PAD_N).writeByte(length - 4).writeZero(length - 4);
                    }
                }
                writeUdp(b, Ipv6Header.LENGTH + extensionBytes, udpLength);
            });
        }

        private ByteBuf build4(ByteBufAllocator alloc) {
            if (!extensions.isEmpty() || flowLabel != 0) {
                throw new IllegalStateException("IPv6 extension headers or flow label on an IPv4 packet");
            }
            int headerLength = Ipv4Header.MIN_LENGTH + 4 * optionWords;
            int udpLength = UdpHeader.LENGTH + payload.length;
            int total = headerLength + udpLength;
            if (total > 65535) {
                throw new IllegalStateException("IPv4 packet of " + total + " bytes");
            }
            return filled(alloc.buffer(total), b -> {
                ipv4Header(b, headerLength, trafficClass, total, identification, source.getAddress(),
                        destination.getAddress());
                if (optionWords >= 1) {
                    b.writeByte(ROUTER_ALERT).writeByte(4).writeShort(0);
                }
                if (optionWords >= 2) {
                    int length = 4 * (optionWords - 1) - 1; // the last byte is End of Option List
                    b.writeByte(RECORD_ROUTE).writeByte(length).writeByte(4).writeZero(length - 3).writeByte(0);
                }
                writeUdp(b, headerLength, udpLength);
            });
        }

        private void writeUdp(ByteBuf b, int udp, int udpLength) {
            udpHeader(b, sourcePort, destinationPort, udpLength);
            b.writeBytes(payload);
            if (source instanceof Inet6Address || udpChecksum) {
                finish(b, udp);
            } else {
                Ipv4Header.updateChecksum(b, 0, udp);
            }
        }
    }
}
