package io.netfrag.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netfrag.esp.XfrmStateParser;
import io.netfrag.testing.AccpFirst;
import io.netfrag.testing.Feature;
import io.netfrag.testing.LoopbackBooks;
import io.netfrag.testing.Requires;
import io.netfrag.testkit.Impairments;
import io.netfrag.testkit.TrafficGenerator;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

/**
 * Every documented combination of {@code server}'s receive options — {@code --gro}, {@code --batch}, {@code --ring}
 * with and without slots, {@code --channels}, {@code --slot-size}, ESP on and off — parsed as the command line parses
 * them, fed by a paced GSO sender on loopback for a bounded time. The books must balance: every datagram sent is
 * delivered byte-exact unless one of its fragments was dropped by the kernel at the socket, netfrag drops nothing,
 * trims nothing, and every fragment the kernel did not drop reaches the decoder. A combination that delivers nothing
 * (or silently loses a whole packet) cannot pass.
 */
class ServerOptionsLoopbackTest {
    private static final long SEED = 5;
    private static final int MESSAGE = 20000;
    private static final double RATE_BITS = 150e6;
    private static final double SECONDS = 0.4;

    static Stream<Arguments> combinations() {
        List<Arguments> all = new ArrayList<>();
        for (boolean gro : new boolean[] {false, true}) {
            for (boolean batch : new boolean[] {false, true}) {
                for (int ring : new int[] {0, 64}) {
                    for (int channels : new int[] {1, 2}) {
                        for (boolean esp : new boolean[] {false, true}) {
                            List<String> args = new ArrayList<>(List.of("--ring", Integer.toString(ring),
                                    "--channels", Integer.toString(channels)));
                            if (gro) {
                                args.add("--gro");
                            }
                            if (batch) {
                                args.addAll(List.of("--batch", gro ? "65536" : "2048"));
                            }
                            all.add(Arguments.of(args, esp));
                        }
                    }
                }
            }
        }
        // explicit slot sizes, each at the smallest its combination allows
        all.add(Arguments.of(List.of("--ring", "64", "--slot-size", "1500"), true));
        all.add(Arguments.of(List.of("--ring", "64", "--batch", "2048", "--slot-size", "4096"), false));
        all.add(Arguments.of(List.of("--ring", "16", "--gro", "--slot-size", "65536"), true));
        all.add(Arguments.of(List.of("--ring", "16", "--gro", "--batch", "65536", "--slot-size", "131072"), false));
        return all.stream();
    }

    @ParameterizedTest(name = "{0} esp={1}")
    @MethodSource("combinations")
    @Requires(Feature.GSO) // --gro, --batch and --channels need epoll; the sender uses GSO
    void everyDatagramIsDeliveredOrItsLossIsCounted(List<String> options, boolean esp) throws Exception {
        deliverAndBalance(options, esp);
    }

    @Test
    @Requires({Feature.GSO, Feature.ACCP})
    void accpDecryptsWhatTheSenderSealed() throws Exception {
        try {
            ServerCommand server = deliverAndBalance(List.of("--cipher-provider", "accp", "--ring", "64"), true);
            assertTrue(server.ingress.describe().contains("AES-GCM by " + AccpFirst.NAME), server.ingress.describe());
        } finally {
            AccpFirst.remove(); // the option installs it JVM-wide, as the CLI's one receiver per JVM may
        }
    }

    /** Runs the server's ingress with these options against the seeded sender; returns the parsed command. */
    private static ServerCommand deliverAndBalance(List<String> options, boolean esp) throws Exception {
        List<String> args = new ArrayList<>(options);
        args.addAll(List.of("--policy", "ADAPTIVE", "--verify-seed", Long.toString(SEED)));
        if (esp) {
            args.addAll(List.of("--sa", DemoCommand.SEED_SA));
        }
        ServerCommand server = new ServerCommand();
        new CommandLine(server).parseArgs(args.toArray(new String[0]));
        server.validate();
        server.ingress.cipher.install();
        InetAddress loopback = InetAddress.getByName("::1");
        InetSocketAddress bind = new InetSocketAddress(loopback, LoopbackPorts.freeUdpAndTcp());
        try (Receiver receiver = new Receiver(server.ingress.builder(bind,
                Cli.sas(server.spec, server.ingress.sas, server.ingress.saFiles)), Streams.verifier(SEED), bind,
                null)) {
            TrafficGenerator.Builder g = TrafficGenerator.builder()
                    .addresses(InetAddress.getByName("fc00:1::1"), InetAddress.getByName("fc00:2::1"))
                    .ports(40001, 5000).payloadLength(MESSAGE).seed(SEED).mtu(1500).impairments(Impairments.none());
            if (esp) {
                g.sa(XfrmStateParser.parse(DemoCommand.SEED_SA));
            }
            long sent;
            long fragments;
            LoopbackBooks books;
            try (Sender sender = new Sender(g.build(), receiver.dataAddress(), new InetSocketAddress(loopback, 0),
                    RATE_BITS, true)) {
                receiver.reset();
                books = new LoopbackBooks();
                sender.run(SECONDS);
                sent = sender.datagrams();
                fragments = sender.fragments();
            }
            // with --gro the kernel queues a GSO message (one datagram's fragments) whole, and drops it whole
            long perDrop = server.ingress.gro ? (fragments + sent - 1) / Math.max(1, sent) : 1;
            boolean balanced = books.settle(fragments, perDrop,
                    () -> receiver.figures().counters().getOrDefault("InReceives", 0L),
                    () -> receiver.figures().datagrams());
            Receiver.Figures f = receiver.figures();
            Map<String, Long> c = f.counters();
            long kernelDrops = books.kernelDrops();
            String record = args + " sent " + sent + " datagrams / " + fragments + " fragments, kernel drops "
                    + kernelDrops + ": " + f.json();
            assertTrue(balanced, "fragments unaccounted for: " + record);
            assertTrue(sent > 0, record);
            assertEquals(0, f.corrupt(), record);
            assertEquals(f.datagrams(), f.verified(), record);
            assertEquals(f.datagrams(), c.getOrDefault("UdpInDatagrams", 0L), record);
            assertEquals(0, Receiver.drops(c), "netfrag dropped: " + record);
            assertEquals(0, c.getOrDefault("InTrailingPkts", 0L), "bytes trimmed: " + record);
            long reached = c.getOrDefault("InReceives", 0L);
            assertTrue(reached <= fragments, "more fragments than sent: " + record);
            assertTrue(f.datagrams() <= sent && sent - f.datagrams() <= kernelDrops, "datagrams unaccounted: " + record);
            if (esp) {
                assertEquals(f.datagrams(), c.getOrDefault("EspInDecrypted", 0L), record);
            }
        }
        return server;
    }
}
