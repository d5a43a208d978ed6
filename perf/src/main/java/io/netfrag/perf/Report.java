package io.netfrag.perf;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Prints Markdown tables from JMH JSON results of this module's benchmarks
 * ({@code java -jar benchmarks.jar ReassemblyBenchmark -rf json -rff results.json}):
 * {@code java -cp benchmarks.jar io.netfrag.perf.Report results.json [more.json...]}. One table set per benchmark class
 * present in the files ({@link ReassemblyBenchmark}, {@link Ipv4ReassemblyBenchmark}, {@link EspBenchmark},
 * {@link PipelineBenchmark}, {@link ChecksumBenchmark}, {@link FloodBenchmark}), preceded by the JVMs the results came
 * from. {@code perf/run-benchmarks.sh --table SECTION} prints the tables of perf/RESULTS.md from the stored results.
 *
 * <p>{@link ReassemblyBenchmark}:
 * <p>Per row: policy, order, fragment size, fragments per datagram, ns per datagram (± JMH's 99.9% error), ns per
 * fragment, Gbps of reassembled payload ({@value ReassemblyBenchmark#PAYLOAD_BYTES} × 8 bits / ns per datagram), the
 * ratio to the memcpy baseline's Gbps at the same fragment size, and allocated bytes per datagram and per fragment when
 * the run had {@code -prof gc} ({@code gc.alloc.rate.norm}). The baselines come first: policy {@code memcpy} and
 * {@code harness}. With several fragment sizes, a second table splits time and allocation into a fixed part per
 * datagram and a part per fragment (least squares over the fragment counts). Several result files may be given; a
 * later result for the same benchmark and parameters replaces an earlier one.
 *
 * <p>The JSON is read with a minimal parser (objects, arrays, strings, numbers, literals), enough for JMH's output.
 */
public final class Report {

    private Report() {
    }

    /** Prints the table for the JSON file named by {@code args[0]}. */
    public static void main(String[] args) throws IOException {
        if (args.length == 0) {
            System.err.println("usage: Report <jmh-result.json>...");
            System.exit(2);
        }
        List<Object> runs = new ArrayList<>();
        for (String a : args) {
            runs.addAll((List<?>) new Json(Files.readString(Path.of(a), StandardCharsets.UTF_8)).value());
        }
        System.out.print(report(runs));
    }

    /** Every table the runs allow, each benchmark class's under its own heading. */
    static String report(List<Object> runs) {
        Map<String, Map<?, ?>> unique = new LinkedHashMap<>();
        java.util.Set<String> jvms = new java.util.LinkedHashSet<>();
        for (Object o : runs) {
            Map<?, ?> run = (Map<?, ?>) o;
            unique.put(run.get("benchmark") + " " + run.get("params"), run);
            jvms.add(run.get("vmName") + " " + run.get("vmVersion"));
        }
        StringBuilder sb = new StringBuilder();
        sb.append("JVM: ").append(String.join("; ", jvms)).append("\n\n");
        List<Object> all = new ArrayList<>(unique.values());
        if (has(all, "ReassemblyBenchmark.")) {
            sb.append(table(all)).append('\n');
        }
        if (has(all, "Ipv4ReassemblyBenchmark.")) {
            sb.append(ipv4(all)).append('\n');
        }
        if (has(all, "EspBenchmark.")) {
            sb.append(esp(all)).append('\n');
        }
        if (has(all, "PipelineBenchmark.")) {
            sb.append(pipeline(all)).append('\n');
        }
        if (has(all, "ChecksumBenchmark.")) {
            sb.append(checksum(all)).append('\n');
        }
        if (has(all, "FloodBenchmark.")) {
            sb.append(flood(all)).append('\n');
        }
        return sb.toString();
    }

    private static boolean has(List<Object> runs, String what) {
        for (Object o : runs) {
            if (((String) ((Map<?, ?>) o).get("benchmark")).contains("." + what)) {
                return true;
            }
        }
        return false;
    }

    /** A run reduced to what the tables need. */
    private static final class Result {
        String method;
        Map<?, ?> params;
        double ns;
        double error;
        double alloc = Double.NaN;

        String param(String name) {
            Object v = params.get(name);
            return v == null ? "" : (String) v;
        }
    }

    private static List<Result> results(List<Object> runs, String benchmarkClass) {
        List<Result> out = new ArrayList<>();
        for (Object o : runs) {
            Map<?, ?> run = (Map<?, ?>) o;
            String benchmark = (String) run.get("benchmark");
            String prefix = "." + benchmarkClass + ".";
            int i = benchmark.indexOf(prefix);
            if (i < 0) {
                continue;
            }
            Map<?, ?> primary = (Map<?, ?>) run.get("primaryMetric");
            if (!"ns/op".equals(primary.get("scoreUnit"))) {
                throw new IllegalArgumentException(benchmark + ": expected ns/op, got " + primary.get("scoreUnit"));
            }
            Result r = new Result();
            r.method = benchmark.substring(i + prefix.length());
            r.params = run.get("params") instanceof Map ? (Map<?, ?>) run.get("params") : Map.of();
            r.ns = number(primary.get("score"));
            r.error = number(primary.get("scoreError"));
            if (run.get("secondaryMetrics") instanceof Map) {
                for (Map.Entry<?, ?> e : ((Map<?, ?>) run.get("secondaryMetrics")).entrySet()) {
                    if (((String) e.getKey()).endsWith("gc.alloc.rate.norm")) {
                        r.alloc = number(((Map<?, ?>) e.getValue()).get("score"));
                    }
                }
            }
            out.add(r);
        }
        return out;
    }

    private static String ns(Result r) {
        return Double.isNaN(r.error) ? String.format(Locale.ROOT, "%.0f", r.ns)
                : String.format(Locale.ROOT, "%.0f ± %.0f", r.ns, r.error);
    }

    private static String bytes(double b) {
        return Double.isNaN(b) ? "–" : String.format(Locale.ROOT, "%.0f", b);
    }

    /**
     * {@link Ipv4ReassemblyBenchmark}: ns per datagram, Gbps of UDP payload, and netfrag's speed-up over each pcap4j
     * variant of the same order (pcap4j ns ÷ netfrag ns).
     */
    static String ipv4(List<Object> runs) {
        List<Result> rs = results(runs, "Ipv4ReassemblyBenchmark");
        rs.sort(Comparator.<Result, String>comparing(r -> r.param("order")).thenComparing(r -> r.method)
                .thenComparing(r -> r.param("allocator")).thenComparing(r -> r.param("policy")));
        StringBuilder sb = new StringBuilder();
        sb.append("| order | implementation | ns/datagram | Gbps (UDP payload) | netfrag speed-up | B/datagram |\n");
        sb.append("|---|---|--:|--:|--:|--:|\n");
        for (Result r : rs) {
            String impl = r.method.equals("netfrag")
                    ? "netfrag " + r.param("policy") + ", " + r.param("allocator")
                    : r.method.equals("pcap4jParsed") ? "pcap4j defragment (pre-parsed)"
                    : r.method.equals("pcap4jFromBytes") ? "pcap4j newPacket + defragment" : r.method;
            String speedup = "–";
            if (!r.method.equals("netfrag")) {
                StringBuilder su = new StringBuilder();
                for (Result n : rs) {
                    if (n.method.equals("netfrag") && n.param("order").equals(r.param("order"))) {
                        su.append(su.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.1f×%s",
                                r.ns / n.ns, rs.stream().filter(x -> x.method.equals("netfrag")
                                        && x.param("order").equals(r.param("order"))).count() > 1
                                        ? " (" + n.param("policy") + ", " + n.param("allocator") + ")" : ""));
                    }
                }
                if (su.length() > 0) {
                    speedup = su.toString();
                }
            }
            sb.append(String.format(Locale.ROOT, "| %s | %s | %s | %.1f | %s | %s |\n", r.param("order"), impl, ns(r),
                    Ipv4ReassemblyBenchmark.UDP_PAYLOAD * 8.0 / r.ns, speedup, bytes(r.alloc)));
        }
        return sb.toString();
    }

    /**
     * {@link EspBenchmark}: ns per packet, GB/s of plaintext (ESP payload: UDP datagram + trailer), and the ratio of
     * throughput to the bare cipher of the same family (JCA rows to {@code rawJca}, Bouncy Castle rows to
     * {@code rawBc}) at the same size.
     */
    static String esp(List<Object> runs) {
        List<Result> rs = results(runs, "EspBenchmark");
        List<String> methods = List.of("restore", "rawJca", "rawJcaDirectInPlace", "rawJcaDirectToNew", "rawBc",
                "engine", "decoder");
        rs.sort(Comparator.<Result>comparingInt(r -> Integer.parseInt(r.param("udpPayload")))
                .thenComparingInt(r -> List.of("jca", "bc").indexOf(espFamily(r)) & 0xff)
                .thenComparingInt(r -> methods.indexOf(r.method))
                .thenComparing(r -> r.param("policy")).thenComparing(r -> r.param("input")));
        StringBuilder sb = new StringBuilder();
        sb.append("| ESP packet | variant | engine | policy | input | ns/packet | GB/s | % of raw | B/packet |\n");
        sb.append("|--:|---|---|---|---|--:|--:|--:|--:|\n");
        for (Result r : rs) {
            int udp = Integer.parseInt(r.param("udpPayload"));
            int plain = espPlaintext(udp);
            int packet = 40 + 16 + plain + EspBenchmark.ICV;
            String family = espFamily(r);
            String ratio = "–";
            if (!r.method.equals("restore") && !family.isEmpty()) {
                String raw = family.equals("jca") ? "rawJca" : "rawBc";
                for (Result b : rs) {
                    if (b.method.equals(raw) && b.param("udpPayload").equals(r.param("udpPayload"))) {
                        ratio = String.format(Locale.ROOT, "%.0f%%", 100 * b.ns / r.ns);
                    }
                }
            }
            sb.append(String.format(Locale.ROOT, "| %d | %s | %s | %s | %s | %s | %.2f | %s | %s |\n", packet, r.method,
                    family.isEmpty() ? "–" : family, r.param("policy").isEmpty() ? "–" : r.param("policy"),
                    r.param("input").isEmpty() ? "–" : r.param("input"), ns(r), plain / r.ns, ratio,
                    bytes(r.alloc)));
        }
        return sb.toString();
    }

    private static String espFamily(Result r) {
        return r.method.startsWith("rawJca") ? "jca" : r.method.equals("rawBc") ? "bc" : r.param("engine");
    }

    /** {@link ChecksumBenchmark}: ns per sum, GB/s, speed-up over netfrag's {@code InternetChecksum.sum}. */
    static String checksum(List<Object> runs) {
        List<Result> rs = results(runs, "ChecksumBenchmark");
        List<String> methods = List.of("netfrag", "byteBufferLe", "getLongLe");
        rs.sort(Comparator.<Result>comparingInt(r -> -Integer.parseInt(r.param("length")))
                .thenComparingInt(r -> methods.indexOf(r.method)));
        StringBuilder sb = new StringBuilder();
        sb.append("| bytes | variant | ns/sum | GB/s | speed-up over netfrag | B/sum |\n");
        sb.append("|--:|---|--:|--:|--:|--:|\n");
        for (Result r : rs) {
            String speedup = "–";
            for (Result b : rs) {
                if (b.method.equals("netfrag") && b.param("length").equals(r.param("length"))) {
                    speedup = String.format(Locale.ROOT, "%.1f×", b.ns / r.ns);
                }
            }
            sb.append(String.format(Locale.ROOT, "| %s | %s | %s | %.2f | %s | %s |\n", r.param("length"), r.method,
                    ns(r), Integer.parseInt(r.param("length")) / r.ns, speedup, bytes(r.alloc)));
        }
        return sb.toString();
    }

    /**
     * {@link FloodBenchmark}: for {@code goodput}, per policy and k, the attack's and the control's ns per legitimate
     * datagram, as a percentage of the no-attack baseline (the mean of the two k = 0 cells, the same experiment run
     * under both labels), and the ns each extra packet added ((ns − baseline) / (fragments per op × k); 53 fragments over IPv6, 44 over IPv4); for {@code insert}, ns per
     * insert against the fragments the queue holds.
     */
    static String flood(List<Object> runs) {
        List<Result> rs = results(runs, "FloodBenchmark");
        StringBuilder sb = new StringBuilder();
        List<Result> goodput = new ArrayList<>();
        List<Result> insert = new ArrayList<>();
        for (Result r : rs) {
            (r.method.equals("goodput") ? goodput : insert).add(r);
        }
        if (!goodput.isEmpty()) {
            sb.append("| policy | k (extra packets per legit packet) | attack bits vs legit | FragmentSmack: ns per legit"
                    + " datagram | legit Gbit/s | % of no-attack | ns per attack packet | control (ordinary UDP): ns per"
                    + " legit datagram | % of no-attack | ns per control packet | B/op (attack) |\n");
            sb.append("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n");
            StringBuilder baselines = new StringBuilder();
            for (String family : List.of("6", "4")) {
                for (String policy : POLICIES) {
                    floodRows(goodput, family, policy, sb, baselines);
                }
            }
            sb.append('\n').append(baselines).append(".\n\n");
        }
        if (!insert.isEmpty()) {
            insert.sort(Comparator.<Result>comparingInt(r -> rank(POLICIES, r.param("policy")))
                    .thenComparingInt(r -> Integer.parseInt(r.param("held"))));
            sb.append("| policy | fragments held in the queue | ns per insert | B/op |\n");
            sb.append("|---|--:|--:|--:|\n");
            for (Result r : insert) {
                sb.append(String.format(Locale.ROOT, "| %s | %s | %.1f ± %.1f | %.1f |\n", r.param("policy"),
                        r.param("held"), r.ns, r.error, r.alloc));
            }
        }
        return sb.toString();
    }

    private static void floodRows(List<Result> goodput, String family, String policy, StringBuilder sb,
            StringBuilder baselines) {
        Map<Double, Result[]> byK = new java.util.TreeMap<>();
        for (Result r : goodput) {
            String f = r.param("family").isEmpty() ? "6" : r.param("family");
            if (r.param("policy").equals(policy) && f.equals(family)) {
                byK.computeIfAbsent(Double.parseDouble(r.param("k")), k -> new Result[2])
                        [r.param("extra").equals("SMACK") ? 0 : 1] = r;
            }
        }
        Result[] zero = byK.get(0.0);
        if (zero == null || zero[0] == null || zero[1] == null) {
            return;
        }
        boolean v6 = family.equals("6");
        int fragments = v6 ? FloodBenchmark.LEGIT_FRAGMENTS : FloodBenchmark.LEGIT_FRAGMENTS_V4;
        // attack packets: 7 in 8 carry 8 data bytes, 1 in 8 16; legitimate packets fill the MTU
        double attackBytes = (v6 ? 48 : 20) + 9.0;
        double bitsPerK = attackBytes / (v6 ? FloodBenchmark.MTU : FloodBenchmark.MTU_V4);
        String label = v6 ? policy : policy + " (IPv4)";
        double base = (zero[0].ns + zero[1].ns) / 2;
        baselines.append(String.format(Locale.ROOT, "%s%s %,.0f ns (%.1f Gbit/s)",
                baselines.length() == 0 ? "No-attack baselines (mean of the two k = 0 cells): " : ", ", label, base,
                FloodBenchmark.UDP_PAYLOAD * 8.0 / base));
        for (Map.Entry<Double, Result[]> e : byK.entrySet()) {
            double k = e.getKey();
            Result smack = e.getValue()[0];
            Result control = e.getValue()[1];
            if (smack == null || control == null) {
                continue;
            }
            sb.append(String.format(Locale.ROOT,
                    "| %s | %s | %.1f %% | %,.0f ± %,.0f | %.1f | %.0f %% | %s | %,.0f ± %,.0f | %.0f %% | %s | %s |\n",
                    label, trim(k), 100 * bitsPerK * k, smack.ns, smack.error,
                    FloodBenchmark.UDP_PAYLOAD * 8.0 / smack.ns, 100 * base / smack.ns,
                    perExtra(smack, base, k, fragments), control.ns, control.error, 100 * base / control.ns,
                    perExtra(control, base, k, fragments), bytes(smack.alloc)));
        }
    }

    private static String perExtra(Result r, double base, double k, int fragments) {
        return k == 0 ? "–" : String.format(Locale.ROOT, "%.0f", (r.ns - base) / (fragments * k));
    }

    private static String trim(double k) {
        return k == Math.rint(k) ? Long.toString((long) k) : Double.toString(k);
    }

    /** Plaintext bytes of the ESP payload for a UDP payload: UDP header + payload + padding to 4 + 2. */
    static int espPlaintext(int udpPayload) {
        int n = 8 + udpPayload;
        return n + ((4 - ((n + 2) & 3)) & 3) + 2;
    }

    /**
     * {@link PipelineBenchmark}: ns per datagram, Gbps of UDP payload, and the same with the receive step (the
     * {@code receive} row of the same wire format) taken out.
     */
    static String pipeline(List<Object> runs) {
        List<Result> rs = results(runs, "PipelineBenchmark");
        rs.sort(Comparator.<Result, String>comparing(r -> r.param("esp"), Comparator.reverseOrder())
                .thenComparing(r -> r.param("allocator")).thenComparing(r -> r.method, Comparator.reverseOrder())
                .thenComparing(r -> r.param("policy")).thenComparing(r -> r.param("udpChecksum"),
                        Comparator.reverseOrder()));
        StringBuilder sb = new StringBuilder();
        sb.append("| ESP | allocator | step | policy | UDP checksum | ns/datagram | Gbps (UDP payload)"
                + " | Gbps without receive | B/datagram |\n");
        sb.append("|---|---|---|---|---|--:|--:|--:|--:|\n");
        for (Result r : rs) {
            String without = "–";
            if (r.method.equals("pipeline")) {
                for (Result b : rs) {
                    if (b.method.equals("receive") && b.param("esp").equals(r.param("esp"))
                            && b.param("allocator").equals(r.param("allocator"))) {
                        without = String.format(Locale.ROOT, "%.1f",
                                PipelineBenchmark.UDP_PAYLOAD * 8.0 / (r.ns - b.ns));
                    }
                }
            }
            sb.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s | %.1f | %s | %s |\n",
                    r.param("esp").equals("true") ? "yes" : "no", r.param("allocator"), r.method,
                    r.param("policy").isEmpty() ? "–" : r.param("policy"),
                    r.param("udpChecksum").isEmpty() ? "–" : r.param("udpChecksum").equals("true") ? "verified" : "off",
                    ns(r),
                    PipelineBenchmark.UDP_PAYLOAD * 8.0 / r.ns, without, bytes(r.alloc)));
        }
        return sb.toString();
    }

    /** The Markdown tables for the runs of JMH JSON results (later runs of the same benchmark and params win). */
    static String table(List<Object> runs) {
        Map<String, Object> unique = new LinkedHashMap<>();
        for (Object o : runs) {
            Map<?, ?> run = (Map<?, ?>) o;
            unique.put(run.get("benchmark") + " " + run.get("params"), run);
        }
        List<Row> memcpy = new ArrayList<>();
        List<Row> harness = new ArrayList<>();
        List<Row> reassembly = new ArrayList<>();
        for (Object o : unique.values()) {
            Map<?, ?> run = (Map<?, ?>) o;
            String benchmark = (String) run.get("benchmark");
            if (!benchmark.contains(".ReassemblyBenchmark.")) {
                continue;
            }
            Map<?, ?> params = run.get("params") instanceof Map ? (Map<?, ?>) run.get("params") : Map.of();
            Map<?, ?> primary = (Map<?, ?>) run.get("primaryMetric");
            String unit = (String) primary.get("scoreUnit");
            if (!"ns/op".equals(unit)) {
                throw new IllegalArgumentException(benchmark + ": expected ns/op (-bm avgt -tu ns), got " + unit);
            }
            Row r = new Row();
            r.fragmentSize = Integer.parseInt((String) params.get("fragmentSize"));
            r.nsPerDatagram = number(primary.get("score"));
            r.error = number(primary.get("scoreError"));
            r.allocPerDatagram = Double.NaN;
            if (run.get("secondaryMetrics") instanceof Map) {
                for (Map.Entry<?, ?> e : ((Map<?, ?>) run.get("secondaryMetrics")).entrySet()) {
                    if (((String) e.getKey()).endsWith("gc.alloc.rate.norm")) {
                        r.allocPerDatagram = number(((Map<?, ?>) e.getValue()).get("score"));
                    }
                }
            }
            if (benchmark.endsWith(".memcpy")) {
                r.policy = "memcpy";
                r.order = "inorder";
                memcpy.add(r);
            } else if (benchmark.endsWith(".harness")) {
                r.policy = "harness";
                r.order = "inorder";
                harness.add(r);
            } else {
                r.policy = (String) params.get("policy");
                r.order = (String) params.get("order");
                reassembly.add(r);
            }
        }
        StringBuilder sb = new StringBuilder();
        sb.append("| policy | order | fragment size | fragments | ns/datagram | ns/fragment | Gbps | % of memcpy"
                + " | B/datagram | B/fragment |\n");
        sb.append("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|\n");
        Comparator<Row> bySize = Comparator.comparingInt(r -> r.fragmentSize);
        memcpy.sort(bySize);
        harness.sort(bySize);
        reassembly.sort(Comparator.<Row>comparingInt(r -> rank(POLICIES, r.policy))
                .thenComparingInt(r -> rank(ORDERS, r.order)).thenComparing(bySize));
        List<Row> all = new ArrayList<>(memcpy);
        all.addAll(harness);
        all.addAll(reassembly);
        for (Row r : all) {
            int fragments = (ReassemblyBenchmark.PAYLOAD_BYTES + r.fragmentSize - 1) / r.fragmentSize;
            double gbps = ReassemblyBenchmark.PAYLOAD_BYTES * 8.0 / r.nsPerDatagram;
            double base = Double.NaN;
            for (Row m : memcpy) {
                if (m.fragmentSize == r.fragmentSize) {
                    base = ReassemblyBenchmark.PAYLOAD_BYTES * 8.0 / m.nsPerDatagram;
                }
            }
            sb.append(String.format(Locale.ROOT, "| %s | %s | %d | %d | %s | %.1f | %.1f | %s | %s | %s |\n",
                    r.policy, r.order, r.fragmentSize, fragments,
                    Double.isNaN(r.error) ? String.format(Locale.ROOT, "%.0f", r.nsPerDatagram)
                            : String.format(Locale.ROOT, "%.0f ± %.0f", r.nsPerDatagram, r.error),
                    r.nsPerDatagram / fragments, gbps,
                    Double.isNaN(base) || r.policy.equals("harness") ? "–" : String.format(Locale.ROOT, "%.0f%%", 100 * gbps / base),
                    Double.isNaN(r.allocPerDatagram) ? "–" : String.format(Locale.ROOT, "%.0f", r.allocPerDatagram),
                    Double.isNaN(r.allocPerDatagram) ? "–"
                            : String.format(Locale.ROOT, "%.1f", r.allocPerDatagram / fragments)));
        }
        fitted(reassembly, sb);
        return sb.toString();
    }

    /**
     * Time and allocation split into a per-datagram and a per-fragment part: for each policy and order measured at two
     * or more fragment sizes, the least-squares line y = fixed + perFragment × fragments (the copied bytes are the same
     * at every size, so a copy's cost lands in the fixed part).
     */
    private static void fitted(List<Row> rows, StringBuilder sb) {
        Map<String, List<Row>> groups = new LinkedHashMap<>();
        for (Row r : rows) {
            groups.computeIfAbsent(r.policy + " | " + r.order, k -> new ArrayList<>()).add(r);
        }
        StringBuilder t = new StringBuilder();
        for (Map.Entry<String, List<Row>> g : groups.entrySet()) {
            List<Row> l = g.getValue();
            double[] time = fit(l, false);
            if (time == null) {
                continue;
            }
            double[] alloc = fit(l, true);
            t.append(String.format(Locale.ROOT, "| %s | %d | %.0f | %.1f | %s | %s |%n", g.getKey(), l.size(), time[0],
                    time[1], alloc == null ? "–" : String.format(Locale.ROOT, "%.0f", alloc[0]),
                    alloc == null ? "–" : String.format(Locale.ROOT, "%.1f", alloc[1])));
        }
        if (t.length() > 0) {
            sb.append("\nFitted over the fragment sizes measured: y = fixed per datagram + per fragment × fragments.\n\n");
            sb.append("| policy | order | sizes | fixed ns/datagram | ns/fragment | fixed B/datagram | B/fragment |\n");
            sb.append("|---|---|--:|--:|--:|--:|--:|\n");
            sb.append(t);
        }
    }

    /** Least squares of ns (or allocated B) per datagram over fragments per datagram: {intercept, slope}, or null. */
    private static double[] fit(List<Row> l, boolean allocation) {
        double n = 0;
        double sx = 0;
        double sy = 0;
        double sxx = 0;
        double sxy = 0;
        for (Row r : l) {
            double y = allocation ? r.allocPerDatagram : r.nsPerDatagram;
            if (Double.isNaN(y)) {
                return null;
            }
            double x = (ReassemblyBenchmark.PAYLOAD_BYTES + r.fragmentSize - 1) / r.fragmentSize;
            n++;
            sx += x;
            sy += y;
            sxx += x * x;
            sxy += x * y;
        }
        double den = n * sxx - sx * sx;
        if (n < 2 || den == 0) {
            return null;
        }
        double slope = (n * sxy - sx * sy) / den;
        return new double[] {(sy - slope * sx) / n, slope};
    }

    private static final List<String> POLICIES = List.of("NONE", "COMPOSITE", "COPY", "ADAPTIVE");
    private static final List<String> ORDERS = List.of("inorder", "reversed", "shuffled");

    private static int rank(List<String> known, String value) {
        int i = known.indexOf(value);
        return i < 0 ? known.size() : i;
    }

    private static double number(Object o) {
        if (o instanceof Double) {
            return (Double) o;
        }
        if (o instanceof String) {
            return Double.parseDouble((String) o); // JMH writes "NaN" as a string
        }
        return Double.NaN;
    }

    private static final class Row {
        String policy;
        String order;
        int fragmentSize;
        double nsPerDatagram;
        double error;
        double allocPerDatagram;
    }

    /** A minimal JSON reader: objects become {@link LinkedHashMap}s, arrays lists, numbers doubles. */
    static final class Json {
        private final String s;
        private int i;

        Json(String s) {
            this.s = s;
        }

        Object value() {
            skip();
            if (i >= s.length()) {
                throw error("unexpected end");
            }
            char c = s.charAt(i);
            switch (c) {
                case '{':
                    return object();
                case '[':
                    return array();
                case '"':
                    return string();
                default:
                    return literal();
            }
        }

        private Map<String, Object> object() {
            Map<String, Object> m = new LinkedHashMap<>();
            i++;
            skip();
            if (peek() == '}') {
                i++;
                return m;
            }
            while (true) {
                skip();
                String k = string();
                skip();
                expect(':');
                m.put(k, value());
                skip();
                if (peek() == ',') {
                    i++;
                } else {
                    expect('}');
                    return m;
                }
            }
        }

        private List<Object> array() {
            List<Object> l = new ArrayList<>();
            i++;
            skip();
            if (peek() == ']') {
                i++;
                return l;
            }
            while (true) {
                l.add(value());
                skip();
                if (peek() == ',') {
                    i++;
                } else {
                    expect(']');
                    return l;
                }
            }
        }

        private String string() {
            expect('"');
            StringBuilder b = new StringBuilder();
            while (true) {
                char c = s.charAt(i++);
                if (c == '"') {
                    return b.toString();
                }
                if (c == '\\') {
                    char e = s.charAt(i++);
                    switch (e) {
                        case 'n':
                            b.append('\n');
                            break;
                        case 't':
                            b.append('\t');
                            break;
                        case 'r':
                            b.append('\r');
                            break;
                        case 'b':
                            b.append('\b');
                            break;
                        case 'f':
                            b.append('\f');
                            break;
                        case 'u':
                            b.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
                            i += 4;
                            break;
                        default:
                            b.append(e); // \" \\ \/
                    }
                } else {
                    b.append(c);
                }
            }
        }

        private Object literal() {
            int start = i;
            while (i < s.length() && ",}] \t\r\n".indexOf(s.charAt(i)) < 0) {
                i++;
            }
            String t = s.substring(start, i);
            switch (t) {
                case "true":
                    return Boolean.TRUE;
                case "false":
                    return Boolean.FALSE;
                case "null":
                    return null;
                default:
                    try {
                        return Double.parseDouble(t); // also NaN, Infinity
                    } catch (NumberFormatException e) {
                        throw error("bad literal '" + t + "'");
                    }
            }
        }

        private char peek() {
            if (i >= s.length()) {
                throw error("unexpected end");
            }
            return s.charAt(i);
        }

        private void expect(char c) {
            if (peek() != c) {
                throw error("expected '" + c + "'");
            }
            i++;
        }

        private void skip() {
            while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
                i++;
            }
        }

        private IllegalArgumentException error(String what) {
            return new IllegalArgumentException("JSON: " + what + " at " + i);
        }
    }
}
