package io.netfrag.examples;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.Writer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code stream}: netperf UDP_STREAM-like. Sends fragmented (optionally ESP-protected) UDP datagrams, each fragment
 * in one UDP datagram to {@code -H}:{@code -p}, for {@code -l} seconds, and prints netperf's two-line table with the
 * receiver's figures fetched over the control connection (see {@link Receiver}).
 */
@Command(name = "stream", mixinStandardHelpOptions = true,
        description = "Send fragmented UDP datagrams to a netfrag server (netperf UDP_STREAM-like).")
final class StreamCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    TrafficOptions traffic = new TrafficOptions();

    @Mixin
    Verbosity verbosity = new Verbosity();

    @Option(names = "-H", paramLabel = "HOST", defaultValue = "::1", description = "Server (default ::1).")
    String host;

    @Option(names = "-p", paramLabel = "PORT", defaultValue = "6635",
            description = "Server port, 1 to 65535 (default 6635).")
    int port;

    @Option(names = "-l", paramLabel = "SECONDS", defaultValue = "10",
            description = "Test length, 0.1 s to a week (default 10).")
    double length;

    @Option(names = "-f", paramLabel = "UNIT", defaultValue = "m", description = "Units: k, m or g (default m).")
    char unit;

    @Option(names = "--no-control", description = "Do not contact the server's control port.")
    boolean noControl;

    @Option(names = "-D", paramLabel = "SECONDS", defaultValue = "0",
            description = "Interim results every SECONDS (sender, and the receiver over the control connection); "
                    + "0 for none (default).")
    double interval;

    @Option(names = "--source-ports", paramLabel = "N", defaultValue = "1",
            description = "Send from N sockets on different source ports, each datagram's fragments from the one a "
                    + "hash of its inner source, destination and identification picks (as FOU/GUE senders do), so "
                    + "ECMP or RSS spread one tunnel over receivers and cores; 1 to " + MAX_SOURCE_PORTS
                    + " (default ${DEFAULT-VALUE}).")
    int sourcePorts;

    /** The most source ports: enough to spread over any receiver fleet's hash buckets, few enough to be cheap. */
    static final int MAX_SOURCE_PORTS = 64;

    /** Checks every option before anything is sent. */
    void validate() {
        Cli.port(spec, "-p", port);
        Cli.seconds(spec, "-l", length);
        Cli.unit(spec, "-f", unit);
        Cli.secondsOrZero(spec, "-D", interval, "no interim results");
        Cli.range(spec, "--source-ports", sourcePorts, 1, MAX_SOURCE_PORTS, "1 to " + MAX_SOURCE_PORTS + " sockets");
        traffic.validate(spec);
    }

    @Override
    public Integer call() throws Exception {
        validate();
        PrintWriter out = spec.commandLine().getOut();
        InetAddress server = Cli.host("-H", host);
        InetSocketAddress target = new InetSocketAddress(server, port);
        try (Control control = noControl ? null : Control.connect(target);
                Sender sender = new Sender(traffic.generator(), target, new InetSocketAddress(0), 0, traffic.gso,
                        sourcePorts)) {
            if (control != null) {
                control.request("RESET");
            }
            Thread interim = interval > 0 ? interimPrinter(out, sender, control) : null;
            try {
                sender.run(length);
            } finally {
                if (interim != null) {
                    interim.interrupt();
                    interim.join();
                }
            }
            String results = null;
            if (control != null) {
                synchronized (control) {
                    results = control.settledResults();
                }
            }
            table(out, sender, results, unit);
            if (results != null && field(results, "corrupt") > 0) {
                throw new Cli.Failure("the receiver found " + field(results, "corrupt") + " corrupt datagram(s)",
                        null);
            }
        }
        return 0;
    }

    private Thread interimPrinter(PrintWriter out, Sender sender, Control control) {
        Thread t = new Thread(() -> {
            try {
                while (true) {
                    Thread.sleep((long) (interval * 1000));
                    String line = String.format("Interim result: %10.2f %s over %.2f seconds, %d messages sent",
                            Streams.rate(sender.payloadBytes(), sender.elapsedNanos(), unit), Streams.unitLabel(unit),
                            sender.elapsedNanos() / 1e9, sender.datagrams());
                    if (control != null) {
                        synchronized (control) {
                            String r = control.request("RESULTS");
                            line += String.format("; receiver %d delivered", field(r, "datagrams"));
                        }
                    }
                    out.println(line);
                    out.flush();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (IOException e) {
                out.println("interim: control connection failed: " + e.getMessage());
            }
        }, "stream-interim");
        t.setDaemon(true);
        t.start();
        return t;
    }

    static void table(PrintWriter out, Sender sender, String receiverJson, char unit) {
        long elapsed = sender.elapsedNanos();
        out.printf("UDP STREAM TEST (netfrag) %d-byte messages, %d fragments sent, %d deliberately lost, "
                + "%d of %d datagrams completable%n", sender.generator().payloadLength(), sender.fragments(),
                sender.generator().impairments().stats().fragmentsDropped(),
                sender.generator().impairments().stats().completableDatagrams(), sender.datagrams());
        out.println("Message  Elapsed      Messages                 ");
        out.println("Size     Time         Okay Errors   Throughput ");
        out.println("bytes    secs            #      #   " + Streams.unitLabel(unit));
        out.println();
        out.printf("%7d  %7.2f   %9d %6d   %10.2f%n", sender.generator().payloadLength(), elapsed / 1e9,
                sender.datagrams(), 0, Streams.rate(sender.payloadBytes(), elapsed, unit));
        if (receiverJson != null) {
            long datagrams = field(receiverJson, "datagrams");
            long bytes = field(receiverJson, "bytes");
            out.printf("         %7.2f   %9d          %10.2f%n", elapsed / 1e9, datagrams,
                    Streams.rate(bytes, elapsed, unit));
            out.println("receiver: " + receiverJson);
            if (datagrams == 0) {
                out.println("the receiver delivered no datagram: its counters above say where the fragments went");
            }
        }
        out.flush();
    }

    static long field(String json, String name) {
        Matcher m = Pattern.compile("\"" + Pattern.quote(name) + "\":(-?\\d+)").matcher(json);
        return m.find() ? Long.parseLong(m.group(1)) : 0;
    }

    /** The client side of the control connection. */
    static final class Control implements AutoCloseable {
        private final Socket socket;
        private final BufferedReader in;
        private final Writer out;

        Control(InetSocketAddress server) throws IOException {
            socket = new Socket();
            try {
                socket.connect(server, 5000);
                socket.setSoTimeout(10000);
            } catch (IOException e) {
                socket.close();
                throw e;
            }
            in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            out = new java.io.OutputStreamWriter(socket.getOutputStream(), StandardCharsets.UTF_8);
        }

        /** Connects, or fails in one line naming the server's control port and the reason. */
        static Control connect(InetSocketAddress server) {
            try {
                return new Control(server);
            } catch (IOException e) {
                throw new Cli.Failure("cannot reach the control port tcp " + Cli.endpoint(server.getAddress(),
                        server.getPort()) + ": " + Cli.reason(e, null) + " (is 'netfrag server -p " + server.getPort()
                        + "' running there? --no-control sends without it)", e);
            }
        }

        /**
         * The receiver's figures once its counters stop moving: the last fragments in flight have landed when two
         * answers 100 ms apart agree on every packet count (at most 5 s).
         */
        String settledResults() throws IOException, InterruptedException {
            String last = request("RESULTS");
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (System.nanoTime() < deadline) {
                Thread.sleep(100);
                String now = request("RESULTS");
                if (field(now, "InReceives") == field(last, "InReceives")
                        && field(now, "datagrams") == field(last, "datagrams")) {
                    return now;
                }
                last = now;
            }
            return last;
        }

        String request(String line) throws IOException {
            out.write(line + "\n");
            out.flush();
            String answer = in.readLine();
            if (answer == null || answer.startsWith("ERR")) {
                throw new IOException("control: " + line + " → " + answer);
            }
            return answer;
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
