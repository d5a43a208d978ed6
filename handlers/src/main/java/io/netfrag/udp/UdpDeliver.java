package io.netfrag.udp;

import io.netfrag.internal.wire.InternetChecksum;
import io.netfrag.internal.wire.IpProtocols;
import io.netfrag.internal.wire.UdpHeader;
import io.netfrag.packet.IpPacket;
import io.netfrag.stats.CounterSnapshot;
import io.netfrag.stats.Counters;
import io.netfrag.stats.DropReason;
import io.netfrag.stats.MibCounter;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DatagramPacket;
import java.net.InetSocketAddress;

/**
 * Delivers UDP in {@link IpPacket}s as Netty {@link DatagramPacket}s
 * {@code (content = UDP payload, recipient = dst:dport, sender = src:sport)}, so ordinary Netty UDP handlers work
 * unchanged after it.
 *
 * <p>As Linux {@code __udp4_lib_rcv} / {@code __udp6_lib_rcv}: the UDP length must fit the IP payload (a shorter
 * length trims the datagram; over IPv6 a length of 0 means "use the IP payload length"); the checksum is verified
 * with the pseudo-header, mandatory over IPv6 (a zero checksum is dropped, RFC 8200 §8.1), optional over IPv4 (zero =
 * not computed). Failures are dropped and counted (UdpInErrors, UdpInCsumErrors).
 *
 * <p>Non-UDP packets, unreassembled fragments and forwarded packets pass through. A delivered datagram's content is the
 * packet's own buffer (no copy); ownership of every packet read is taken. Not sharable.
 */
public class UdpDeliver extends ChannelInboundHandlerAdapter {
    private final Counters counters = new Counters();
    private final boolean verifyChecksum;

    /** A handler that verifies checksums. */
    public UdpDeliver() {
        this(true);
    }

    /**
     * Creates a handler.
     *
     * @param verifyChecksum whether to verify UDP checksums (turn off only when a trusted layer already did)
     */
    public UdpDeliver(boolean verifyChecksum) {
        this.verifyChecksum = verifyChecksum;
    }

    /** Counters: UdpInDatagrams, UdpInErrors, UdpInCsumErrors, drops by reason. */
    public CounterSnapshot stats() {
        return counters.snapshot();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof IpPacket) {
            IpPacket p = (IpPacket) msg;
            if (p.protocol() == IpProtocols.UDP && !p.needsReassembly() && !p.forwarding()) {
                DatagramPacket d = deliver(p);
                if (d != null) {
                    ctx.fireChannelRead(d);
                }
                return;
            }
        }
        ctx.fireChannelRead(msg);
    }

    /**
     * Validates and converts one UDP packet.
     *
     * @param packet ownership is transferred
     * @return the datagram, or {@code null} if dropped (and counted)
     */
    public DatagramPacket deliver(IpPacket packet) {
        ByteBuf buf = packet.content();
        int udp = buf.readerIndex() + packet.upperOffset();
        int available = packet.upperLength();
        if (available < UdpHeader.LENGTH) {
            return drop(packet, DropReason.UDP_TRUNCATED);
        }
        int length = UdpHeader.length(buf, udp);
        if (length == 0 && packet.version() == 6) {
            length = available; // as Linux __udp6_lib_rcv: jumbo-style length 0
        }
        if (length > available || length < UdpHeader.LENGTH) {
            return drop(packet, DropReason.UDP_BAD_LENGTH);
        }
        int checksum = UdpHeader.checksum(buf, udp);
        if (checksum == 0 && packet.version() == 6) {
            return drop(packet, DropReason.UDP_ZERO_CHECKSUM);
        }
        if (verifyChecksum && checksum != 0) {
            long pseudo = packet.version() == 6
                    ? InternetChecksum.ipv6PseudoHeader(packet.sourceHigh(), packet.sourceLow(),
                            packet.destinationHigh(), packet.destinationLow(), length, IpProtocols.UDP)
                    : InternetChecksum.ipv4PseudoHeader((int) packet.sourceLow(), (int) packet.destinationLow(),
                            length, IpProtocols.UDP);
            if (InternetChecksum.fold(InternetChecksum.sum(buf, udp, length, pseudo)) != 0xffff) {
                return drop(packet, DropReason.UDP_BAD_CHECKSUM);
            }
        }
        int sourcePort = UdpHeader.sourcePort(buf, udp);
        int destinationPort = UdpHeader.destinationPort(buf, udp);
        InetSocketAddress recipient = new InetSocketAddress(packet.destinationAddress(), destinationPort);
        InetSocketAddress sender = new InetSocketAddress(packet.sourceAddress(), sourcePort);
        buf.setIndex(udp + UdpHeader.LENGTH, udp + length);
        counters.increment(MibCounter.UDP_IN_DATAGRAMS);
        packet.releaseWrapper(); // the datagram takes the buffer over
        return new DatagramPacket(buf, recipient, sender);
    }

    private DatagramPacket drop(IpPacket packet, DropReason reason) {
        counters.drop(reason);
        counters.increment(MibCounter.UDP_IN_ERRORS);
        if (reason == DropReason.UDP_BAD_CHECKSUM || reason == DropReason.UDP_ZERO_CHECKSUM) {
            counters.increment(MibCounter.UDP_IN_CSUM_ERRORS);
        }
        packet.release();
        return null;
    }
}
