package io.netfrag.testkit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netfrag.internal.wire.IpProtocols;
import io.netfrag.internal.wire.Ipv6FragmentHeader;
import io.netfrag.internal.wire.Ipv6Header;
import io.netfrag.internal.wire.UdpHeader;
import io.netfrag.pcap.LinkLayer;
import io.netfrag.pcap.PcapReader;
import io.netfrag.pcap.PcapRecord;
import io.netfrag.testing.TestPackets;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The Fragmenter against an independent one: the Linux kernel's own IPv6 fragments of UDP at MTU 1500
 * ({@code k6_mtu1500.pcap}, tcpdump between two namespaces; see the fixtures' manifest). For every datagram in the
 * capture the payload is put back together from the kernel's fragments, rebuilt with {@link UdpDatagrams} and
 * fragmented with the kernel's identification: count, sizes, offsets and every byte must be the kernel's, except the
 * flow label (Linux sets one per flow; the kit sends 0).
 */
class KernelGeometryTest {
    /** UDP payload sizes in the capture; the fragmented ones are required, the others must fit unfragmented. */
    private static final int[] FRAGMENTED = {1453, 1500, 2000, 8000, 30000, 65000, 65527};
    private static final int[] UNFRAGMENTED = {0, 1, 100, 1200, 1452};

    @Test
    void sameFragmentsAsTheKernel() throws IOException {
        Path capture = io.netfrag.testing.Fixtures.thirdParty().resolve("pcap/k6_mtu1500.pcap");
        assertTrue(Files.isRegularFile(capture), capture.toString());

        // datagrams in capture order: key = identification (fragments) or -(record number) (whole packets)
        Map<Long, List<byte[]>> datagrams = new LinkedHashMap<>();
        try (PcapReader reader = PcapReader.open(capture)) {
            for (PcapRecord r; (r = reader.next()) != null; r.release()) {
                ByteBuf ip = LinkLayer.ipPacket(r.linkType(), r.content());
                assertEquals(6, ip.getUnsignedByte(ip.readerIndex()) >>> 4);
                byte[] packet = TestPackets.bytes(ip);
                long key = packet[Ipv6Header.NEXT_HEADER_OFFSET] == IpProtocols.FRAGMENT
                        ? Unpooled.wrappedBuffer(packet).getUnsignedInt(40 + Ipv6FragmentHeader.IDENTIFICATION_OFFSET)
                        : -r.number();
                datagrams.computeIfAbsent(key, k -> new ArrayList<>()).add(packet);
            }
        }
        Map<Integer, Integer> fragmentCounts = new TreeMap<>();
        for (Map.Entry<Long, List<byte[]>> e : datagrams.entrySet()) {
            List<byte[]> kernel = e.getValue();
            kernel.sort((a, b) -> Integer.compare(offset(a), offset(b)));
            ByteBuf payload = payload(kernel);
            fragmentCounts.put(payload.readableBytes(), kernel.size());
            byte[] first = kernel.get(0);
            Inet6Address src = (Inet6Address) InetAddress.getByAddress(java.util.Arrays.copyOfRange(first, 8, 24));
            Inet6Address dst = (Inet6Address) InetAddress.getByAddress(java.util.Arrays.copyOfRange(first, 24, 40));
            int udp = kernel.size() > 1 ? 48 : 40;
            int sport = Unpooled.wrappedBuffer(first).getUnsignedShort(udp);
            int dport = Unpooled.wrappedBuffer(first).getUnsignedShort(udp + 2);
            ByteBuf packet = UdpDatagrams.ipv6(UnpooledByteBufAllocator.DEFAULT, src, dst, sport, dport, payload);
            List<ByteBuf> ours = new ArrayList<>();
            new Fragmenter().fragment(packet, 1500, (int) (long) e.getKey(), UnpooledByteBufAllocator.DEFAULT,
                    ours::add);
            assertEquals(kernel.size(), ours.size(), "fragments of the " + payload.readableBytes() + "-byte datagram");
            for (int i = 0; i < kernel.size(); i++) {
                assertArrayEquals(withoutFlowLabel(kernel.get(i)), withoutFlowLabel(TestPackets.bytes(ours.get(i))),
                        "fragment " + i + " of the " + payload.readableBytes() + "-byte datagram");
                ours.get(i).release();
            }
            packet.release();
            payload.release();
        }
        for (int size : FRAGMENTED) {
            assertTrue(fragmentCounts.getOrDefault(size, 0) > 1, "capture has " + size + ": " + fragmentCounts);
        }
        for (int size : UNFRAGMENTED) {
            assertEquals(1, fragmentCounts.get(size), "capture has " + size + " whole: " + fragmentCounts);
        }
        assertEquals(12, fragmentCounts.size(), fragmentCounts.toString());
    }

    private static int offset(byte[] packet) {
        return packet[Ipv6Header.NEXT_HEADER_OFFSET] == IpProtocols.FRAGMENT
                ? Ipv6FragmentHeader.offsetBytes(Unpooled.wrappedBuffer(packet), 40) : 0;
    }

    /** The UDP payload, from the kernel's fragments in offset order (checking that they are contiguous). */
    private static ByteBuf payload(List<byte[]> kernel) {
        ByteBuf fragmentable = Unpooled.buffer();
        for (byte[] p : kernel) {
            int data = p[Ipv6Header.NEXT_HEADER_OFFSET] == IpProtocols.FRAGMENT ? 48 : 40;
            assertEquals(fragmentable.readableBytes(), offset(p), "contiguous");
            fragmentable.writeBytes(p, data, p.length - data);
        }
        assertEquals(fragmentable.readableBytes(), UdpHeader.length(fragmentable, 0));
        return fragmentable.skipBytes(UdpHeader.LENGTH);
    }

    private static byte[] withoutFlowLabel(byte[] packet) {
        byte[] b = packet.clone();
        b[1] &= (byte) 0xf0;
        b[2] = 0;
        b[3] = 0;
        return b;
    }
}
