package io.netfrag.examples;

import io.netfrag.ReceivePath;
import io.netfrag.channel.NetfragIngress;
import io.netfrag.esp.XfrmStateParser;
import io.netfrag.reassembly.CoalescePolicy;
import io.netfrag.testkit.Impairments;
import io.netfrag.testkit.TrafficGenerator;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code demo}: the seed scenario on loopback, once per policy — IPv6, MTU 1500, 65000-byte messages, ESP transport
 * mode with the seed's SA ({@code rfc4106(gcm(aes))}, 96-bit ICV), 1 % fragment loss, a bounded receive ring — and
 * one netperf-style table with a line per policy and the ratios between them. What the Linux commit "inet: frags:
 * re-introduce skb coalescing for local delivery" showed: without coalescing the ring starves and goodput collapses;
 * with coalescing it does not.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Run the seed scenario (ESP, 1%% loss, bounded ring) for NONE, COPY and ADAPTIVE on loopback.")
public final class DemoCommand implements Callable<Integer> {
    /** The seed's SA (netperf over ESP transport mode, Linux commit message). */
    public static final String SEED_SA = "src fc00:1::1 dst fc00:2::1 proto esp spi 0x1000 "
            + "aead 'rfc4106(gcm(aes))' 0x0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b 96 mode transport replay-window 0";

    @Spec
    CommandSpec spec;

    @Option(names = "-l", paramLabel = "SECONDS", defaultValue = "4",
            description = "Seconds per policy, 0.1 to a week (default 4).")
    double length;

    @Option(names = "--loss", paramLabel = "P", defaultValue = "0.01",
            description = "Fragment loss probability, 0 to 1 (default 0.01).")
    double loss;

    @Option(names = "--ring", paramLabel = "SLOTS", defaultValue = "256",
            description = "Receive ring slots of 2048 B, 0 for none, up to " + Cli.MAX_RING_SLOTS + " (default 256).")
    int ring;

    @Option(names = "--policies", split = ",", defaultValue = "NONE,COPY,ADAPTIVE",
            description = "Policies to run (default ${DEFAULT-VALUE}).")
    List<CoalescePolicy> policies;

    @Option(names = "--no-esp", description = "Plain UDP instead of ESP.")
    boolean noEsp;

    @Option(names = "-f", defaultValue = "m", description = "Units: k, m or g (default m).")
    char unit;

    @Option(names = "--gso", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Sender: one UDP GSO message per run of equal-sized fragments (default on).")
    boolean gso;

    @Mixin
    Verbosity verbosity = new Verbosity();

    /** Checks every option before anything runs. */
    void validate() {
        Cli.seconds(spec, "-l", length);
        Cli.probability(spec, "--loss", loss);
        Cli.range(spec, "--ring", ring, 0, Cli.MAX_RING_SLOTS, "0 for no ring, or 1 to " + Cli.MAX_RING_SLOTS
                + " slots");
        Cli.ringMemory(spec, 1, ring, SLOT_BYTES);
        Cli.unit(spec, "-f", unit);
        if (policies.stream().distinct().count() != policies.size()) {
            throw Cli.invalid(spec, "--policies", policies, "each policy once");
        }
    }

    /** Bytes per ring slot: one fragment per buffer, like a NIC ring. */
    static final int SLOT_BYTES = 2048;

    record Row(CoalescePolicy policy, long sent, long completable, long delivered, long bytes, long elapsed,
            long exhaustions, long kernelDrops, long peakPinned, long corrupt) {
    }

    @Override
    public Integer call() throws Exception {
        validate();
        PrintWriter out = spec.commandLine().getOut();
        List<Row> rows = new ArrayList<>();
        long seed = 7;
        for (CoalescePolicy policy : policies) {
            out.printf("-- %s: %d-byte messages over %s, MTU 1500, %.1f%% fragment loss, %s, %.1f s%n",
                    policy, 65000, noEsp ? "UDP/IPv6" : "ESP/IPv6", loss * 100,
                    ring > 0 ? "ring " + ring + " x " + SLOT_BYTES + " B" : "no ring", length);
            out.flush();
            NetfragIngress.Builder ingress = NetfragIngress.builder()
                    .receivePath(ReceivePath.builder().policy(policy).sas(noEsp ? new io.netfrag.esp.SaDatabase()
                            : io.netfrag.esp.SaDatabase.of(SEED_SA)).build())
                    .ring(ring, SLOT_BYTES).receiveBufferBytes(1 << 20);
            try (Receiver receiver = new Receiver(ingress, Streams.verifier(seed),
                    new InetSocketAddress(InetAddress.getByName("::1"), 0), null)) {
                TrafficGenerator.Builder g = TrafficGenerator.builder()
                        .addresses(InetAddress.getByName("fc00:1::1"), InetAddress.getByName("fc00:2::1"))
                        .ports(40001, 5000).payloadLength(65000).seed(seed).mtu(1500)
                        .impairments(Impairments.builder().seed(seed).loss(loss).build());
                if (!noEsp) {
                    g.sa(XfrmStateParser.parse(SEED_SA));
                }
                try (Sender sender = new Sender(g.build(), receiver.dataAddress(),
                        new InetSocketAddress(InetAddress.getByName("::1"), 0), 0, gso)) {
                    receiver.reset();
                    Thread progress = new Thread(() -> {
                        try {
                            while (!Thread.currentThread().isInterrupted()) {
                                Thread.sleep(1000);
                                out.println("   " + receiver.figures().line());
                                out.flush();
                            }
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    });
                    progress.setDaemon(true);
                    progress.start();
                    sender.run(length);
                    Thread.sleep(300);
                    progress.interrupt();
                    Receiver.Figures f = receiver.figures();
                    rows.add(new Row(policy, sender.datagrams(),
                            sender.generator().impairments().stats().completableDatagrams(), f.datagrams(), f.bytes(),
                            sender.elapsedNanos(), f.ringExhaustions(), f.kernelRcvbufErrors(), f.peakPinnedBytes(),
                            f.corrupt()));
                }
            }
        }
        table(out, rows, unit);
        long corrupt = rows.stream().mapToLong(Row::corrupt).sum();
        if (corrupt > 0) {
            throw new Cli.Failure(corrupt + " corrupt datagram(s) delivered", null);
        }
        return 0;
    }

    static void table(PrintWriter out, List<Row> rows, char unit) {
        out.println();
        out.println("Policy     Messages  Completable  Delivered  Goodput " + Streams.unitLabel(unit)
                + "  of completable  Ring dry  Kernel drops  Peak pinned");
        for (Row r : rows) {
            double goodput = Streams.rate(r.bytes(), r.elapsed(), unit);
            out.printf("%-9s %9d  %11d  %9d  %23.2f  %14s  %8d  %12d  %9d KiB%s%n", r.policy(), r.sent(),
                    r.completable(), r.delivered(), goodput,
                    r.completable() == 0 ? "n/a" : String.format("%.1f%%", 100.0 * r.delivered() / r.completable()),
                    r.exhaustions(), r.kernelDrops(), r.peakPinned() / 1024,
                    r.corrupt() == 0 ? "" : "  CORRUPT " + r.corrupt());
        }
        Row none = null;
        for (Row r : rows) {
            if (r.policy() == CoalescePolicy.NONE) {
                none = r;
            }
        }
        if (none != null) {
            for (Row r : rows) {
                if (r != none) {
                    out.println(ratio(r, none));
                }
            }
        }
        out.flush();
    }

    /** "COPY / NONE goodput: 2094x", or why there is no ratio: a rate of nothing is not a figure. */
    static String ratio(Row r, Row none) {
        String label = r.policy() + " / NONE goodput: ";
        if (r.bytes() == 0 || r.elapsed() == 0) {
            return label + "none: " + r.policy() + " delivered nothing";
        }
        if (none.bytes() == 0 || none.elapsed() == 0) {
            return label + "unbounded: NONE delivered nothing in " + String.format("%.1f s", none.elapsed() / 1e9)
                    + ", " + r.policy() + " " + r.delivered() + " datagrams";
        }
        double a = r.bytes() / (double) r.elapsed();
        double b = none.bytes() / (double) none.elapsed();
        return label + String.format("%.0fx", a / b);
    }
}
