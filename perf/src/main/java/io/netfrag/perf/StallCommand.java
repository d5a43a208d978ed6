package io.netfrag.perf;

import io.netfrag.ReceivePath;
import io.netfrag.channel.KernelUdpStats;
import io.netfrag.channel.NetfragIngress;
import io.netfrag.esp.SaDatabase;
import io.netfrag.esp.XfrmStateParser;
import io.netfrag.examples.Cli;
import io.netfrag.examples.DemoCommand;
import io.netfrag.examples.Main;
import io.netfrag.examples.Sender;
import io.netfrag.reassembly.CoalescePolicy;
import io.netfrag.reassembly.ReassemblyLimits;
import io.netfrag.testkit.Payloads;
import io.netfrag.testkit.TrafficGenerator;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import java.io.PrintWriter;
import java.io.Writer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Goodput before and after event-loop stalls, on the loopback ingress: a paced sender (IPv6, ESP with the seed's SA,
 * 60000-byte datagrams at MTU 1500, no loss) streams into the ingress (a 256 × 2 KiB ring, 1 MiB socket buffer) while
 * a handler after the receive path blocks the event loop for 50–500 ms at random, once every {@code --every}
 * seconds after a warm-up. Delivered bytes are sampled every 50 ms. For every stall it reports the goodput over the second before
 * it, over the second that starts half a second after it ends, and how long after its end the goodput of a 200-ms
 * window first reached 90 % of the goodput before; with the kernel's drops and the ring's exhaustions it caused, and
 * the peak of pinned bytes against the reassembly limit. Writes {@code stalls.csv} (the 50-ms series) and
 * {@code stalls.png}.
 *
 * <p>Pass: after every stall the goodput is back to at least 90 % of what it was before (this machine's noise is about
 * 10 %) within a second, no corrupt delivery, and pinned bytes never above the high threshold plus one datagram.
 */
@Command(name = "stalls", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Goodput before and after event-loop stalls of 50-500 ms, on the loopback ingress.")
public final class StallCommand implements Callable<Integer> {
    private static final long SAMPLE_NANOS = 50_000_000L;

    @Spec
    CommandSpec spec;

    @Option(names = "--stalls", defaultValue = "10", description = "How many stalls, 1 to 1000 (default ${DEFAULT-VALUE}).")
    int stalls;

    @Option(names = "--every", paramLabel = "SECONDS", defaultValue = "3",
            description = "Seconds between stalls, 2 to 600 (default ${DEFAULT-VALUE}).")
    double every;

    @Option(names = "--warmup", paramLabel = "SECONDS", defaultValue = "5",
            description = "Seconds before the first stall, while the JIT compiles, 1 to 600 (default ${DEFAULT-VALUE}).")
    double warmup;

    @Option(names = "--rate", paramLabel = "GBPS", defaultValue = "1",
            description = "The sender's pace in Gbit/s of UDP payload, 0.001 to 100 (default ${DEFAULT-VALUE}: what "
                    + "this 2-core machine's sender and receiver sustain with ESP, so that goodput is the offered rate "
                    + "when the path is healthy).")
    double rate;

    @Option(names = "--policy", defaultValue = "ADAPTIVE", description = "Coalesce policy (default ${DEFAULT-VALUE}).")
    CoalescePolicy policy;

    @Option(names = "--seed", defaultValue = "11", description = "Seed of the stall durations (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "perf/results/stalls",
            description = "Where the series and the plot go (default ${DEFAULT-VALUE}).")
    Path out;

    /** Entry point: {@code java -cp perf/target/benchmarks.jar io.netfrag.perf.StallCommand [options]}. */
    public static void main(String[] args) {
        System.exit(Main.commandLine(new StallCommand()).execute(args));
    }

    /** Counts and checks deliveries; blocks the event loop when asked to, on the next delivery. */
    @ChannelHandler.Sharable
    private static final class StallingSink extends SimpleChannelInboundHandler<DatagramPacket> {
        final AtomicLong bytes = new AtomicLong();
        final AtomicLong corrupt = new AtomicLong();
        final long payloadSeed;
        /** Milliseconds of the next stall, 0 for none; set by the main thread, taken by the event loop. */
        volatile long pendingMillis;
        volatile long stallStart;
        volatile long stallEnd;

        StallingSink(long payloadSeed) {
            this.payloadSeed = payloadSeed;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket d) throws InterruptedException {
            if (Payloads.verify(d.content(), payloadSeed)) {
                bytes.addAndGet(d.content().readableBytes());
            } else {
                corrupt.incrementAndGet();
            }
            long ms = pendingMillis;
            if (ms > 0) {
                pendingMillis = 0;
                stallStart = System.nanoTime();
                Thread.sleep(ms); // a handler doing blocking work on the event loop
                stallEnd = System.nanoTime();
            }
        }
    }

    /** One stall's figures. */
    private record Stall(long millis, double before, double after, double recoveryMs, long kernelDrops,
            long ringExhaustions) {
    }

    @Override
    public Integer call() throws Exception {
        Cli.range(spec, "--stalls", stalls, 1, 1000, "1 to 1000");
        Cli.range(spec, "--every", every, 2, 600, "2 to 600 seconds");
        Cli.range(spec, "--warmup", warmup, 1, 600, "1 to 600 seconds");
        Cli.range(spec, "--rate", rate, 0.001, 100, "0.001 to 100 Gbit/s");
        PrintWriter pw = spec.commandLine().getOut();
        Files.createDirectories(out);
        long payloadSeed = 7;
        InetAddress loopback = InetAddress.getByName("::1");
        ReassemblyLimits limits = ReassemblyLimits.defaults(Duration.ofSeconds(2));
        StallingSink sink = new StallingSink(payloadSeed);
        SplittableRandom random = new SplittableRandom(seed);
        try (NetfragIngress ingress = NetfragIngress.builder().bind(new InetSocketAddress(loopback, 0))
                .receiveBufferBytes(1 << 20).ring(256, 2048)
                .receivePath(ReceivePath.builder().policy(policy).ipv6Limits(limits)
                        .sas(SaDatabase.of(DemoCommand.SEED_SA)).build())
                .userHandlers(() -> new ChannelHandler[] {sink}).start()) {
            TrafficGenerator g = TrafficGenerator.builder()
                    .addresses(InetAddress.getByName("fc00:1::1"), InetAddress.getByName("fc00:2::1"))
                    .ports(40001, 5000).payloadLength(60000).seed(payloadSeed).mtu(1500)
                    .sa(XfrmStateParser.parse(DemoCommand.SEED_SA)).build();
            double seconds = warmup + every * stalls + 1;
            List<double[]> series = new ArrayList<>(); // seconds, Gbit/s over the last sample
            List<long[]> stallTimes = new ArrayList<>(); // start, end (nanos)
            List<long[]> costs = new ArrayList<>(); // kernel drops, ring exhaustions over each stall's period
            List<Long> durations = new ArrayList<>();
            try (Sender sender = new Sender(g, ingress.localAddress(), new InetSocketAddress(loopback, 0), rate * 1e9,
                    true)) {
                Thread sending = new Thread(() -> {
                    try {
                        sender.run(seconds);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }, "stall-sender");
                pw.printf(Locale.ROOT, "stalls: %s, rate %.3f Gbit/s, %d stalls of 50-500 ms, one every %.1f s after "
                        + "%.1f s of warm-up%n", policy, rate, stalls, every, warmup);
                long start = System.nanoTime();
                sending.start();
                long lastBytes = 0;
                long lastNanos = start;
                long nextStall = start + (long) (warmup * 1e9);
                KernelUdpStats kernelMark = KernelUdpStats.read();
                long ringMark = ingress.ringExhaustions();
                while (sending.isAlive()) {
                    Thread.sleep(SAMPLE_NANOS / 1_000_000);
                    long now = System.nanoTime();
                    long b = sink.bytes.get();
                    series.add(new double[] {(now - start) / 1e9, (b - lastBytes) * 8.0 / (now - lastNanos)});
                    lastBytes = b;
                    lastNanos = now;
                    if (durations.size() < stalls && now >= nextStall) {
                        if (!durations.isEmpty()) { // what the previous stall's period cost
                            costs.add(new long[] {KernelUdpStats.read().since(kernelMark),
                                    ingress.ringExhaustions() - ringMark});
                        }
                        kernelMark = KernelUdpStats.read();
                        ringMark = ingress.ringExhaustions();
                        long ms = 50 + random.nextInt(451);
                        durations.add(ms);
                        sink.stallStart = 0;
                        sink.pendingMillis = ms;
                        nextStall = now + (long) (every * 1e9);
                    }
                    if (sink.stallStart != 0 && sink.stallEnd > sink.stallStart
                            && stallTimes.size() < durations.size()) {
                        stallTimes.add(new long[] {sink.stallStart - start, sink.stallEnd - start});
                    }
                }
                costs.add(new long[] {KernelUdpStats.read().since(kernelMark), ingress.ringExhaustions() - ringMark});
            }
            List<Stall> figures = new ArrayList<>();
            for (int i = 0; i < stallTimes.size(); i++) {
                double s0 = stallTimes.get(i)[0] / 1e9;
                double s1 = stallTimes.get(i)[1] / 1e9;
                double before = mean(series, s0 - 1.0, s0);
                double after = mean(series, s1 + 0.5, s1 + 1.5);
                double recovery = Double.NaN;
                for (double t = s1; t < s1 + 2.0; t += SAMPLE_NANOS / 1e9) {
                    if (mean(series, t, t + 0.2) >= 0.9 * before) {
                        recovery = (t - s1) * 1000;
                        break;
                    }
                }
                figures.add(new Stall(durations.get(i), before, after, recovery, costs.get(i)[0], costs.get(i)[1]));
            }
            write(series, stallTimes);
            return verdict(pw, figures, sink, ingress, limits);
        }
    }

    /** Mean goodput of the samples whose end falls in (from, to]. */
    private static double mean(List<double[]> series, double from, double to) {
        double sum = 0;
        int n = 0;
        for (double[] s : series) {
            if (s[0] > from && s[0] <= to) {
                sum += s[1];
                n++;
            }
        }
        return n == 0 ? 0 : sum / n;
    }

    private int verdict(PrintWriter pw, List<Stall> figures, StallingSink sink, NetfragIngress ingress,
            ReassemblyLimits limits) {
        pw.println("| stall | ms | Gbit/s in the second before | Gbit/s from 0.5 to 1.5 s after | after / before "
                + "| back to 90 % after, ms | kernel drops until the next stall | ring exhaustions |");
        pw.println("|--:|--:|--:|--:|--:|--:|--:|--:|");
        boolean recovered = figures.size() == stalls;
        for (int i = 0; i < figures.size(); i++) {
            Stall s = figures.get(i);
            boolean ok = s.after() >= 0.9 * s.before() && !Double.isNaN(s.recoveryMs()) && s.recoveryMs() <= 1000;
            recovered &= ok;
            pw.printf(Locale.ROOT, "| %d | %d | %.3f | %.3f | %.0f %% | %s | %d | %d |%n", i + 1, s.millis(),
                    s.before(), s.after(), 100 * s.after() / s.before(),
                    Double.isNaN(s.recoveryMs()) ? "not within 2 s" : String.format(Locale.ROOT, "%.0f", s.recoveryMs()),
                    s.kernelDrops(), s.ringExhaustions());
        }
        long peak = ingress.handlerSets().get(0).peakPinnedBytes();
        long bound = limits.highThresholdBytes() + 65_536;
        boolean memory = peak <= bound;
        pw.printf(Locale.ROOT, "peak pinned %d B (high threshold + one datagram: %d B): %s; corrupt deliveries: %d; "
                + "netfrag drops: %d%n", peak, bound, memory ? "within" : "ABOVE", sink.corrupt.get(),
                ingress.stats().totalDrops());
        boolean pass = recovered && memory && sink.corrupt.get() == 0;
        pw.println(pass ? "stalls: PASS" : "stalls: FAIL");
        pw.printf("series: %s, plot: %s%n", out.resolve("stalls.csv"), out.resolve("stalls.png"));
        return pass ? 0 : 1;
    }

    private void write(List<double[]> series, List<long[]> stallTimes) throws java.io.IOException {
        try (Writer w = Files.newBufferedWriter(out.resolve("stalls.csv"), StandardCharsets.UTF_8)) {
            w.write("seconds,gbps,stalled\n");
            for (double[] s : series) {
                boolean stalled = false;
                for (long[] t : stallTimes) {
                    stalled |= s[0] > t[0] / 1e9 && s[0] - SAMPLE_NANOS / 1e9 < t[1] / 1e9;
                }
                w.write(String.format(Locale.ROOT, "%.3f,%.4f,%d%n", s[0], s[1], stalled ? 1 : 0));
            }
        }
        if (series.isEmpty()) {
            return;
        }
        XYChart chart = new XYChartBuilder().width(1000).height(400).title("goodput around event-loop stalls")
                .xAxisTitle("seconds").yAxisTitle("Gbit/s (50-ms samples)").build();
        chart.addSeries("goodput", series.stream().mapToDouble(s -> s[0]).toArray(),
                series.stream().mapToDouble(s -> s[1]).toArray()).setMarker(SeriesMarkers.NONE);
        double top = series.stream().mapToDouble(s -> s[1]).max().orElse(1);
        int i = 0;
        for (long[] t : stallTimes) {
            chart.addSeries("stall " + ++i, new double[] {t[0] / 1e9, t[0] / 1e9, t[1] / 1e9, t[1] / 1e9},
                    new double[] {0, top, top, 0}).setMarker(SeriesMarkers.NONE).setShowInLegend(false);
        }
        chart.getStyler().setYAxisMin(0.0);
        BitmapEncoder.saveBitmap(chart, out.resolve("stalls").toString(), BitmapEncoder.BitmapFormat.PNG);
    }
}
