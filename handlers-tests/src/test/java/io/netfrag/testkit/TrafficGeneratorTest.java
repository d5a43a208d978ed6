package io.netfrag.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netfrag.esp.EspDecoder;
import io.netfrag.esp.SaDatabase;
import io.netfrag.internal.wire.IpProtocols;
import io.netfrag.internal.wire.Ipv4Header;
import io.netfrag.internal.wire.Ipv6FragmentHeader;
import io.netfrag.internal.wire.Ipv6Header;
import io.netfrag.ipv4.Ipv4FragmentReassembler;
import io.netfrag.ipv6.Ipv6FragmentReassembler;
import io.netfrag.packet.IcmpErrorSink;
import io.netfrag.packet.IpPacketDecoder;
import io.netfrag.reassembly.CoalescePolicy;
import io.netfrag.reassembly.ReassemblyLimits;
import io.netfrag.stats.MibCounter;
import io.netfrag.testing.TestPackets;
import io.netfrag.testkit.Impairments.Order;
import io.netfrag.udp.UdpDeliver;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.DatagramPacket;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The kit end to end through netfrag's own receive path (IpPacketDecoder → IPv6 and IPv4 reassembly with COPY →
 * EspDecoder → UdpDeliver): byte-exact delivery at every size and MTU, with and without ESP; with loss exactly the
 * completable datagrams arrive; injected overlaps are counted as ReasmOverlaps; every buffer is released.
 */
class TrafficGeneratorTest {
    private static final String GCM = "aead 'rfc4106(gcm(aes))' 0x0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b 128";
    private static final String SA6 = "src fc00:1::1 dst fc00:2::1 proto esp spi 0x1000 mode transport " + GCM;
    private static final String SA4 = "src 10.200.1.1 dst 10.200.1.2 proto esp spi 0x2000 mode transport " + GCM;
    /** Tunnels: outer IPv6 carrying inner IPv4 and the other way round. */
    private static final String TUNNEL6 = "src fc00:a::1 dst fc00:b::1 proto esp spi 0x3000 mode tunnel " + GCM;
    private static final String TUNNEL4 = "src 10.0.0.1 dst 10.0.0.2 proto esp spi 0x4000 mode tunnel " + GCM;

    /** The receive path of the brief, Linux default limits. */
    private static final class Receiver {
        final Ipv6FragmentReassembler six;
        final Ipv4FragmentReassembler four;
        final EmbeddedChannel ch;

        Receiver(boolean roomy) {
            if (roomy) {
                // lost fragments leave queues behind; keep them all (no eviction) so that delivery is exact
                six = new Ipv6FragmentReassembler(CoalescePolicy.COPY,
                        ReassemblyLimits.defaults(Ipv6FragmentReassembler.DEFAULT_TIMEOUT)
                                .withThresholds(1L << 30, 1L << 29), IcmpErrorSink.DISCARD);
                four = new Ipv4FragmentReassembler(CoalescePolicy.COPY,
                        ReassemblyLimits.defaults(Ipv4FragmentReassembler.DEFAULT_TIMEOUT)
                                .withThresholds(1L << 30, 1L << 29), IcmpErrorSink.DISCARD);
            } else {
                six = new Ipv6FragmentReassembler(CoalescePolicy.COPY);
                four = new Ipv4FragmentReassembler(CoalescePolicy.COPY);
            }
            ch = new EmbeddedChannel(new IpPacketDecoder(), six, four,
                    new EspDecoder(SaDatabase.of(SA6, SA4, TUNNEL6, TUNNEL4)), new UdpDeliver());
        }
    }

    private static TrafficGenerator.Builder generator(int version, String esp) {
        boolean innerSix = version == 6 != "tunnel".equals(esp);
        TrafficGenerator.Builder b = TrafficGenerator.builder()
                .addresses(TestPackets.addr(innerSix ? "fc00:1::1" : "10.200.1.1"),
                        TestPackets.addr(innerSix ? "fc00:2::1" : "10.200.1.2"))
                .ports(40001, 5000);
        if ("transport".equals(esp)) {
            b.sa(version == 6 ? SA6 : SA4);
        } else if ("tunnel".equals(esp)) {
            b.sa(version == 6 ? TUNNEL6 : TUNNEL4);
        }
        return b;
    }

    static Stream<Arguments> roundTrips() {
        List<Arguments> a = new ArrayList<>();
        for (int version : new int[] {6, 4}) {
            for (int mtu : new int[] {1280, 1500, 9000}) {
                for (String esp : new String[] {"none", "transport", "tunnel"}) {
                    for (boolean damaged : new boolean[] {false, true}) {
                        a.add(Arguments.of(version, mtu, esp, damaged));
                    }
                }
            }
        }
        return a.stream();
    }

    /** Every size (around each MTU's boundaries, up to the largest) arrives once, byte-exact, from the right ports. */
    @ParameterizedTest(name = "IPv{0} mtu {1} esp {2} shuffled+dup {3}")
    @MethodSource("roundTrips")
    void everySizeArrivesByteExact(int version, int mtu, String esp, boolean damaged) {
        Receiver r = new Receiver(false);
        Impairments impairments = damaged
                // duplicates of whole UDP packets are delivered twice (as by Linux); ESP's anti-replay drops them
                ? Impairments.builder().seed(mtu).order(Order.SHUFFLED).duplicate(0.1).build()
                : Impairments.none();
        TrafficGenerator g = generator(version, esp).seed(version * 1000L + mtu).mtu(mtu).impairments(impairments)
                .allocator(PooledByteBufAllocator.DEFAULT).build();
        int innerMax = g.sender().getAddress() instanceof java.net.Inet6Address ? UdpDatagrams.MAX_IPV6_PAYLOAD
                : UdpDatagrams.MAX_IPV4_PAYLOAD;
        int max = "none".equals(esp) ? innerMax : 65000;
        int[] sizes = {8, 100, 1000, 1192, 1193, 1232, 1233, 1452, 1453, 1472, 1473, 2000, 8000, 8952, 8953, 30000,
            60000, max};
        for (int size : sizes) {
            long index = g.nextIndex();
            int sent = g.next(size, r.ch::writeInbound);
            assertTrue(sent >= 1);
            int deliveries = 0;
            for (DatagramPacket d; (d = r.ch.readInbound()) != null; d.release()) {
                assertEquals(size, d.content().readableBytes());
                assertTrue(Payloads.verify(d.content(), g.seed()), "size " + size);
                assertEquals(index, Payloads.index(d.content()));
                assertEquals(g.sender(), d.sender());
                assertEquals(g.recipient(), d.recipient());
                deliveries++;
            }
            boolean whole = size + (version == 6 ? 48 : 28) <= mtu;
            if (damaged && "none".equals(esp) && whole) {
                assertTrue(deliveries == 1 || deliveries == 2, "size " + size + " delivered " + deliveries);
            } else {
                assertEquals(1, deliveries, () -> "size " + size + " delivered " + r.six.stats() + r.four.stats());
            }
        }
        assertEquals(sizes.length, impairments.stats().completableDatagrams());
        if (!"none".equals(esp)) {
            assertEquals(sizes.length, g.espEncoder().lastSequence());
        }
        assertFalse(r.ch.finishAndReleaseAll());
    }

    static Stream<Arguments> families() {
        List<Arguments> a = new ArrayList<>();
        for (int version : new int[] {6, 4}) {
            for (String esp : new String[] {"none", "transport", "tunnel"}) {
                a.add(Arguments.of(version, esp));
            }
        }
        return a.stream();
    }

    /** With loss, duplicates and reordering, exactly the datagrams reported completable are delivered. */
    @ParameterizedTest(name = "IPv{0} esp {1}")
    @MethodSource("families")
    void exactlyTheCompletableDatagramsArrive(int version, String esp) {
        Receiver r = new Receiver(true);
        Impairments impairments = Impairments.builder().seed(version).order(Order.SHUFFLED).loss(0.03)
                .duplicate(0.02).reorder(0.1).build();
        ByteBufAllocator alloc = UnpooledByteBufAllocator.DEFAULT; // leak-tracked, never recycled: refCnt is final
        TrafficGenerator g = generator(version, esp).seed(99).mtu(1280).impairments(impairments).allocator(alloc)
                .build();
        List<ByteBuf> sent = new ArrayList<>();
        Set<Long> completable = new HashSet<>();
        Set<Long> whole = new HashSet<>();
        SplittableRandom sizes = new SplittableRandom(version);
        for (int i = 0; i < 300; i++) {
            long index = g.nextIndex();
            int size = sizes.nextInt(8, 20_000);
            if (size + (version == 6 ? 48 : 28) <= 1280) {
                whole.add(index);
            }
            g.next(size, f -> {
                sent.add(f);
                r.ch.writeInbound(f);
            });
            assertEquals(g.lastCompletable(), impairments.lastCompletable());
            if (g.lastCompletable()) {
                completable.add(index);
            }
        }
        Set<Long> delivered = new HashSet<>();
        for (DatagramPacket d; (d = r.ch.readInbound()) != null; d.release()) {
            assertTrue(Payloads.verify(d.content(), 99));
            long index = Payloads.index(d.content());
            // a duplicated whole UDP packet is a second datagram (Linux delivers it too), unless ESP drops the replay
            assertTrue(delivered.add(index) || "none".equals(esp) && whole.contains(index), "delivered once");
        }
        Impairments.Stats s = impairments.stats();
        assertTrue(s.fragmentsDropped() > 0 && s.fragmentsDuplicated() > 0, s.toString());
        assertTrue(completable.size() < 300 && completable.size() > 150, s.toString());
        assertEquals(completable, delivered);
        assertEquals(s.completableDatagrams(), delivered.size());
        assertEquals(s.fragmentsSent(), sent.size());
        assertFalse(r.ch.finishAndReleaseAll());
        for (ByteBuf f : sent) {
            assertEquals(0, f.refCnt());
        }
    }

    /** Every injected overlap makes the receiver drop the datagram and count ReasmOverlaps once. */
    @ParameterizedTest(name = "IPv{0} esp {1}")
    @MethodSource("families")
    void injectedOverlapsAreCounted(int version, String esp) {
        Receiver r = new Receiver(true);
        Impairments impairments = Impairments.builder().seed(7).order(Order.SHUFFLED).overlap(0.4).loss(0.02)
                .duplicate(0.03).build();
        TrafficGenerator g = generator(version, esp).seed(5).mtu(1500).impairments(impairments)
                .allocator(PooledByteBufAllocator.DEFAULT).build();
        Set<Long> completable = new HashSet<>();
        SplittableRandom sizes = new SplittableRandom(3);
        for (int i = 0; i < 200; i++) {
            long index = g.nextIndex();
            g.next(sizes.nextInt(3000, 30_000), r.ch::writeInbound);
            if (g.lastCompletable()) {
                completable.add(index);
            }
        }
        Set<Long> delivered = new HashSet<>();
        for (DatagramPacket d; (d = r.ch.readInbound()) != null; d.release()) {
            assertTrue(Payloads.verify(d.content(), 5));
            delivered.add(Payloads.index(d.content()));
        }
        Impairments.Stats s = impairments.stats();
        assertTrue(s.overlapsInjected() > 50, s.toString());
        long overlaps = (version == 6 ? r.six.stats() : r.four.stats()).get(MibCounter.REASM_OVERLAPS);
        assertEquals(s.overlapsInjected(), overlaps);
        assertEquals(completable, delivered);
        assertFalse(r.ch.finishAndReleaseAll());
    }

    /** Linux's geometry through the whole chain, and a datagram that fits is sent unfragmented. */
    @Test
    void linuxGeometryAndTheUnfragmentedCase() {
        List<ByteBuf> out = new ArrayList<>();
        TrafficGenerator six = generator(6, "none").mtu(1500).build();
        assertEquals(45, six.next(65000, out::add));
        assertEquals(1496, out.get(0).readableBytes());
        assertEquals(1448, Ipv6FragmentHeader.offsetBytes(out.get(1), 40));
        assertEquals(1, six.next(1452, out::add));
        ByteBuf whole = out.get(45);
        assertEquals(1500, whole.readableBytes());
        assertEquals(IpProtocols.UDP, Ipv6Header.nextHeader(whole, 0), "no atomic fragment");
        TrafficGenerator four = generator(4, "none").mtu(1500).firstIdentification(0xabcd).build();
        assertEquals(44, four.next(65000, out::add));
        ByteBuf first = out.get(46);
        assertEquals(1500, first.readableBytes());
        assertEquals(1480, Ipv4Header.offsetBytes(out.get(47), 0));
        assertEquals(0xabcd, Ipv4Header.identification(first, 0));
        assertEquals(1, four.next(100, out::add));
        ByteBuf small = out.get(out.size() - 1);
        assertEquals(0, Ipv4Header.fragmentField(small, 0));
        assertEquals(0xabce, Ipv4Header.identification(small, 0), "one identification per datagram");
        Receiver r = new Receiver(false);
        out.forEach(r.ch::writeInbound);
        int count = 0;
        for (DatagramPacket d; (d = r.ch.readInbound()) != null; d.release()) {
            assertTrue(Payloads.verify(d.content(), 0));
            count++;
        }
        assertEquals(4, count);
        assertFalse(r.ch.finishAndReleaseAll());
    }

    /** The example of the package documentation, as written there (with a pass-through handler as "MyUdpHandler"). */
    @Test
    void packageDocumentationExample() throws Exception {
        String sa = "src fc00:1::1 dst fc00:2::1 proto esp spi 0x1000 mode transport "
                + "aead 'rfc4106(gcm(aes))' 0x0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b 128";
        EmbeddedChannel ch = new EmbeddedChannel(new IpPacketDecoder(),
                new Ipv6FragmentReassembler(CoalescePolicy.COPY), new Ipv4FragmentReassembler(CoalescePolicy.COPY),
                new EspDecoder(SaDatabase.of(sa)), new UdpDeliver(),
                new io.netty.channel.ChannelInboundHandlerAdapter());      // the code under test
        TrafficGenerator traffic = TrafficGenerator.builder()
                .addresses(InetAddress.getByName("fc00:1::1"), InetAddress.getByName("fc00:2::1"))
                .ports(40001, 5000).payloadLength(20000).seed(42).sa(sa).mtu(1280)
                .impairments(Impairments.builder().seed(42).order(Impairments.Order.SHUFFLED).loss(0.02).build())
                .allocator(PooledByteBufAllocator.DEFAULT)
                .build();
        Set<Long> completable = new HashSet<>();
        for (int i = 0; i < 100; i++) {
            long index = traffic.nextIndex();
            traffic.next(ch::writeInbound);                             // each fragment is owned by the channel
            if (traffic.lastCompletable()) {
                completable.add(index);
            }
        }
        Set<Long> delivered = new HashSet<>();
        for (DatagramPacket d; (d = ch.readInbound()) != null; d.release()) {   // what MyUdpHandler passed on
            assertTrue(Payloads.verify(d.content(), traffic.seed()));
            delivered.add(Payloads.index(d.content()));
        }
        assertEquals(completable, delivered);
        assertEquals(traffic.impairments().stats().completableDatagrams(), delivered.size());
        ch.finishAndReleaseAll();
        assertTrue(completable.size() > 50 && completable.size() < 100, completable.size() + " completable");
    }

    @Test
    void nextPacketIsTheWholeProtectedPacket() {
        TrafficGenerator g = generator(6, "transport").payloadLength(3000).build();
        ByteBuf p = g.nextPacket(3000);
        assertEquals(IpProtocols.ESP, Ipv6Header.nextHeader(p, 0));
        assertEquals(1, g.espEncoder().lastSequence());
        assertEquals(1, g.nextIndex());
        Receiver r = new Receiver(false);
        r.ch.writeInbound(p);
        DatagramPacket d = r.ch.readInbound();
        assertNotNull(d);
        assertEquals(0, Payloads.index(d.content()));
        d.release();
        assertFalse(r.ch.finishAndReleaseAll());
    }

    @Test
    void builderChecks() {
        InetAddress six = TestPackets.addr("fc00:1::1");
        InetAddress four = TestPackets.addr("10.0.0.1");
        assertThrows(IllegalArgumentException.class, () -> TrafficGenerator.builder().build());
        assertThrows(IllegalArgumentException.class, () -> TrafficGenerator.builder().addresses(six, four).build());
        assertThrows(IllegalArgumentException.class,
                () -> TrafficGenerator.builder().addresses(six, six).payloadLength(7).build());
        assertThrows(IllegalArgumentException.class,
                () -> TrafficGenerator.builder().addresses(four, four).payloadLength(65508).build());
        assertThrows(IllegalArgumentException.class,
                () -> TrafficGenerator.builder().addresses(six, six).ports(0, 65536).build());
        assertThrows(IllegalArgumentException.class,
                () -> TrafficGenerator.builder().addresses(six, six).mtu(0).build());
        TrafficGenerator g = TrafficGenerator.builder().addresses(six, six).sa(SA6).build();
        assertThrows(IllegalArgumentException.class, () -> g.next(UdpDatagrams.MAX_IPV6_PAYLOAD, f -> {
            f.release();
        }), "ESP overhead beyond 65535");
        assertThrows(IllegalArgumentException.class, () -> g.next(7, ByteBuf::release));
    }
}
