package io.netfrag.examples;

import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code server}: netserver-like. Binds the ingress (UDP, one raw IP packet per datagram) and the control connection
 * (TCP, same port), prints an interim line every {@code -D} seconds and a final report.
 */
@Command(name = "server", mixinStandardHelpOptions = true,
        description = "Receive IP-in-UDP through the netfrag receive path (netserver-like).")
final class ServerCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    IngressOptions ingress = new IngressOptions();

    @Option(names = "-H", paramLabel = "HOST", defaultValue = "::1", description = "Address to bind (default ::1).")
    String host;

    @Option(names = "-p", paramLabel = "PORT", defaultValue = "6635",
            description = "UDP data port and TCP control port (default ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "-D", paramLabel = "SECONDS", defaultValue = "0", description = "Interim results interval.")
    double interval;

    @Option(names = "-l", paramLabel = "SECONDS", defaultValue = "0",
            description = "Run for this long, 0 = until interrupted.")
    double length;

    @Option(names = "--verify-seed", paramLabel = "SEED", description = "Verify payloads made by 'stream' with this "
            + "seed.")
    Long seed;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        InetAddress addr = InetAddress.getByName(host);
        try (Receiver r = new Receiver(ingress.builder(new InetSocketAddress(addr, port)),
                seed == null ? null : Streams.verifier(seed), new InetSocketAddress(addr, port))) {
            out.printf("netfrag server on udp %s (control tcp %s), %s, policy %s, ring %d x %d B%n",
                    r.dataAddress(), r.controlAddress(), r.ingress().epoll() ? "epoll" : "nio", ingress.policy,
                    ingress.ringSlots, ingress.slotSize);
            out.flush();
            long start = System.nanoTime();
            long end = length > 0 ? start + (long) (length * 1e9) : Long.MAX_VALUE;
            long step = (long) (interval * 1e9);
            long next = interval > 0 ? start + step : Long.MAX_VALUE;
            while (System.nanoTime() < end) {
                Thread.sleep(50);
                if (System.nanoTime() >= next) {
                    next += step;
                    out.println(interim(r.figures()));
                    out.flush();
                }
            }
            report(out, r.figures());
        }
        return 0;
    }

    static String interim(Receiver.Figures f) {
        return String.format("%7.1fs %10d datagrams %8.3f Gbps  drops %d  ring exhaustions %d  kernel drops %d  "
                + "peak pinned %d B", f.elapsedNanos() / 1e9, f.datagrams(), f.gbps(), drops(f.counters()),
                f.ringExhaustions(), f.kernelRcvbufErrors(), f.peakPinnedBytes());
    }

    static long drops(Map<String, Long> counters) {
        long n = 0;
        for (Map.Entry<String, Long> e : counters.entrySet()) {
            if (e.getKey().startsWith("drop.")) {
                n += e.getValue();
            }
        }
        return n;
    }

    static void report(PrintWriter out, Receiver.Figures f) {
        out.println("final: " + interim(f));
        out.println("counters: " + f.json());
        out.flush();
    }
}
