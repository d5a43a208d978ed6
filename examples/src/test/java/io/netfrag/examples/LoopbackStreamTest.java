package io.netfrag.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netfrag.ReceivePath;
import io.netfrag.channel.NetfragIngress;
import io.netfrag.esp.SaDatabase;
import io.netfrag.esp.XfrmStateParser;
import io.netfrag.reassembly.CoalescePolicy;
import io.netfrag.testing.LoopbackBooks;
import io.netfrag.testkit.Impairments;
import io.netfrag.testkit.TrafficGenerator;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Map;
import io.netty.channel.epoll.EpollDatagramChannel;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Client → server on loopback for two seconds with ESP and 1 % fragment loss: every delivered datagram is byte-exact
 * (the receiver checks payloads against the client's seed) and the books balance once every fragment sent has
 * reached the receiver or been dropped by the kernel: datagrams the client made completable but the server did not
 * deliver are accounted for by fragments the kernel dropped at the socket or datagrams evicted for memory. The
 * sender is unpaced, so on a loaded machine with the kernel's default socket buffers many are dropped; the books
 * hold all the same. Each policy runs with one UDP datagram per
 * fragment (sendmmsg), with the sender's UDP GSO messages cut back into datagrams by the kernel, and with GSO into a
 * UDP_GRO receiver (one read per message, split by Netty into slices of one receive buffer).
 */
class LoopbackStreamTest {

    static Stream<Arguments> cases() {
        Stream.Builder<Arguments> b = Stream.builder();
        for (CoalescePolicy p : new CoalescePolicy[] {CoalescePolicy.COPY, CoalescePolicy.ADAPTIVE}) {
            b.add(Arguments.of(p, false, false)).add(Arguments.of(p, true, false)).add(Arguments.of(p, true, true));
        }
        return b.build();
    }

    @ParameterizedTest(name = "{0} gso={1} gro={2}")
    @MethodSource("cases")
    void streamWithEspAndLossIsByteExactAndAccountedFor(CoalescePolicy policy, boolean gso, boolean gro)
            throws Exception {
        long seed = 11;
        NetfragIngress.Builder ingress = NetfragIngress.builder().udpGro(gro).receiveBufferBytes(4 << 20)
                .receivePath(ReceivePath.builder().policy(policy).sas(SaDatabase.of(DemoCommand.SEED_SA)).build());
        try (Receiver receiver = new Receiver(ingress, Streams.verifier(seed),
                new InetSocketAddress(InetAddress.getByName("::1"), 0),
                new InetSocketAddress(InetAddress.getByName("::1"), 0))) {
            TrafficGenerator g = TrafficGenerator.builder()
                    .addresses(InetAddress.getByName("fc00:1::1"), InetAddress.getByName("fc00:2::1"))
                    .ports(40001, 5000).payloadLength(20000).seed(seed).mtu(1500)
                    .sa(XfrmStateParser.parse(DemoCommand.SEED_SA))
                    .impairments(Impairments.builder().seed(seed).loss(0.01).build()).build();
            String results;
            try (StreamCommand.Control control = new StreamCommand.Control(receiver.controlAddress());
                    Sender sender = new Sender(g, receiver.dataAddress(),
                            new InetSocketAddress(InetAddress.getByName("::1"), 0), 0, gso)) {
                assertEquals(gso && EpollDatagramChannel.isSegmentedDatagramPacketSupported(), sender.gso());
                assertEquals("OK", control.request("RESET"));
                LoopbackBooks books = new LoopbackBooks();
                sender.run(2);
                // with GRO the kernel queues, and drops, one GSO message (a run of a datagram's fragments) whole
                long perDrop = gro ? (sender.fragments() + sender.datagrams() - 1) / sender.datagrams() : 1;
                assertTrue(books.settle(sender.fragments(), perDrop,
                        () -> receiver.figures().counters().getOrDefault("InReceives", 0L),
                        () -> receiver.figures().datagrams()), "fragments unaccounted for: " + receiver.figures().json());
                results = control.request("RESULTS");
                assertTrue(StreamCommand.field(results, "datagrams") > 0, results);
                // one snapshot for every figure compared below
                Receiver.Figures f = receiver.figures();
                long delivered = f.datagrams();
                long verified = f.verified();
                long corrupt = f.corrupt();
                long kernelDrops = books.kernelDrops();
                long completable = sender.generator().impairments().stats().completableDatagrams();
                Map<String, Long> counters = f.counters();
                results = f.json();
                long netfragDrops = Receiver.drops(counters); // evictions for memory, mostly
                assertTrue(delivered > 0, results);
                assertEquals(0, corrupt, results);
                assertEquals(delivered, verified, results);
                assertTrue(delivered <= completable, delivered + " > " + completable);
                assertTrue(completable - delivered <= kernelDrops + netfragDrops,
                        "unaccounted: completable " + completable + " delivered " + delivered + " " + results);
                assertEquals(delivered, counters.getOrDefault("UdpInDatagrams", 0L));
                assertEquals(delivered, counters.getOrDefault("EspInDecrypted", 0L));
            }
        }
    }

    /**
     * The sender's source-port pool against a receiver whose channels are picked by the outer 4-tuple (the kernel's
     * reuseport hash standing in for a NIC's RSS or a router's ECMP): from one port the tunnel stays on one channel;
     * from eight, both channels share it, and every datagram still arrives whole (its fragments left from one port).
     */
    @ParameterizedTest(name = "source ports {0}")
    @CsvSource({"1", "8"})
    @io.netfrag.testing.Requires(io.netfrag.testing.Feature.EPOLL)
    void sourcePortsSpreadOneTunnelOverReceiversHashingTheOuterTuple(int ports) throws Exception {
        long seed = 12;
        NetfragIngress.Builder ingress = NetfragIngress.builder().channels(2).innerPacketSteering(false)
                .receiveBufferBytes(4 << 20).receivePath(ReceivePath.builder().policy(CoalescePolicy.COPY).build());
        try (Receiver receiver = new Receiver(ingress, Streams.verifier(seed),
                new InetSocketAddress(InetAddress.getByName("::1"), 0),
                new InetSocketAddress(InetAddress.getByName("::1"), 0))) {
            TrafficGenerator g = TrafficGenerator.builder()
                    .addresses(InetAddress.getByName("fc00:1::1"), InetAddress.getByName("fc00:2::1"))
                    .ports(40001, 5000).payloadLength(8000).seed(seed).mtu(1500).build();
            try (Sender sender = new Sender(g, receiver.dataAddress(),
                    new InetSocketAddress(InetAddress.getByName("::1"), 0), 100e6, false, ports)) {
                assertEquals(ports, java.util.Arrays.stream(sender.sourcePorts()).distinct().count());
                LoopbackBooks books = new LoopbackBooks();
                sender.run(1);
                assertTrue(books.settle(sender.fragments(), 1,
                        () -> receiver.figures().counters().getOrDefault("InReceives", 0L),
                        () -> receiver.figures().datagrams()), "fragments unaccounted for: " + receiver.figures().json());
                Receiver.Figures f = receiver.figures();
                String state = f.json() + " kernel drops " + books.kernelDrops() + " sent " + sender.datagrams();
                assertEquals(0, f.corrupt(), state);
                assertEquals(f.datagrams(), f.verified(), state);
                assertTrue(sender.datagrams() - f.datagrams() <= books.kernelDrops(), "every datagram whole: " + state);
                long busy = receiver.ingress().handlerSets().stream()
                        .filter(h -> h.stats().get(io.netfrag.stats.MibCounter.UDP_IN_DATAGRAMS) > 0).count();
                assertEquals(ports == 1 ? 1 : 2, busy, "channels that delivered: " + state);
            }
        }
    }
}
