package io.netfrag.perf;

import io.netfrag.reassembly.CoalescePolicy;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One run of the {@code scenarios} matrix: one cell (family, ESP, loss, policy) and one repetition, with the sender's
 * and the receiver's figures. One CSV row each ({@link #CSV_HEADER}, {@link #csv()}, {@link #parse}).
 *
 * @param index run number in the order run (1-based)
 * @param rep repetition (1-based)
 * @param family 6 or 4 (of the fragmented inner packets; the loopback transport is of the same family)
 * @param esp whether the datagrams are ESP-protected (transport mode, the seed's SA)
 * @param loss fragment loss probability
 * @param policy coalesce policy of the receiver
 * @param seconds configured sending time
 * @param sent datagrams the sender built
 * @param fragmentsSent fragments put on the wire (after impairments)
 * @param fragmentsLost fragments deliberately dropped
 * @param completable datagrams of which no fragment was dropped
 * @param delivered UDP datagrams the receiver delivered
 * @param corrupt delivered datagrams whose payload failed verification (must be 0)
 * @param bytes UDP payload bytes delivered
 * @param offeredBytes UDP payload bytes the sender built
 * @param elapsedNanos sending time as measured (the goodput's denominator)
 * @param ringExhaustions times the bounded receive ring ran dry
 * @param kernelDrops UDP RcvbufErrors delta, system-wide (both families)
 * @param netfragDrops netfrag's {@code drop.*} counters added up
 * @param peakPinnedBytes peak bytes pinned by the reassemblers (IPv6 + IPv4 peaks)
 * @param loadAverage 1-minute load average when the run ended
 * @param transport epoll or nio
 */
record ScenarioRun(int index, int rep, int family, boolean esp, double loss, CoalescePolicy policy, double seconds,
        long sent, long fragmentsSent, long fragmentsLost, long completable, long delivered, long corrupt, long bytes,
        long offeredBytes, long elapsedNanos, long ringExhaustions, long kernelDrops, long netfragDrops,
        long peakPinnedBytes, double loadAverage, String transport) {

    /** The CSV header; the first columns are the ones the issue asks for, in its order. */
    static final String CSV_HEADER = "policy,loss,esp,family,rep,sent_datagrams,completable,delivered,goodput_gbps,"
            + "ring_exhaustions,kernel_drops,peak_pinned_bytes,delivered_pct,corrupt,offered_gbps,fragments_sent,"
            + "fragments_lost,netfrag_drops,payload_bytes,offered_bytes,elapsed_ns,seconds,run,loadavg1,transport";

    /** One matrix cell. */
    record Cell(int family, boolean esp, double loss, CoalescePolicy policy) {
    }

    Cell cell() {
        return new Cell(family, esp, loss, policy);
    }

    /** Delivered UDP payload in Gbit/s over the sending time. */
    double goodputGbps() {
        return elapsedNanos == 0 ? 0 : bytes * 8.0 / elapsedNanos;
    }

    /** What the sender built, in Gbit/s of UDP payload. */
    double offeredGbps() {
        return elapsedNanos == 0 ? 0 : offeredBytes * 8.0 / elapsedNanos;
    }

    /** Delivered datagrams as a percentage of the completable ones. */
    double deliveredPercent() {
        return completable == 0 ? 0 : 100.0 * delivered / completable;
    }

    static String familyName(int family) {
        return family == 4 ? "IPv4" : "IPv6";
    }

    String csv() {
        return String.join(",", policy.name(), lossText(loss), esp ? "on" : "off", familyName(family),
                Integer.toString(rep), Long.toString(sent), Long.toString(completable), Long.toString(delivered),
                String.format(Locale.ROOT, "%.4f", goodputGbps()), Long.toString(ringExhaustions),
                Long.toString(kernelDrops), Long.toString(peakPinnedBytes),
                String.format(Locale.ROOT, "%.2f", deliveredPercent()), Long.toString(corrupt),
                String.format(Locale.ROOT, "%.4f", offeredGbps()), Long.toString(fragmentsSent),
                Long.toString(fragmentsLost), Long.toString(netfragDrops), Long.toString(bytes),
                Long.toString(offeredBytes), Long.toString(elapsedNanos), String.format(Locale.ROOT, "%.3f", seconds),
                Integer.toString(index),
                String.format(Locale.ROOT, "%.2f", loadAverage), transport);
    }

    /** Reads the rows of a CSV written with {@link #CSV_HEADER} (columns found by name). */
    static List<ScenarioRun> parse(List<String> lines) {
        List<ScenarioRun> runs = new ArrayList<>();
        if (lines.isEmpty()) {
            return runs;
        }
        String[] names = lines.get(0).split(",");
        Map<String, Integer> col = new HashMap<>();
        for (int i = 0; i < names.length; i++) {
            col.put(names[i].trim(), i);
        }
        for (String line : lines.subList(1, lines.size())) {
            if (line.isBlank()) {
                continue;
            }
            String[] f = line.split(",", -1);
            java.util.function.Function<String, String> v = name -> f[col.get(name)].trim();
            runs.add(new ScenarioRun(Integer.parseInt(v.apply("run")), Integer.parseInt(v.apply("rep")),
                    v.apply("family").equals("IPv4") ? 4 : 6, v.apply("esp").equals("on"),
                    Double.parseDouble(v.apply("loss")), CoalescePolicy.valueOf(v.apply("policy")),
                    Double.parseDouble(v.apply("seconds")), Long.parseLong(v.apply("sent_datagrams")),
                    Long.parseLong(v.apply("fragments_sent")), Long.parseLong(v.apply("fragments_lost")),
                    Long.parseLong(v.apply("completable")), Long.parseLong(v.apply("delivered")),
                    Long.parseLong(v.apply("corrupt")), Long.parseLong(v.apply("payload_bytes")),
                    Long.parseLong(v.apply("offered_bytes")),
                    Long.parseLong(v.apply("elapsed_ns")), Long.parseLong(v.apply("ring_exhaustions")),
                    Long.parseLong(v.apply("kernel_drops")), Long.parseLong(v.apply("netfrag_drops")),
                    Long.parseLong(v.apply("peak_pinned_bytes")), Double.parseDouble(v.apply("loadavg1")),
                    v.apply("transport")));
        }
        return runs;
    }

    /** A loss probability as the CSV writes it: 0, 0.001, 0.01. */
    static String lossText(double loss) {
        return java.math.BigDecimal.valueOf(loss).stripTrailingZeros().toPlainString();
    }

    /** A loss probability as a percentage label: 0 %, 0.1 %, 1 %. */
    static String lossLabel(double loss) {
        return java.math.BigDecimal.valueOf(loss * 100).stripTrailingZeros().toPlainString() + " %";
    }
}
