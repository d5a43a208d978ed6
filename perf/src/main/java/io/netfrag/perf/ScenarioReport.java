package io.netfrag.perf;

import io.netfrag.reassembly.CoalescePolicy;
import java.awt.Color;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeSet;
import java.util.function.ToDoubleFunction;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.style.Styler;

/**
 * The reports of {@code scenarios}: {@code SCENARIOS.md} (the seed table, the kernel baseline when
 * {@code kernel.csv} lies beside it, every cell's median and min–max) and the PNG plots (XChart, headless).
 */
final class ScenarioReport {
    private static final String[] COLORS = {"#d62728", "#ff7f0e", "#1f77b4", "#2ca02c", "#9467bd", "#8c564b"};

    private ScenarioReport() {
    }

    /** Median, minimum and maximum of one figure over a cell's repetitions. */
    record Spread(double median, double min, double max, int n) {
        static Spread of(List<ScenarioRun> runs, ToDoubleFunction<ScenarioRun> f) {
            double[] v = runs.stream().mapToDouble(f).sorted().toArray();
            if (v.length == 0) {
                return new Spread(Double.NaN, Double.NaN, Double.NaN, 0);
            }
            double median = v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
            return new Spread(median, v[0], v[v.length - 1], v.length);
        }

        String text(String format) {
            if (n == 0) {
                return "–";
            }
            String m = String.format(Locale.ROOT, format, median);
            if (n == 1 || String.format(Locale.ROOT, format, min).equals(String.format(Locale.ROOT, format, max))) {
                return m;
            }
            return m + " (" + String.format(Locale.ROOT, format, min) + "–" + String.format(Locale.ROOT, format, max)
                    + ")";
        }
    }

    /** The matrix's axes as present in the runs, in report order. */
    record Axes(List<Integer> families, List<Boolean> esp, List<Double> losses, List<CoalescePolicy> policies) {
        static Axes of(List<ScenarioRun> runs) {
            List<Integer> families = new ArrayList<>();
            for (int f : new int[] {6, 4}) {
                if (runs.stream().anyMatch(r -> r.family() == f)) {
                    families.add(f);
                }
            }
            List<Boolean> esp = new ArrayList<>();
            for (boolean e : new boolean[] {true, false}) {
                if (runs.stream().anyMatch(r -> r.esp() == e)) {
                    esp.add(e);
                }
            }
            List<Double> losses = new ArrayList<>(new TreeSet<>(runs.stream().map(ScenarioRun::loss).toList()));
            List<CoalescePolicy> policies = Arrays.stream(CoalescePolicy.values())
                    .filter(p -> runs.stream().anyMatch(r -> r.policy() == p)).toList();
            return new Axes(families, esp, losses, policies);
        }
    }

    /** Writes SCENARIOS.md and the PNGs into {@code dir} and prints the seed table. */
    static void write(Path dir, List<ScenarioRun> runs, Map<String, String> conditions, PrintWriter pw)
            throws IOException {
        Map<ScenarioRun.Cell, List<ScenarioRun>> byCell = new LinkedHashMap<>();
        for (ScenarioRun r : runs) {
            byCell.computeIfAbsent(r.cell(), k -> new ArrayList<>()).add(r);
        }
        Axes axes = Axes.of(runs);
        List<String> pngs = charts(dir, byCell, axes, conditions);
        String md = markdown(dir, runs, byCell, axes, conditions, pngs);
        Files.writeString(dir.resolve("SCENARIOS.md"), md, StandardCharsets.UTF_8);
        String seed = seedTable(byCell, axes);
        if (seed != null) {
            pw.println("Seed scenario: IPv6, ESP, 1 % fragment loss (medians over repetitions)");
            pw.println(seed);
        }
        pw.println("wrote " + dir.resolve("scenarios.csv") + ", " + dir.resolve("SCENARIOS.md") + " and "
                + pngs.size() + " PNGs");
        pw.flush();
    }

    // ---------------------------------------------------------------- Markdown

    private static String markdown(Path dir, List<ScenarioRun> runs, Map<ScenarioRun.Cell, List<ScenarioRun>> byCell,
            Axes axes, Map<String, String> c, List<String> pngs) throws IOException {
        StringBuilder md = new StringBuilder();
        md.append("# End-to-end scenarios: netfrag on loopback\n\n");
        md.append("Made by `java -jar examples/target/netfrag.jar scenarios` (class `ScenarioCommand`): sender and "
                + "receiver in one JVM, the `stream`/`server` pair's code (`Sender`, `Receiver`). Each fragment goes "
                + "as one UDP datagram over loopback into a `NetfragIngress` (IP-in-UDP, epoll) with a bounded receive "
                + "ring; every run gets a fresh receiver. Raw data: [`scenarios.csv`](scenarios.csv) (a row per run), "
                + "conditions: [`scenarios.properties`](scenarios.properties).\n\n");
        md.append("- **goodput**: UDP payload delivered (and verified byte for byte against the sender's seed) × 8 / "
                + "sending time, Gbit/s;\n");
        md.append("- **completable**: datagrams of which the impairment dropped no fragment; **delivered %** is "
                + "delivered / completable;\n");
        md.append("- **ring dry**: times the bounded receive ring had no free slot (the channel then stops reading and "
                + "the kernel queues, then drops); a collapsed run often shows 1: the ring ran dry once and never "
                + "refilled;\n");
        md.append("- **kernel drops**: UDP `RcvbufErrors` (`/proc/net/snmp` + `snmp6`) delta over the run — "
                + "system-wide, so anything else on the machine dropping UDP would count too;\n");
        md.append("- **peak pinned**: the reassemblers' peak pinned bytes (IPv6 + IPv4 peaks) — receive buffers held "
                + "by incomplete datagrams plus copy buffers;\n");
        md.append("- cells show the **median (min–max)** over the repetitions; repetitions are the outer loop, so "
                + "load changes on the machine spread over all cells.\n\n");
        boolean unpaced = c.getOrDefault("rate", "unpaced").startsWith("unpaced");
        md.append("How to read it: **loss** is the fragment loss the sender injects. ").append(unpaced
                ? "Here the sender is unpaced (netperf UDP_STREAM-like, the seed's condition): it outruns the "
                + "receiver (both share the machine's CPUs) and the kernel drops fragments at the receiver's socket "
                + "on top of the injected loss, so even the 0 % cells lose fragments and leave incomplete datagrams "
                + "behind (`scenarios --rate GBPS` paces the sender to separate the two). "
                : "Here the sender is paced at " + c.get("rate") + ", so where the receiver keeps up, the "
                + "injected loss is the only loss (kernel drops show where it did not). ")
                .append("An incomplete datagram under "
                + "`NONE` (and `COMPOSITE` up to its limit) keeps its fragments' receive buffers: the ring slots stay "
                + "pinned until the queue times out or is evicted, the ring runs dry, reading stops and the kernel "
                + "drops the rest. That is why `NONE`'s peak pinned memory is small — it is capped by the ring "
                + "(slots × slot size) — while its goodput collapses; `COPY` and `ADAPTIVE` give every slot back on "
                + "arrival, so their incomplete datagrams pin copy buffers instead, up to the reassembly memory "
                + "limit (high threshold 4 MiB, then the oldest are evicted), and the ring never runs dry.");
        if ("true".equals(c.get("gro"))) {
            md.append(" **This run reads with UDP_GRO**: a ring slot (64 KiB) holds every fragment of a GSO message, "
                    + "usually all of one datagram, and each fragment is a slice of it. netfrag charges every held "
                    + "fragment the capacity of the buffer it keeps alive (`Pinning`), so under `NONE` one or two "
                    + "incomplete datagrams already reach the 4 MiB high threshold and are evicted long before the "
                    + "ring is empty: `NONE` does not collapse here, it pays in evictions (netfrag drops) instead, and "
                    + "`ADAPTIVE` copies such slices like `COPY`. The seed's collapse needs receive buffers that are "
                    + "charged what they carry: one fragment per slot, the default run.");
        }
        md.append("\n\n");

        md.append("## Conditions\n\n| | |\n|---|---|\n");
        row(md, "matrix", "policies " + c.getOrDefault("policies", "?") + "; loss " + c.getOrDefault("losses", "?")
                + "; ESP " + c.getOrDefault("esp", "?") + "; families " + c.getOrDefault("families", "?") + "; "
                + c.getOrDefault("reps", "?") + " rep(s) × " + c.getOrDefault("seconds", "?") + " s per cell; "
                + runs.size() + " runs recorded");
        row(md, "traffic", c.getOrDefault("message.size", "?") + "-byte UDP messages, payloads from a seed, "
                + "fragmented at MTU " + c.getOrDefault("mtu", "?") + " (Linux geometry), fragments lost "
                + "independently with the given probability (testkit `Impairments`, seed per repetition)");
        row(md, "ESP", "transport mode, `rfc4106(gcm(aes))`, 128-bit key, 96-bit ICV, replay window 0; IPv6: `"
                + c.getOrDefault("sa.ipv6", "?") + "`; IPv4: `" + c.getOrDefault("sa.ipv4", "?") + "`");
        boolean gro = "true".equals(c.get("gro"));
        boolean gso = !"false".equals(c.get("gso"));
        row(md, "receiver", c.getOrDefault("ring", "?") + ", SO_RCVBUF " + c.getOrDefault("rcvbuf", "?")
                + " B, " + (gro ? "UDP_GRO (one read and one ring slot per GSO message, split into one datagram per "
                + "fragment)" : "no GRO (one read and one ring slot per fragment)")
                + ", one channel / event loop, payload verification "
                + ("false".equals(c.get("verify")) ? "off" : "on")
                + "; loopback of the inner packets' family (`::1` / `127.0.0.1`)");
        row(md, "sender", c.getOrDefault("rate", "unpaced (as fast as the sender can)") + "; one event loop, all "
                + "fragments of a datagram in one sendmmsg" + (gso ? ", each run of equal-sized fragments as one "
                + "UDP GSO message (`UDP_SEGMENT`; the kernel cuts it back into one datagram per fragment)" : "")
                + ", write-buffer high water mark 4 MiB");
        row(md, "machine", c.getOrDefault("cpus", "?") + " CPUs; " + c.getOrDefault("os", "?") + "; "
                + c.getOrDefault("jvm", "?") + "; Netty " + c.getOrDefault("netty", "?") + "; transport "
                + runs.stream().map(ScenarioRun::transport).distinct().reduce((a, b) -> a + "/" + b).orElse("?"));
        Spread load = Spread.of(runs, ScenarioRun::loadAverage);
        row(md, "load", "load average (1/5/15 min) " + c.getOrDefault("loadavg.start", "?") + " at the start, "
                + c.getOrDefault("loadavg.end", "?") + " at the end; 1-min load at the end of each run "
                + load.text("%.2f") + " (the runner itself keeps about 2 threads busy: the sender's and the "
                + "receiver's event loops)");
        if (c.containsKey("note")) {
            row(md, "note", c.get("note"));
        }
        row(md, "when", c.getOrDefault("started", "?") + " – " + c.getOrDefault("finished", "?"));
        md.append('\n');

        String seed = seedTable(byCell, axes);
        if (seed != null) {
            md.append("## The seed scenario: IPv6, ESP, 1 % fragment loss\n\n");
            md.append("The Linux commit's setting (\"inet: frags: re-introduce skb coalescing for local delivery\": "
                    + "netperf over ESP transport mode with fragment loss, a bounded NIC ring). Sender: "
                    + c.getOrDefault("rate", "unpaced") + ". × NONE is the ratio of median goodputs.\n\n");
            md.append(seed).append('\n');
        }

        String kernel = kernelSection(dir, byCell, axes);
        if (kernel != null) {
            md.append(kernel).append('\n');
        }

        if (!pngs.isEmpty()) {
            md.append("## Plots\n\nBars are medians; the spread is in the tables.\n\n");
            for (String p : pngs) {
                md.append("![").append(p, 0, p.length() - 4).append("](").append(p).append(")\n\n");
            }
        }

        List<String> related = new ArrayList<>();
        try (java.util.stream.Stream<Path> sub = Files.list(dir)) {
            sub.filter(d -> Files.isRegularFile(d.resolve("SCENARIOS.md"))).sorted()
                    .forEach(d -> related.add(d.getFileName() + "/SCENARIOS.md"));
        }
        if (!related.isEmpty()) {
            md.append("See also: ");
            for (int i = 0; i < related.size(); i++) {
                md.append(i == 0 ? "" : ", ").append('[').append(related.get(i)).append("](").append(related.get(i))
                        .append(')');
            }
            md.append(".\n\n");
        }

        md.append("## Every cell\n\n");
        md.append("| family | ESP | loss | policy | runs | goodput Gbps | offered Gbps | delivered % of completable "
                + "| ring dry | kernel drops | netfrag drops | peak pinned KiB |\n");
        md.append("|---|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (int family : axes.families()) {
            for (boolean esp : axes.esp()) {
                for (double loss : axes.losses()) {
                    for (CoalescePolicy p : axes.policies()) {
                        List<ScenarioRun> rs = byCell.get(new ScenarioRun.Cell(family, esp, loss, p));
                        if (rs == null) {
                            continue;
                        }
                        md.append("| ").append(ScenarioRun.familyName(family)).append(" | ").append(esp ? "on" : "off")
                                .append(" | ").append(ScenarioRun.lossLabel(loss)).append(" | ").append(p)
                                .append(" | ").append(rs.size())
                                .append(" | ").append(Spread.of(rs, ScenarioRun::goodputGbps).text("%.3f"))
                                .append(" | ").append(Spread.of(rs, ScenarioRun::offeredGbps).text("%.3f"))
                                .append(" | ").append(Spread.of(rs, ScenarioRun::deliveredPercent).text("%.1f"))
                                .append(" | ").append(Spread.of(rs, ScenarioRun::ringExhaustions).text("%.0f"))
                                .append(" | ").append(Spread.of(rs, ScenarioRun::kernelDrops).text("%.0f"))
                                .append(" | ").append(Spread.of(rs, ScenarioRun::netfragDrops).text("%.0f"))
                                .append(" | ").append(Spread.of(rs, r -> r.peakPinnedBytes() / 1024.0).text("%.0f"))
                                .append(" |\n");
                    }
                }
            }
        }
        long corrupt = runs.stream().mapToLong(ScenarioRun::corrupt).sum();
        md.append("\nCorrupt datagrams delivered (payload verification failed), all runs: ").append(corrupt)
                .append(".\n");
        return md.toString();
    }

    private static void row(StringBuilder md, String k, String v) {
        md.append("| ").append(k).append(" | ").append(v.replace("|", "\\|")).append(" |\n");
    }

    /** The seed table (IPv6, ESP, 1 % loss), or null when the runs do not have that cell. */
    static String seedTable(Map<ScenarioRun.Cell, List<ScenarioRun>> byCell, Axes axes) {
        Map<CoalescePolicy, List<ScenarioRun>> rows = new LinkedHashMap<>();
        for (CoalescePolicy p : axes.policies()) {
            List<ScenarioRun> rs = byCell.get(new ScenarioRun.Cell(6, true, 0.01, p));
            if (rs != null) {
                rows.put(p, rs);
            }
        }
        if (rows.isEmpty()) {
            return null;
        }
        List<ScenarioRun> none = rows.get(CoalescePolicy.NONE);
        double noneGoodput = none == null ? Double.NaN : Spread.of(none, ScenarioRun::goodputGbps).median();
        StringBuilder sb = new StringBuilder();
        sb.append("| policy | runs | goodput Gbps, median (min–max) | × NONE | delivered % of completable | ring dry "
                + "| kernel drops | peak pinned KiB |\n");
        sb.append("|---|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Map.Entry<CoalescePolicy, List<ScenarioRun>> e : rows.entrySet()) {
            List<ScenarioRun> rs = e.getValue();
            double g = Spread.of(rs, ScenarioRun::goodputGbps).median();
            String ratio = Double.isNaN(noneGoodput) ? "–" : noneGoodput <= 0 ? "∞"
                    : String.format(Locale.ROOT, "%.1f×", g / noneGoodput);
            sb.append("| ").append(e.getKey()).append(" | ").append(rs.size())
                    .append(" | ").append(Spread.of(rs, ScenarioRun::goodputGbps).text("%.3f"))
                    .append(" | ").append(ratio)
                    .append(" | ").append(Spread.of(rs, ScenarioRun::deliveredPercent).text("%.1f"))
                    .append(" | ").append(Spread.of(rs, ScenarioRun::ringExhaustions).text("%.0f"))
                    .append(" | ").append(Spread.of(rs, ScenarioRun::kernelDrops).text("%.0f"))
                    .append(" | ").append(Spread.of(rs, r -> r.peakPinnedBytes() / 1024.0).text("%.0f"))
                    .append(" |\n");
        }
        return sb.toString();
    }

    /**
     * The kernel baseline section from {@code kernel.csv} (written by {@code perf/kernel-baseline.sh}), set beside
     * netfrag's plain-UDP, loss-free cells; null without the file.
     */
    private static String kernelSection(Path dir, Map<ScenarioRun.Cell, List<ScenarioRun>> byCell, Axes axes)
            throws IOException {
        Path file = dir.resolve("kernel.csv");
        if (!Files.exists(file)) {
            return null;
        }
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        if (lines.size() < 2) {
            return null;
        }
        String[] names = lines.get(0).split(",");
        Map<String, Integer> col = new HashMap<>();
        for (int i = 0; i < names.length; i++) {
            col.put(names[i].trim(), i);
        }
        StringBuilder sb = new StringBuilder("## Kernel baseline (no ESP)\n\n");
        sb.append("`perf/kernel-baseline.sh`: the Linux receive path itself, two network namespaces joined by a veth "
                + "(MTU 1500), iperf3 UDP with big datagrams (`-b 0` unless the script was told otherwise) fragmented "
                + "and reassembled by the kernel, receiver-side figures (details and conditions in "
                + "[`kernel.md`](kernel.md)). **The kernel rows are without ESP** (the kernel here is built without "
                + "ESP; see `kernel.md`), so they are set beside netfrag's ESP-off cells without injected loss. Loss "
                + "is datagrams sent but not delivered, whatever dropped them. netfrag carries each fragment in a "
                + "loopback UDP datagram and reassembles in user space on one event loop, so this compares receive "
                + "paths, not equal work; both ran on the same shared machine.\n\n");
        sb.append("| family | receiver | datagram bytes | goodput Gbps | loss (not delivered / sent) |\n"
                + "|---|---|---:|---:|---:|\n");
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.split(",", -1);
            java.util.function.Function<String, String> v = n -> col.containsKey(n) && col.get(n) < f.length
                    ? f[col.get(n)].trim() : "?";
            sb.append("| ").append(v.apply("family")).append(" | Linux kernel (veth, netns, iperf3) | ")
                    .append(v.apply("datagram_bytes")).append(" | ").append(v.apply("receiver_gbps")).append(" | ")
                    .append(v.apply("loss_pct")).append(" % |\n");
            int family = v.apply("family").equalsIgnoreCase("IPv4") ? 4 : 6;
            if (axes.esp().contains(false) && axes.losses().contains(0.0)) {
                for (CoalescePolicy p : axes.policies()) {
                    List<ScenarioRun> rs = byCell.get(new ScenarioRun.Cell(family, false, 0.0, p));
                    if (rs != null) {
                        sb.append("| ").append(ScenarioRun.familyName(family)).append(" | netfrag ").append(p)
                                .append(" (loopback, no ESP) | ").append(rs.get(0).delivered() == 0 ? "?"
                                        : Long.toString(rs.get(0).bytes() / rs.get(0).delivered()))
                                .append(" | ").append(Spread.of(rs, ScenarioRun::goodputGbps).text("%.3f"))
                                .append(" | ").append(Spread.of(rs, r -> r.sent() == 0 ? 0
                                        : 100.0 * (r.sent() - r.delivered()) / r.sent()).text("%.1f"))
                                .append(" % |\n");
                    }
                }
            }
        }
        return sb.toString();
    }

    // ---------------------------------------------------------------- plots

    private static List<String> charts(Path dir, Map<ScenarioRun.Cell, List<ScenarioRun>> byCell, Axes axes,
            Map<String, String> c) throws IOException {
        System.setProperty("java.awt.headless", "true");
        List<String> files = new ArrayList<>();
        String reps = c.getOrDefault("reps", "?");
        String ring = c.getOrDefault("ring", "?");
        for (int family : axes.families()) {
            for (boolean esp : axes.esp()) {
                String fam = ScenarioRun.familyName(family);
                String tag = fam.toLowerCase(Locale.ROOT) + "-" + (esp ? "esp" : "noesp");
                String rate = c.getOrDefault("rate", "unpaced");
                String what = fam + ", " + (esp ? "ESP rfc4106(gcm(aes))" : "no ESP") + ", " + ring
                        + (rate.startsWith("unpaced") ? "" : ", sender paced at " + rate.replace(" (paced)", ""));

                CategoryChart g = chart("Goodput per policy vs fragment loss — " + what, "fragment loss",
                        "goodput, Gbit/s (median of " + reps + ")");
                g.getStyler().setYAxisDecimalPattern("0.0##"); // bar labels too: 1.53, 0.003
                g.getStyler().setDecimalPattern("0.0##");
                int k = 0;
                for (CoalescePolicy p : axes.policies()) {
                    List<String> x = new ArrayList<>();
                    List<Double> y = new ArrayList<>();
                    for (double loss : axes.losses()) {
                        x.add(ScenarioRun.lossLabel(loss));
                        y.add(median(byCell.get(new ScenarioRun.Cell(family, esp, loss, p)), ScenarioRun::goodputGbps));
                    }
                    g.addSeries(p.name(), x, y).setFillColor(Color.decode(COLORS[k++ % COLORS.length]));
                }
                files.add(save(g, dir, "goodput-" + tag));

                CategoryChart m = chart("Peak pinned memory per policy — " + what, "coalesce policy",
                        "peak pinned, KiB (median of " + reps + ")");
                m.getStyler().setYAxisDecimalPattern("#,##0");
                m.getStyler().setDecimalPattern("#,##0");
                k = 0;
                for (double loss : axes.losses()) {
                    List<String> x = new ArrayList<>();
                    List<Double> y = new ArrayList<>();
                    for (CoalescePolicy p : axes.policies()) {
                        x.add(p.name());
                        y.add(median(byCell.get(new ScenarioRun.Cell(family, esp, loss, p)),
                                r -> r.peakPinnedBytes() / 1024.0));
                    }
                    m.addSeries("loss " + ScenarioRun.lossLabel(loss), x, y)
                            .setFillColor(Color.decode(COLORS[(k++ + 2) % COLORS.length]));
                }
                files.add(save(m, dir, "pinned-" + tag));
            }
        }
        return files;
    }

    private static CategoryChart chart(String title, String x, String y) {
        CategoryChart chart = new CategoryChartBuilder().width(1024).height(560).title(title).xAxisTitle(x)
                .yAxisTitle(y).build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE).setChartBackgroundColor(Color.WHITE)
                .setDecimalPattern("#,##0.##");
        chart.getStyler().setLabelsVisible(true);
        chart.getStyler().setLabelsFontColorAutomaticEnabled(false);
        chart.getStyler().setLabelsFontColor(Color.BLACK);
        chart.getStyler().setLabelsPosition(1.0);
        chart.getStyler().setYAxisMin(0.0);
        chart.getStyler().setAvailableSpaceFill(0.8);
        return chart;
    }

    private static double median(List<ScenarioRun> runs, ToDoubleFunction<ScenarioRun> f) {
        if (runs == null || runs.isEmpty()) {
            return 0; // a missing cell draws as an empty bar
        }
        return Spread.of(runs, f).median();
    }

    private static String save(CategoryChart chart, Path dir, String name) throws IOException {
        BitmapEncoder.saveBitmap(chart, dir.resolve(name).toString(), BitmapEncoder.BitmapFormat.PNG);
        return name + ".png";
    }

    // ---------------------------------------------------------------- conditions

    static void writeConditions(Path file, Map<String, String> c) throws IOException {
        Properties p = new Properties();
        p.putAll(c);
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            p.store(w, "netfrag scenarios: conditions of the runs in scenarios.csv");
        }
    }

    static Map<String, String> readConditions(Path file) throws IOException {
        Map<String, String> c = new LinkedHashMap<>();
        if (Files.exists(file)) {
            Properties p = new Properties();
            try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                p.load(r);
            }
            for (String k : p.stringPropertyNames()) {
                c.put(k, p.getProperty(k));
            }
        }
        return c;
    }
}
