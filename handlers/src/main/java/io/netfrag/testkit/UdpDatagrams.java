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

/**
 * Builds whole, unfragmented IPv6 and IPv4 packets carrying one UDP datagram, as a Linux sender puts them on the wire
 * before fragmentation: IPv6 with traffic class 0, flow label 0, hop limit 64 and no extension headers (RFC 8200 §3);
 * IPv4 with a 20-byte header, TOS 0, DF clear, TTL 64 and a valid header checksum (RFC 791); the UDP checksum over the
 * pseudo-header (RFC 768, RFC 8200 §8.1), a computed 0 sent as 0xffff.
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
        packet.writeInt(6 << 28).writeShort(udpLength).writeByte(IpProtocols.UDP).writeByte(HOP_LIMIT)
                .writeBytes(source).writeBytes(destination)
                .writeShort(sourcePort).writeShort(destinationPort).writeShort(udpLength).writeShort(0);
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
        packet.writeByte(0x45).writeByte(0).writeShort(total).writeShort(identification).writeShort(0)
                .writeByte(HOP_LIMIT).writeByte(IpProtocols.UDP).writeShort(0).writeBytes(source)
                .writeBytes(destination)
                .writeShort(sourcePort).writeShort(destinationPort).writeShort(udpLength).writeShort(0);
        return packet;
    }

    private static ByteBuf copyAndFinish(ByteBuf packet, ByteBuf payload) {
        boolean done = false;
        try {
            packet.writeBytes(payload, payload.readerIndex(), payload.readableBytes());
            finish(packet);
            done = true;
            return packet;
        } finally {
            if (!done) {
                packet.release();
            }
        }
    }

    /** Computes the UDP checksum (and for IPv4 the header checksum) of a packet made by a {@code start} method. */
    static void finish(ByteBuf packet) {
        int start = packet.readerIndex();
        long pseudo;
        int udp;
        int udpLength;
        if (packet.getUnsignedByte(start) >>> 4 == 6) {
            udp = start + Ipv6Header.LENGTH;
            udpLength = packet.writerIndex() - udp;
            pseudo = InternetChecksum.ipv6PseudoHeader(Ipv6Header.sourceHigh(packet, start),
                    Ipv6Header.sourceLow(packet, start), Ipv6Header.destinationHigh(packet, start),
                    Ipv6Header.destinationLow(packet, start), udpLength, IpProtocols.UDP);
        } else {
            udp = start + Ipv4Header.MIN_LENGTH;
            udpLength = packet.writerIndex() - udp;
            Ipv4Header.updateChecksum(packet, start, Ipv4Header.MIN_LENGTH);
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
}
