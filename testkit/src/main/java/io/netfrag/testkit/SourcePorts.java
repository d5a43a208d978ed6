package io.netfrag.testkit;

import static io.netty.util.internal.ObjectUtil.checkNotNull;

import io.netty.buffer.ByteBuf;

/**
 * How an encapsulating sender picks the outer UDP source port of an IP-in-UDP packet so that the network spreads one
 * tunnel over many receivers and cores while every fragment of a datagram takes the same path: a hash of the
 * <em>inner</em> packet's source, destination and fragment identification picks one of the sender's source ports, as
 * FOU/GUE and VXLAN senders derive the outer source port from the inner flow ({@code udp_flow_src_port} in Linux). ECMP
 * routers and NIC RSS hash the outer 4-tuple, so different datagrams of one tunnel land on different receivers and
 * queues, and the fragments of one datagram, which share the hashed fields, stay together.
 *
 * <p>The hash is FNV-1a over the fields, deliberately unlike the receiver's own steering hash (a multiply-xorshift mix
 * of the XOR of the same words): were they the same function, the receiver a datagram reaches and the core it reaches
 * there would be correlated, and some cores of each receiver would stay idle.
 *
 * <p>Fields: IPv4 source, destination and identification; IPv6 source, destination and, when a Fragment header
 * directly follows the fixed header, its identification. Anything else (too short, not IP) maps to port 0.
 */
public final class SourcePorts {
    private static final int FNV_OFFSET = 0x811c9dc5;
    private static final int FNV_PRIME = 0x01000193;

    private SourcePorts() {
    }

    /**
     * The source port (as an index into the sender's {@code ports} ports) for an IP packet.
     *
     * @param packet the inner IP packet (a whole packet or any of its fragments) from its reader index; read only, not
     *     released: the caller keeps it
     * @param ports how many source ports the sender has, at least 1
     * @return an index in {@code [0, ports)}
     */
    public static int pick(ByteBuf packet, int ports) {
        checkNotNull(packet, "packet");
        if (ports < 1) {
            throw new IllegalArgumentException("ports must be at least 1: " + ports);
        }
        int at = packet.readerIndex();
        int length = packet.readableBytes();
        if (length < 1) {
            return 0;
        }
        int version = packet.getUnsignedByte(at) >>> 4;
        int h = FNV_OFFSET;
        if (version == 4 && length >= 20) {
            h = fnv(h, packet, at + 12, 8);
            h = fnv(h, packet, at + 4, 2);
        } else if (version == 6 && length >= 40) {
            h = fnv(h, packet, at + 8, 32);
            if (packet.getUnsignedByte(at + 6) == 44 && length >= 48) {
                h = fnv(h, packet, at + 44, 4);
            }
        } else {
            return 0;
        }
        return (int) (Integer.toUnsignedLong(h) % ports);
    }

    private static int fnv(int h, ByteBuf b, int from, int n) {
        for (int i = from; i < from + n; i++) {
            h ^= b.getUnsignedByte(i);
            h *= FNV_PRIME;
        }
        return h;
    }
}
