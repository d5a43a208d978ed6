package io.netfrag.examples;

import io.netfrag.esp.SaDatabase;
import io.netty.channel.socket.DatagramChannelConfig;
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

    @Mixin
    Verbosity verbosity = new Verbosity();

    @Option(names = "-H", paramLabel = "HOST", defaultValue = "::1", description = "Address to bind (default ::1).")
    String host;

    @Option(names = "-p", paramLabel = "PORT", defaultValue = "6635",
            description = "UDP data port and TCP control port, 1 to 65535 (default ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "-D", paramLabel = "SECONDS", defaultValue = "0",
            description = "Interim results every SECONDS, 0 for none (default ${DEFAULT-VALUE}).")
    double interval;

    @Option(names = "-l", paramLabel = "SECONDS", defaultValue = "0",
            description = "Run for this long, 0 = until interrupted (default ${DEFAULT-VALUE}).")
    double length;

    @Option(names = "--verify-seed", paramLabel = "SEED", description = "Verify payloads made by 'stream' with this "
            + "seed.")
    Long seed;

    /** Checks every option before anything is bound. */
    void validate() {
        Cli.port(spec, "-p", port);
        Cli.secondsOrZero(spec, "-D", interval, "no interim results");
        Cli.secondsOrZero(spec, "-l", length, "until interrupted");
        ingress.validate(spec);
    }

    @Override
    public Integer call() throws Exception {
        validate();
        ingress.cipher.install();
        SaDatabase sas = Cli.sas(spec, ingress.sas, ingress.saFiles);
        InetAddress addr = Cli.host("-H", host);
        PrintWriter out = spec.commandLine().getOut();
        InetSocketAddress bind = new InetSocketAddress(addr, port);
        try (Receiver r = new Receiver(ingress.builder(bind, sas), seed == null ? null : Streams.verifier(seed), bind,
                bind)) {
            out.printf("netfrag server on udp %s (control tcp %s), %s, %s, %s, %d SA(s)%n",
                    Cli.endpoint(addr, r.dataAddress().getPort()), Cli.endpoint(addr, r.controlAddress().getPort()),
                    r.ingress().transport().name().toLowerCase(java.util.Locale.ROOT), ingress.describe()
                            + (r.ingress().channels().size() < 2 ? "" : r.ingress().innerPacketSteering()
                            ? " steered by the inner packet" : " steered by the outer 4-tuple"), receiveBuffer(r), sas.size());
            out.flush();
            long start = System.nanoTime();
            long end = length > 0 ? start + (long) (length * 1e9) : Long.MAX_VALUE;
            long step = (long) (interval * 1e9);
            long next = interval > 0 ? start + step : Long.MAX_VALUE;
            while (System.nanoTime() < end) {
                Thread.sleep(50);
                if (System.nanoTime() >= next) {
                    next += step;
                    out.println(r.figures().line());
                    out.flush();
                }
            }
            report(out, r.figures());
        }
        return 0;
    }

    /** SO_RCVBUF as asked and as the kernel granted it (Linux doubles the request and caps it at rmem_max). */
    private String receiveBuffer(Receiver r) {
        int granted = ((DatagramChannelConfig) r.ingress().channels().get(0).config()).getReceiveBufferSize();
        if (ingress.rcvbuf == 0) {
            return "SO_RCVBUF system default (" + granted + " B)";
        }
        return "SO_RCVBUF " + ingress.rcvbuf + " B asked, " + granted + " B granted"
                + (granted < ingress.rcvbuf ? " (the kernel caps it at net.core.rmem_max)" : "");
    }

    static void report(PrintWriter out, Receiver.Figures f) {
        out.println("final: " + f.line());
        out.println("counters: " + f.json());
        out.flush();
    }
}
