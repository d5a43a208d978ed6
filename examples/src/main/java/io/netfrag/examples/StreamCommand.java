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

    @Option(names = "-H", paramLabel = "HOST", defaultValue = "::1", description = "Server (default ::1).")
    String host;

    @Option(names = "-p", paramLabel = "PORT", defaultValue = "6635", description = "Server port (default 6635).")
    int port;

    @Option(names = "-l", paramLabel = "SECONDS", defaultValue = "10", description = "Test length (default 10).")
    double length;

    @Option(names = "-f", paramLabel = "UNIT", defaultValue = "m", description = "Units: k, m or g (default m).")
    char unit;

    @Option(names = "--no-control", description = "Do not contact the server's control port.")
    boolean noControl;

    @Option(names = "-D", paramLabel = "SECONDS", defaultValue = "0",
            description = "Interim results every SECONDS (sender, and the receiver over the control connection).")
    double interval;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (unit != 'k' && unit != 'm' && unit != 'g') {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "-f must be k, m or g: " + unit);
        }
        InetAddress server = InetAddress.getByName(host);
        InetSocketAddress target = new InetSocketAddress(server, port);
        try (Control control = noControl ? null : new Control(target);
                Sender sender = new Sender(traffic.generator(), target, new InetSocketAddress(0), 0, traffic.gso)) {
            if (control != null) {
                control.request("RESET");
            }
            Thread interim = interval > 0 ? interimPrinter(out, sender, control) : null;
            sender.run(length);
            if (interim != null) {
                interim.interrupt();
                interim.join();
            }
            Thread.sleep(200); // let the last fragments land
            String results;
            if (control == null) {
                results = null;
            } else {
                synchronized (control) {
                    results = control.request("RESULTS");
                }
            }
            table(out, sender, results, unit);
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
            socket.connect(server, 5000);
            socket.setSoTimeout(10000);
            in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            out = new java.io.OutputStreamWriter(socket.getOutputStream(), StandardCharsets.UTF_8);
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
