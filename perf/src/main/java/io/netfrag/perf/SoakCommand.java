package io.netfrag.perf;

import io.netfrag.ReceivePath;
import io.netfrag.channel.KernelUdpStats;
import io.netfrag.channel.NetfragIngress;
import io.netfrag.esp.SaDatabase;
import io.netfrag.esp.XfrmStateParser;
import io.netfrag.examples.Cli;
import io.netfrag.examples.DemoCommand;
import io.netfrag.examples.Main;
import io.netfrag.examples.Receiver;
import io.netfrag.examples.Sender;
import io.netfrag.examples.Streams;
import io.netfrag.reassembly.CoalescePolicy;
import io.netfrag.testkit.Impairments;
import io.netfrag.testkit.TrafficGenerator;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.ResourceLeakDetectorFactory;
import io.netty.util.internal.PlatformDependent;
import java.io.PrintWriter;
import java.io.Writer;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The seed scenario for a long time: IPv6, ESP, 1 % fragment loss, 60000-byte datagrams at MTU 1500 into a bounded
 * ring of 256 × 2 KiB slots, sender and receiver in one JVM on loopback, the sender paced. Every {@code --interval}
 * seconds it samples goodput, the heap after a full collection (which it asks for), direct memory, pinned bytes, live
 * reassembly queues and GC time so far; Netty's leak detector runs at its simple level and every leak report is counted. At the end it checks the
 * series and the books and writes {@code soak.csv}, {@code soak-goodput.png} and {@code soak-memory.png}.
 *
 * <p>Pass: goodput steady (the last third's mean at least 90 % of the first third's: this machine's noise is about
 * 10 %), heap after GC, direct memory and pinned bytes flat (the last third's maximum at most the first third's plus
 * 20 % and one ring's worth), no leak reported, and every fragment the sender let through either reached the receive
 * path or was dropped by the kernel at the socket.
 */
@Command(name = "soak", mixinStandardHelpOptions = true, sortOptions = false,
        description = "The seed scenario for a long time, sampled; checks that nothing drifts or leaks.")
public final class SoakCommand implements Callable<Integer> {
    private static final AtomicLong LEAKS = new AtomicLong();

    @Spec
    CommandSpec spec;

    @Option(names = "--minutes", defaultValue = "10", description = "How long, 0.5 to 1440 (default ${DEFAULT-VALUE}).")
    double minutes;

    @Option(names = "--interval", paramLabel = "SECONDS", defaultValue = "10",
            description = "Seconds between samples, 1 to 600 (default ${DEFAULT-VALUE}).")
    int interval;

    @Option(names = "--rate", paramLabel = "GBPS", defaultValue = "0.2",
            description = "The sender's pace in Gbit/s of UDP payload, 0.001 to 100 (default ${DEFAULT-VALUE}: a "
                    + "rate this 2-core machine sustains with ESP, so that goodput measures the receiver's steadiness).")
    double rate;

    @Option(names = "--policy", defaultValue = "ADAPTIVE", description = "Coalesce policy (default ${DEFAULT-VALUE}).")
    CoalescePolicy policy;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "perf/results/soak",
            description = "Where the series and plots go (default ${DEFAULT-VALUE}).")
    Path out;

    /** Entry point: {@code java -cp perf/target/benchmarks.jar io.netfrag.perf.SoakCommand [options]}. */
    public static void main(String[] args) {
        // before any buffer class is loaded: every leak report is counted (the detector at its simple level)
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.SIMPLE);
        ResourceLeakDetectorFactory.setResourceLeakDetectorFactory(new CountingFactory());
        System.exit(Main.commandLine(new SoakCommand()).execute(args));
    }

    /** Leak detectors that count what they report. */
    private static final class CountingFactory extends ResourceLeakDetectorFactory {
        @Override
        @SuppressWarnings("deprecation")
        public <T> ResourceLeakDetector<T> newResourceLeakDetector(Class<T> resource, int samplingInterval,
                long maxActive) {
            return new ResourceLeakDetector<T>(resource, samplingInterval) {
                @Override
                protected void reportTracedLeak(String resourceType, String records) {
                    LEAKS.incrementAndGet();
                    super.reportTracedLeak(resourceType, records);
                }

                @Override
                protected void reportUntracedLeak(String resourceType) {
                    LEAKS.incrementAndGet();
                    super.reportUntracedLeak(resourceType);
                }
            };
        }
    }

    /** One sample. */
    private record Sample(double seconds, double gbps, double heapMb, double directMb, double pinnedMb, int queues,
            long gcMillis, long leaks) {
    }

    @Override
    public Integer call() throws Exception {
        Cli.range(spec, "--minutes", minutes, 0.5, 1440, "0.5 to 1440 minutes");
        Cli.range(spec, "--interval", interval, 1, 600, "1 to 600 seconds");
        Cli.range(spec, "--rate", rate, 0.001, 100, "0.001 to 100 Gbit/s");
        PrintWriter pw = spec.commandLine().getOut();
        Files.createDirectories(out);
        long seed = 7;
        InetAddress loopback = InetAddress.getByName("::1");
        NetfragIngress.Builder ingress = NetfragIngress.builder().receiveBufferBytes(1 << 20).ring(256, 2048)
                .receivePath(ReceivePath.builder().policy(policy).sas(SaDatabase.of(DemoCommand.SEED_SA)).build());
        List<Sample> samples = new ArrayList<>();
        try (Receiver receiver = new Receiver(ingress, Streams.verifier(seed), new InetSocketAddress(loopback, 0),
                null)) {
            TrafficGenerator g = TrafficGenerator.builder()
                    .addresses(InetAddress.getByName("fc00:1::1"), InetAddress.getByName("fc00:2::1"))
                    .ports(40001, 5000).payloadLength(60000).seed(seed).mtu(1500)
                    .sa(XfrmStateParser.parse(DemoCommand.SEED_SA))
                    .impairments(Impairments.builder().seed(seed).loss(0.01).build()).build();
            KernelUdpStats kernelBefore = KernelUdpStats.read();
            double seconds = minutes * 60;
            try (Sender sender = new Sender(g, receiver.dataAddress(), new InetSocketAddress(loopback, 0),
                    rate * 1e9, true)) {
                Thread sending = new Thread(() -> {
                    try {
                        sender.run(seconds);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }, "soak-sender");
                sending.start();
                long start = System.nanoTime();
                long lastBytes = 0;
                long lastNanos = start;
                long gcBefore = gcMillis();
                pw.printf(Locale.ROOT, "soak: %s, rate %.3f Gbit/s, %.1f min, a sample every %d s%n", policy, rate,
                        minutes, interval);
                pw.println("   time   Gbit/s  heap MB  direct MB  pinned MB  queues  GC ms  leaks");
                while (sending.isAlive()) {
                    sending.join(interval * 1000L);
                    long now = System.nanoTime();
                    Receiver.Figures f = receiver.figures();
                    double gbps = (f.bytes() - lastBytes) * 8.0 / (now - lastNanos);
                    lastBytes = f.bytes();
                    lastNanos = now;
                    ReceivePath.Handlers h = receiver.ingress().handlerSets().get(0);
                    Sample s = new Sample((now - start) / 1e9, gbps, heapAfterGcMb(), directMb(),
                            h.pinnedBytes() / 1e6, h.ipv6().queueCount() + h.ipv4().queueCount(),
                            gcMillis() - gcBefore, LEAKS.get());
                    samples.add(s);
                    pw.printf(Locale.ROOT, "%7.0f %8.3f %8.1f %10.1f %10.2f %7d %6d %6d%n", s.seconds(), s.gbps(),
                            s.heapMb(), s.directMb(), s.pinnedMb(), s.queues(), s.gcMillis(), s.leaks());
                    pw.flush();
                }
                Thread.sleep(2000); // the last packets in flight, and queues of incomplete datagrams age
                long lostInKernel = KernelUdpStats.read().since(kernelBefore);
                Receiver.Figures f = receiver.figures();
                Impairments.Stats imp = g.impairments().stats();
                long reached = f.counters().getOrDefault("InReceives", 0L);
                long sentOnWire = imp.fragmentsSent();
                boolean books = reached + lostInKernel >= sentOnWire && reached <= sentOnWire;
                write(samples);
                return verdict(pw, samples, books, sentOnWire, reached, lostInKernel, f);
            }
        }
    }

    private int verdict(PrintWriter pw, List<Sample> all, boolean books, long sent, long reached, long kernel,
            Receiver.Figures f) {
        List<Sample> s = all.size() > 3 ? all.subList(1, all.size()) : all; // the first interval warms up
        int third = Math.max(1, s.size() / 3);
        List<Sample> first = s.subList(0, third);
        List<Sample> last = s.subList(s.size() - third, s.size());
        double g0 = first.stream().mapToDouble(Sample::gbps).average().orElse(0);
        double g1 = last.stream().mapToDouble(Sample::gbps).average().orElse(0);
        boolean steady = g1 >= 0.9 * g0;
        boolean heap = flat(first, last, Sample::heapMb, 16);
        boolean direct = flat(first, last, Sample::directMb, 256 * 2048 / 1e6);
        boolean pinned = flat(first, last, Sample::pinnedMb, 256 * 2048 / 1e6);
        boolean leaks = LEAKS.get() == 0;
        pw.printf(Locale.ROOT, "goodput: first third %.3f, last third %.3f Gbit/s (%.1f %%): %s%n", g0, g1,
                100 * g1 / g0, steady ? "steady" : "FALLING");
        pw.printf(Locale.ROOT, "heap after GC %s, direct memory %s, pinned bytes %s; leaks reported: %d%n",
                heap ? "flat" : "GROWING", direct ? "flat" : "GROWING", pinned ? "flat" : "GROWING", LEAKS.get());
        pw.printf(Locale.ROOT, "books: %d fragments on the wire, %d reached the receive path, %d dropped by the kernel"
                + ": %s; %d datagrams delivered, %d corrupt; netfrag drops %d%n", sent, reached, kernel,
                books ? "balanced" : "UNBALANCED", f.datagrams(), f.corrupt(), Receiver.drops(f.counters()));
        boolean pass = steady && heap && direct && pinned && leaks && books && f.corrupt() == 0;
        pw.println(pass ? "soak: PASS" : "soak: FAIL");
        pw.printf("series: %s, plots: %s, %s%n", out.resolve("soak.csv"), out.resolve("soak-goodput.png"),
                out.resolve("soak-memory.png"));
        return pass ? 0 : 1;
    }

    private static boolean flat(List<Sample> first, List<Sample> last, java.util.function.ToDoubleFunction<Sample> v,
            double slackMb) {
        double max0 = first.stream().mapToDouble(v).max().orElse(0);
        double max1 = last.stream().mapToDouble(v).max().orElse(0);
        return max1 <= 1.2 * max0 + slackMb;
    }

    private void write(List<Sample> samples) throws java.io.IOException {
        try (Writer w = Files.newBufferedWriter(out.resolve("soak.csv"), StandardCharsets.UTF_8)) {
            w.write("seconds,gbps,heap_after_gc_mb,direct_mb,pinned_mb,queues,gc_ms_total,leaks\n");
            for (Sample s : samples) {
                w.write(String.format(Locale.ROOT, "%.1f,%.4f,%.2f,%.2f,%.3f,%d,%d,%d%n", s.seconds(), s.gbps(),
                        s.heapMb(), s.directMb(), s.pinnedMb(), s.queues(), s.gcMillis(), s.leaks()));
            }
        }
        double[] x = samples.stream().mapToDouble(s -> s.seconds() / 60).toArray();
        if (x.length == 0) {
            return;
        }
        XYChart goodput = new XYChartBuilder().width(900).height(400).title("soak: goodput")
                .xAxisTitle("minutes").yAxisTitle("Gbit/s").build();
        goodput.addSeries("goodput", x, samples.stream().mapToDouble(Sample::gbps).toArray());
        goodput.getStyler().setYAxisMin(0.0);
        BitmapEncoder.saveBitmap(goodput, out.resolve("soak-goodput").toString(), BitmapEncoder.BitmapFormat.PNG);
        XYChart memory = new XYChartBuilder().width(900).height(400).title("soak: memory")
                .xAxisTitle("minutes").yAxisTitle("MB").build();
        memory.addSeries("heap after GC", x, samples.stream().mapToDouble(Sample::heapMb).toArray());
        memory.addSeries("direct", x, samples.stream().mapToDouble(Sample::directMb).toArray());
        memory.addSeries("pinned", x, samples.stream().mapToDouble(Sample::pinnedMb).toArray());
        memory.getStyler().setYAxisMin(0.0);
        BitmapEncoder.saveBitmap(memory, out.resolve("soak-memory").toString(), BitmapEncoder.BitmapFormat.PNG);
    }

    /**
     * The heap in use right after a full collection, asked for here (once per sample: the pools' own "after the last
     * collection" figures lag behind under G1, whose young collections do not touch the old generation).
     */
    private static double heapAfterGcMb() {
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() / 1e6;
    }

    private static double directMb() {
        long netty = PlatformDependent.usedDirectMemory(); // -1 when Netty does not count (then the JDK's pool)
        if (netty >= 0) {
            return netty / 1e6;
        }
        for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            if (pool.getName().equals("direct")) {
                return pool.getMemoryUsed() / 1e6;
            }
        }
        return 0;
    }

    private static long gcMillis() {
        long total = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            total += Math.max(0, gc.getCollectionTime());
        }
        return total;
    }
}
