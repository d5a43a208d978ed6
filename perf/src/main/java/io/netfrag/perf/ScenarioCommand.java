package io.netfrag.perf;

import io.netfrag.ReceivePath;
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
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code scenarios}: the end-to-end scenario matrix on loopback, sender and receiver in this process (the
 * {@link Sender} and {@link Receiver} of {@code demo} and {@code stream}): coalesce policy × fragment loss × ESP on/off
 * × IPv6/IPv4, several repetitions of each cell, with the seed's bounded receive ring. Every run gets a fresh
 * receiver; repetitions are the outer loop, so a change in the machine's load spreads over all cells instead of
 * hitting one. Writes, to {@code --out}:
 * <ul>
 *   <li>{@code scenarios.csv} — one row per run (appended and flushed as the runs finish);
 *   <li>{@code SCENARIOS.md} — the seed table (IPv6, ESP, 1 % loss) and every cell's median and min–max;
 *   <li>{@code goodput-<family>-<esp|noesp>.png} — goodput per policy vs loss; {@code pinned-<family>-<esp|noesp>.png}
 *       — peak pinned memory per policy (XChart).
 * </ul>
 * {@code --report-only} redraws the Markdown and the plots from an existing {@code scenarios.csv}.
 */
@Command(name = "scenarios", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run the end-to-end scenario matrix on loopback (policy x loss x ESP x family, several "
                + "repetitions each, bounded ring) and write a CSV, a Markdown summary and PNG plots.",
            "Default: 4 policies x 3 losses x ESP on/off x IPv6/IPv4 x 3 reps x 2 s = 144 runs, about 6 minutes."})
public final class ScenarioCommand implements Callable<Integer> {
    /** The IPv4 counterpart of {@link DemoCommand#SEED_SA}: same algorithm and key, IPv4 addresses, SPI 0x1001. */
    static final String SEED_SA_V4 = "src 10.200.1.1 dst 10.200.1.2 proto esp spi 0x1001 "
            + "aead 'rfc4106(gcm(aes))' 0x0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b 96 mode transport replay-window 0";

    @Spec
    CommandSpec spec;

    /**
     * Entry point: {@code java -cp perf/target/benchmarks.jar io.netfrag.perf.ScenarioCommand [options]}. Mistakes are
     * answered as the netfrag command line answers them: one line, exit 2.
     */
    public static void main(String[] args) {
        System.exit(Main.commandLine(new ScenarioCommand()).execute(args));
    }

    @Option(names = "--policies", split = ",", paramLabel = "POLICY", defaultValue = "NONE,COMPOSITE,COPY,ADAPTIVE",
            description = "Coalesce policies (default ${DEFAULT-VALUE}).")
    List<CoalescePolicy> policies;

    @Option(names = "--losses", split = ",", paramLabel = "P", defaultValue = "0,0.001,0.01",
            description = "Fragment loss probabilities (default ${DEFAULT-VALUE}).")
    List<Double> losses;

    @Option(names = "--esp", split = ",", paramLabel = "on|off", defaultValue = "on,off",
            description = "ESP on, off or both (default ${DEFAULT-VALUE}).")
    List<String> espModes;

    @Option(names = "--families", split = ",", paramLabel = "6|4", defaultValue = "6,4",
            description = "IP families (default ${DEFAULT-VALUE}).")
    List<Integer> families;

    @Option(names = "--reps", defaultValue = "3", description = "Repetitions per cell (default ${DEFAULT-VALUE}).")
    int reps;

    @Option(names = "--seconds", defaultValue = "2", description = "Sending time per run (default ${DEFAULT-VALUE}).")
    double seconds;

    @Option(names = "--quick", description = "Reduced matrix: IPv6 only, losses 0 and 0.01, 1 rep of 1 s (options "
            + "given explicitly win).")
    boolean quick;

    @Option(names = "--rate", paramLabel = "GBPS", defaultValue = "0",
            description = "Pace the sender at this UDP payload rate in Gbit/s; 0 (default) sends as fast as it can, "
                    + "like netperf UDP_STREAM and demo (the seed's condition).")
    double rate;

    @Option(names = "--ring", paramLabel = "SLOTS", defaultValue = "256",
            description = "Bounded receive ring slots, 0 for none (default ${DEFAULT-VALUE}, the seed's).")
    int ring;

    @Option(names = "--slot-size", paramLabel = "BYTES", defaultValue = "2048",
            description = "Bytes per ring slot (default ${DEFAULT-VALUE}).")
    int slotSize;

    @Option(names = "--gso", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Sender: send each run of equal-sized fragments as one UDP GSO message (default on; the "
                    + "kernel cuts it back into one datagram per fragment).")
    boolean gso;

    @Option(names = "--gro", description = "Receiver: UDP_GRO, one read per GSO message, ring slots of at least "
            + "64 KiB (default off: one fragment per 2 KiB slot, like a NIC ring, the seed's shape).")
    boolean gro;

    @Option(names = "--transport", paramLabel = "NAME", defaultValue = "auto",
            converter = Cli.TransportConverter.class,
            description = "Receiver transport: auto, epoll, io_uring or nio (default ${DEFAULT-VALUE}).")
    NetfragIngress.Transport transport;

    @Option(names = "--batch", paramLabel = "BYTES", defaultValue = "0",
            description = "Receiver: several datagrams of up to BYTES per read (recvmmsg on epoll, one recvmsg per "
                    + "part of a slot on io_uring); the ring's slots then hold --slot-size / BYTES of them. 0 = one "
                    + "datagram per read (default).")
    int batch;

    @Option(names = "--channels", defaultValue = "1",
            description = "Receiver event loops (SO_REUSEPORT channels steered by the inner packet; default "
                    + "${DEFAULT-VALUE}).")
    int channels;

    @Option(names = "--rcvbuf", paramLabel = "BYTES", defaultValue = "1048576",
            description = "SO_RCVBUF of the receiver (default ${DEFAULT-VALUE}, as in demo).")
    int rcvbuf;

    @Option(names = {"-m", "--message-size"}, paramLabel = "BYTES", defaultValue = "60000",
            description = "UDP message size (default ${DEFAULT-VALUE}).")
    int messageSize;

    @Option(names = "--mtu", defaultValue = "1500", description = "Fragment at this MTU (default ${DEFAULT-VALUE}).")
    int mtu;

    @Option(names = "--warmup", paramLabel = "SECONDS", defaultValue = "1",
            description = "Unrecorded warm-up first: one run of SECONDS per policy (default ${DEFAULT-VALUE}, 0 for "
                    + "none).")
    double warmup;

    @Option(names = "--settle", paramLabel = "SECONDS", defaultValue = "0.3",
            description = "Wait after sending before reading the receiver (default ${DEFAULT-VALUE}).")
    double settle;

    @Option(names = "--seed", defaultValue = "7", description = "Base seed; repetition r uses seed + r - 1.")
    long seed;

    @Option(names = "--no-verify", description = "Do not verify delivered payloads.")
    boolean noVerify;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "perf/results/e2e",
            description = "Output directory (default ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--note", description = "A line of context for the Markdown (e.g. what else ran).")
    String note;

    @Option(names = "--report-only", description = "Run nothing: redraw the Markdown and plots from DIR/scenarios.csv.")
    boolean reportOnly;

    @Option(names = {"-v", "--verbose"}, description = "Print the receiver's figures every second.")
    boolean verbose;

    @Override
    public Integer call() throws Exception {
        PrintWriter pw = spec.commandLine().getOut();
        applyQuick();
        validate();
        Path csv = out.resolve("scenarios.csv");
        Path conditions = out.resolve("scenarios.properties");
        if (reportOnly && !Files.isRegularFile(csv)) {
            throw new ParameterException(spec.commandLine(), "--report-only: no " + csv);
        }
        Files.createDirectories(out);
        if (reportOnly) {
            List<ScenarioRun> runs = ScenarioRun.parse(Files.readAllLines(csv, StandardCharsets.UTF_8));
            Map<String, String> cond = ScenarioReport.readConditions(conditions);
            if (note != null) {
                cond.put("note", note);
            }
            ScenarioReport.write(out, runs, cond, pw);
            return 0;
        }

        List<ScenarioRun.Cell> cells = new ArrayList<>();
        for (int family : families) {
            for (String e : espModes) {
                for (double loss : losses) {
                    for (CoalescePolicy p : policies) {
                        cells.add(new ScenarioRun.Cell(family, e.equals("on"), loss, p));
                    }
                }
            }
        }
        int total = cells.size() * reps;
        Map<String, String> cond = conditions(total);
        ScenarioReport.writeConditions(conditions, cond);
        pw.printf("scenarios: %d cells x %d reps = %d runs of %.1f s (about %s); %d-byte messages, MTU %d, %s, "
                + "SO_RCVBUF %d, sender %s; output %s%n", cells.size(), reps, total, seconds,
                duration(total * (seconds + settle + 0.4) + warmup * policies.size()), messageSize, mtu, ringText(),
                rcvbuf,
                rate > 0 ? "paced at " + fmt(rate) + " Gbit/s" : "unpaced",
                out.toAbsolutePath().normalize());
        pw.println("machine: " + cond.get("cpus") + " CPUs, load average " + cond.get("loadavg.start")
                + (note == null ? "" : "; " + note));
        pw.flush();

        if (warmup > 0) {
            // one short run per policy (ESP if in the matrix, the highest loss) so the JIT has compiled the cipher,
            // the loss paths and every policy's code before anything is recorded
            for (CoalescePolicy p : policies) {
                ScenarioRun.Cell w = new ScenarioRun.Cell(families.get(0), espModes.contains("on"),
                        losses.stream().mapToDouble(Double::doubleValue).max().orElse(0), p);
                pw.printf("[warm-up] %s %.1f s ... ", label(w), warmup);
                pw.flush();
                ScenarioRun r = run(w, 0, 0, warmup, pw);
                pw.println(result(r));
                pw.flush();
            }
        }

        List<ScenarioRun> runs = new ArrayList<>();
        long started = System.nanoTime();
        try (Writer csvOut = Files.newBufferedWriter(csv, StandardCharsets.UTF_8)) {
            csvOut.write(ScenarioRun.CSV_HEADER + "\n");
            csvOut.flush();
            int index = 0;
            for (int rep = 1; rep <= reps; rep++) {
                for (ScenarioRun.Cell c : cells) {
                    index++;
                    pw.printf("[%3d/%d] rep %d/%d  %s ", index, total, rep, reps, label(c));
                    pw.flush();
                    ScenarioRun r;
                    try {
                        r = run(c, index, rep, seconds, pw);
                    } catch (Exception e) {
                        pw.println("FAILED: " + e);
                        pw.flush();
                        continue;
                    }
                    runs.add(r);
                    csvOut.write(r.csv() + "\n");
                    csvOut.flush();
                    double perRun = (System.nanoTime() - started) / 1e9 / index;
                    pw.println(result(r) + "  ETA " + duration(perRun * (total - index)));
                    pw.flush();
                }
            }
        }
        cond.put("loadavg.end", loadAverageText());
        cond.put("finished", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
        ScenarioReport.writeConditions(conditions, cond);
        pw.println();
        ScenarioReport.write(out, runs, cond, pw);
        long corrupt = runs.stream().mapToLong(ScenarioRun::corrupt).sum();
        if (corrupt > 0) {
            pw.println("CORRUPT datagrams delivered: " + corrupt);
            return 1;
        }
        return runs.size() == total ? 0 : 1;
    }

    /** One run of one cell: a fresh receiver and sender, {@code length} seconds of sending. */
    ScenarioRun run(ScenarioRun.Cell c, int index, int rep, double length, PrintWriter pw) throws Exception {
        boolean v6 = c.family() == 6;
        long runSeed = seed + Math.max(0, rep - 1);
        InetAddress loopback = InetAddress.getByName(v6 ? "::1" : "127.0.0.1");
        String sa = v6 ? DemoCommand.SEED_SA : SEED_SA_V4;
        NetfragIngress.Builder ingress = NetfragIngress.builder().receiveBufferBytes(rcvbuf)
                .receivePath(ReceivePath.builder().policy(c.policy())
                        .sas(c.esp() ? SaDatabase.of(sa) : new SaDatabase()).build());
        if (ring > 0) {
            ingress.ring(ring, slotBytes());
        }
        ingress.udpGro(gro).transport(transport).maxDatagramPayloadSize(batch).channels(channels);
        System.gc();
        try (Receiver receiver = new Receiver(ingress, noVerify ? null : Streams.verifier(runSeed),
                new InetSocketAddress(loopback, 0), null)) {
            TrafficGenerator.Builder g = TrafficGenerator.builder()
                    .addresses(InetAddress.getByName(v6 ? "fc00:1::1" : "10.200.1.1"),
                            InetAddress.getByName(v6 ? "fc00:2::1" : "10.200.1.2"))
                    .ports(40001, 5000).payloadLength(messageSize).seed(runSeed).mtu(mtu)
                    .impairments(Impairments.builder().seed(runSeed).loss(c.loss()).build());
            if (c.esp()) {
                g.sa(XfrmStateParser.parse(sa));
            }
            InetSocketAddress bind = new InetSocketAddress(loopback, 0);
            Sent sent;
            Thread progress = null;
            if (verbose) {
                pw.println();
                progress = new Thread(() -> {
                    try {
                        while (!Thread.currentThread().isInterrupted()) {
                            Thread.sleep(1000);
                            pw.println("   " + receiver.figures().line());
                            pw.flush();
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }, "scenario-progress");
                progress.setDaemon(true);
            }
            try (Sender sender = new Sender(g.build(), receiver.dataAddress(), bind, Math.max(0, rate) * 1e9, gso)) {
                receiver.reset();
                if (progress != null) {
                    progress.start();
                }
                sender.run(length);
                Thread.sleep((long) (settle * 1000));
                sent = new Sent(sender.datagrams(), sender.payloadBytes(), sender.elapsedNanos(),
                        sender.generator().impairments().stats());
            }
            if (progress != null) {
                progress.interrupt();
                progress.join(1000);
            }
            Receiver.Figures f = receiver.figures();
            Impairments.Stats s = sent.impairments();
            return new ScenarioRun(index, rep, c.family(), c.esp(), c.loss(), c.policy(), length, sent.datagrams(),
                    s.fragmentsSent(), s.fragmentsDropped(), s.completableDatagrams(), f.datagrams(), f.corrupt(),
                    f.bytes(), sent.payloadBytes(), sent.elapsedNanos(), f.ringExhaustions(), f.kernelRcvbufErrors(),
                    Receiver.drops(f.counters()), f.peakPinnedBytes(), loadAverage(),
                    receiver.ingress().transport().name().toLowerCase(java.util.Locale.ROOT));
        }
    }

    /** What a sender did in one run. */
    private record Sent(long datagrams, long payloadBytes, long elapsedNanos, Impairments.Stats impairments) {
    }

    private void applyQuick() {
        if (!quick) {
            return;
        }
        CommandLine.ParseResult pr = spec.commandLine().getParseResult();
        if (!pr.hasMatchedOption("--reps")) {
            reps = 1;
        }
        if (!pr.hasMatchedOption("--seconds")) {
            seconds = 1;
        }
        if (!pr.hasMatchedOption("--losses")) {
            losses = List.of(0.0, 0.01);
        }
        if (!pr.hasMatchedOption("--families")) {
            families = List.of(6);
        }
    }

    private void validate() {
        CommandLine cl = spec.commandLine();
        for (String e : espModes) {
            if (!e.equals("on") && !e.equals("off")) {
                throw new ParameterException(cl, "--esp takes on and/or off: " + e);
            }
        }
        for (int f : families) {
            if (f != 4 && f != 6) {
                throw new ParameterException(cl, "--families takes 6 and/or 4: " + f);
            }
        }
        for (double l : losses) {
            if (!(l >= 0 && l < 1)) {
                throw Cli.invalid(spec, "--losses", l, "probabilities from 0 up to, not including, 1");
            }
        }
        Cli.range(spec, "--rate", rate, 0, 1000, "0 for unpaced, or up to 1000 Gbit/s");
        Cli.range(spec, "--reps", reps, 1, 1000, "1 to 1000");
        Cli.seconds(spec, "--seconds", seconds);
        Cli.range(spec, "--warmup", warmup, 0, 3600, "0 for none, or up to 3600 seconds");
        Cli.range(spec, "--settle", settle, 0, 60, "0 to 60 seconds");
        if (policies.isEmpty() || losses.isEmpty() || espModes.isEmpty() || families.isEmpty()) {
            throw new ParameterException(cl, "empty matrix");
        }
        int minMtu = families.contains(6) ? Cli.MIN_MTU_IPV6 : Cli.MIN_MTU_IPV4;
        Cli.range(spec, "--mtu", mtu, minMtu, Cli.MAX_MTU, minMtu + " to " + Cli.MAX_MTU
                + (families.contains(6) ? " with IPv6 in --families (RFC 8200 §5)" : " for IPv4 (RFC 791)"));
        // ESP's overhead is at most 8 (header) + 8 (IV) + 3 (padding) + 2 (trailer) + 16 (ICV) bytes
        int maxMessage = Cli.MAX_UDP_PAYLOAD - (espModes.contains("on") ? 37 : 0);
        Cli.range(spec, "-m", messageSize, io.netfrag.testkit.Payloads.HEADER_LENGTH, maxMessage,
                io.netfrag.testkit.Payloads.HEADER_LENGTH + " to " + maxMessage + " bytes");
        Cli.range(spec, "--ring", ring, 0, Cli.MAX_RING_SLOTS, "0 for no ring, or 1 to " + Cli.MAX_RING_SLOTS);
        Cli.range(spec, "--slot-size", slotSize, Cli.MIN_SLOT_BYTES, Cli.MAX_SLOT_BYTES,
                Cli.MIN_SLOT_BYTES + " to " + Cli.MAX_SLOT_BYTES + " bytes");
        if (gro && spec.commandLine().getParseResult().hasMatchedOption("--slot-size")
                && slotSize < NetfragIngress.GRO_BUFFER_SIZE) {
            throw Cli.invalid(spec, "--slot-size", slotSize, "with --gro, at least " + NetfragIngress.GRO_BUFFER_SIZE
                    + " bytes: a GRO read aggregates up to 64 KiB");
        }
        Cli.ringMemory(spec, channels, ring, slotBytes());
        Cli.range(spec, "--channels", channels, 1, 4L * Runtime.getRuntime().availableProcessors(),
                "1 to 4 per core");
        if (batch != 0) {
            Cli.range(spec, "--batch", batch, Cli.MIN_SLOT_BYTES, NetfragIngress.GRO_BUFFER_SIZE,
                    "0, or " + Cli.MIN_SLOT_BYTES + " to " + NetfragIngress.GRO_BUFFER_SIZE + " bytes per datagram");
            if (ring > 0 && slotBytes() < 2 * batch) {
                throw Cli.invalid(spec, "--slot-size", slotBytes(), "with --batch " + batch + ", at least "
                        + 2 * batch + " bytes");
            }
        }
        if (transport == NetfragIngress.Transport.IO_URING && gro) {
            throw Cli.combination(spec, "--gro needs the epoll transport: Netty's io_uring datagram channel has no "
                    + "UDP_GRO");
        }
        if (rcvbuf != 0) {
            Cli.range(spec, "--rcvbuf", rcvbuf, 1024, 1 << 30, "0 for the system default, or 1024 to 1073741824");
        }
    }

    private Map<String, String> conditions(int total) {
        Map<String, String> c = new LinkedHashMap<>();
        c.put("started", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
        c.put("policies", join(policies));
        c.put("losses", join(losses.stream().map(ScenarioRun::lossText).toList()));
        c.put("esp", String.join(",", espModes));
        c.put("families", join(families));
        c.put("reps", Integer.toString(reps));
        c.put("seconds", fmt(seconds));
        c.put("runs", Integer.toString(total));
        c.put("message.size", Integer.toString(messageSize));
        c.put("mtu", Integer.toString(mtu));
        c.put("ring", ringText());
        c.put("gso", Boolean.toString(gso));
        c.put("gro", Boolean.toString(gro));
        c.put("transport", transport.name().toLowerCase(java.util.Locale.ROOT));
        c.put("batch", Integer.toString(batch));
        c.put("channels", Integer.toString(channels));
        c.put("rate", rate > 0 ? fmt(rate) + " Gbit/s (paced)" : "unpaced (as fast as the sender can)");
        c.put("rcvbuf", Integer.toString(rcvbuf));
        c.put("sa.ipv6", DemoCommand.SEED_SA);
        c.put("sa.ipv4", SEED_SA_V4);
        c.put("verify", Boolean.toString(!noVerify));
        c.put("seed", Long.toString(seed));
        c.put("cpus", Integer.toString(Runtime.getRuntime().availableProcessors()));
        c.put("loadavg.start", loadAverageText());
        c.put("jvm", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
        c.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                + System.getProperty("os.arch"));
        Map<String, io.netty.util.Version> versions = io.netty.util.Version.identify();
        io.netty.util.Version netty = versions.getOrDefault("netty-common",
                versions.values().stream().findFirst().orElse(null));
        c.put("netty", netty == null ? "?" : netty.artifactVersion());
        if (note != null) {
            c.put("note", note);
        }
        return c;
    }

    private String ringText() {
        return ring > 0 ? "ring " + ring + " x " + slotBytes() + " B" : "no ring (unbounded)";
    }

    private int slotBytes() {
        return gro ? Math.max(slotSize, NetfragIngress.GRO_BUFFER_SIZE) : slotSize;
    }

    static String label(ScenarioRun.Cell c) {
        return String.format(Locale.ROOT, "%s %-6s loss %-6s %-9s", ScenarioRun.familyName(c.family()),
                c.esp() ? "ESP" : "no-ESP", ScenarioRun.lossLabel(c.loss()), c.policy());
    }

    static String result(ScenarioRun r) {
        return String.format(Locale.ROOT, "%7.3f Gbps  delivered %6d/%-6d (%5.1f%%)  ring dry %5d  kernel drops %6d"
                + "  peak pinned %6d KiB%s", r.goodputGbps(), r.delivered(), r.completable(), r.deliveredPercent(),
                r.ringExhaustions(), r.kernelDrops(), r.peakPinnedBytes() / 1024,
                r.corrupt() == 0 ? "" : "  CORRUPT " + r.corrupt());
    }

    static String duration(double seconds) {
        long s = Math.round(seconds);
        return s >= 60 ? (s / 60) + "m" + String.format("%02d", s % 60) + "s" : s + "s";
    }

    private static String join(List<?> values) {
        StringBuilder sb = new StringBuilder();
        for (Object v : values) {
            sb.append(sb.length() == 0 ? "" : ",").append(v);
        }
        return sb.toString();
    }

    private static String fmt(double d) {
        return java.math.BigDecimal.valueOf(d).stripTrailingZeros().toPlainString();
    }

    /** The 1-minute load average, or -1 where /proc/loadavg does not exist. */
    static double loadAverage() {
        String t = loadAverageText();
        try {
            return Double.parseDouble(t.split("\\s+")[0]);
        } catch (RuntimeException e) {
            return -1;
        }
    }

    /** The three load averages from /proc/loadavg, or "?". */
    static String loadAverageText() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | RuntimeException e) {
            return "?";
        }
    }
}
