package io.netfrag.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netfrag.testkit.TrafficGenerator;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The command line as a user meets it: every mistake is answered in one line on stderr that names the option (or the
 * port, host or file) and what is allowed, with the documented exit code, no stack trace, and in bounded time.
 */
class CliTest {
    private static final String SA = DemoCommand.SEED_SA;

    /** What one run of the command line left behind. */
    private record Run(int code, String out, String err) {
    }

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            picocli.CommandLine cl = Main.commandLine();
            cl.setOut(new PrintWriter(out));
            cl.setErr(new PrintWriter(err));
            return cl.execute(args);
        }, () -> "hung: " + String.join(" ", args));
        return new Run(code, out.toString(), err.toString());
    }

    /** Exactly one line on stderr, prefixed with the command, without a stack trace. */
    private static String oneLine(Run r, String command) {
        List<String> lines = r.err().lines().filter(l -> !l.isBlank()).toList();
        assertEquals(1, lines.size(), "expected one line on stderr:\n" + r.err());
        String line = lines.get(0);
        assertTrue(line.startsWith("netfrag " + command + ": "), line);
        assertFalse(line.contains("Exception") || r.err().contains("\tat "), r.err());
        return line;
    }

    @ParameterizedTest
    @ValueSource(strings = {"replay", "server", "stream", "demo", "tun"})
    void helpForEverySubcommandListsItsExitCodes(String sub) {
        Run r = run(sub, "--help");
        assertEquals(0, r.code());
        assertTrue(r.out().contains("Usage: netfrag " + sub), r.out());
        assertTrue(r.out().contains("Exit codes:") && r.out().contains("a mistake on the command line"), r.out());
    }

    @ParameterizedTest
    @ValueSource(strings = {"replay", "server", "stream", "demo", "tun"})
    void unknownOptionsAreOneLineWithExit2(String sub) {
        String[] args = sub.equals("replay") ? new String[] {sub, "--no-such-flag", "capture.pcap"}
                : new String[] {sub, "--no-such-flag"};
        Run r = run(args);
        assertEquals(2, r.code());
        assertTrue(oneLine(r, sub).contains("Unknown option: '--no-such-flag'"), r.err());
    }

    /** {command, fragments the line must contain..., then the arguments after "--"}. */
    static Stream<Arguments> badValues() {
        return Stream.of(
                // server: ranges from the protocols and the machine
                bad("server", List.of("'--ring'", "-1", "0 for no ring"), "--ring", "-1"),
                bad("server", List.of("'--ring'", "100000000"), "--ring", "100000000"),
                bad("server", List.of("direct memory", "--ring"), "--ring", "1000000", "--slot-size", "1048576"),
                bad("server", List.of("'--slot-size'", "2000000000"), "--slot-size", "2000000000"),
                bad("server", List.of("'--slot-size'", "10", "68 to"), "--slot-size", "10"),
                bad("server", List.of("'--channels'", "100000", "per core"), "--channels", "100000"),
                bad("server", List.of("'--channels'", "0"), "--channels", "0"),
                bad("server", List.of("'--transport'", "'kqueue'", "io_uring"), "--transport", "kqueue"),
                bad("server", List.of("'--cipher-provider'", "'openssl'", "jvm or accp"), "--cipher-provider", "openssl"),
                bad("tun", List.of("'--cipher-provider'", "'openssl'", "jvm or accp"), "--cipher-provider", "openssl"),
                bad("stream", List.of("'--source-ports'", "0", "1 to 64"), "--source-ports", "0"),
                bad("stream", List.of("'--source-ports'", "65", "1 to 64"), "--source-ports", "65"),
                bad("server", List.of("--gro", "io_uring", "UDP_GRO"), "--transport", "io_uring", "--gro"),
                bad("server", List.of("--channels", "not --transport nio"), "--transport", "nio", "--channels", "2"),
                bad("server", List.of("'--rcvbuf'", "-5"), "--rcvbuf", "-5"),
                bad("server", List.of("'--rcvbuf'", "100"), "--rcvbuf", "100"),
                bad("server", List.of("'-p'", "70000", "1 to 65535"), "-p", "70000"),
                bad("server", List.of("'-p'", "-1"), "-p", "-1"),
                bad("server", List.of("'-p'", "0"), "-p", "0"),
                bad("server", List.of("'-l'", "-3"), "-l", "-3"),
                bad("server", List.of("'--ring'", "'many'"), "--ring", "many"),
                bad("server", List.of("'--policy'", "SOMETIMES"), "--policy", "SOMETIMES"),
                // server: combinations
                bad("server", List.of("'--slot-size'", "with --gro", "65536"), "--gro", "--slot-size", "2048"),
                bad("server", List.of("'--batch'", "with --gro only 65536"), "--gro", "--batch", "2048"),
                bad("server", List.of("'--batch'", "10"), "--batch", "10"),
                bad("server", List.of("'--slot-size'", "with --batch 2048", "4096"), "--batch", "2048",
                        "--slot-size", "2048"),
                bad("server", List.of("--slot-size", "--ring 0"), "--ring", "0", "--slot-size", "4096"),
                // server: SAs
                bad("server", List.of("--sa:", "xfrm line 1", "unknown token"), "--sa", "garbage"),
                bad("server", List.of("--sa:", "missing aead KEY", "ICV length 128"), "--sa",
                        "src fc00:1::1 dst fc00:2::1 proto esp spi 0x1000 aead 'rfc4106(gcm(aes))' 128"),
                bad("server", List.of("--sa", "spi 0x00001000", "File exists"), "--sa", SA, "--sa", SA),
                bad("server", List.of("--sa-file:", "no-such.conf", "no such file"), "--sa-file", "no-such.conf"),
                // stream
                bad("stream", List.of("'--mtu'", "48", "1280 to 65535 for IPv6"), "--mtu", "48"),
                bad("stream", List.of("'--mtu'", "27", "68 to 65535 for IPv4"), "-4", "--mtu", "27"),
                bad("stream", List.of("'--mtu'", "1000", "1280"), "--mtu", "1000"),
                bad("stream", List.of("'-m'", "70000", "65527"), "-m", "70000"),
                bad("stream", List.of("'-m'", "70000", "65507"), "-4", "-m", "70000"),
                bad("stream", List.of("'-m'", "4", "8 to"), "-m", "4"),
                bad("stream", List.of("'-m'", "65527", "ESP packet"), "-m", "65527", "--sa", SA),
                bad("stream", List.of("'--loss'", "1.5", "0 to 1"), "--loss", "1.5"),
                bad("stream", List.of("'--dup'", "-0.1"), "--dup", "-0.1"),
                bad("stream", List.of("'--reorder'", "NaN"), "--reorder", "NaN"),
                bad("stream", List.of("'-f'", "x", "k, m or g"), "-f", "x"),
                bad("stream", List.of("'-l'", "0"), "-l", "0"),
                bad("stream", List.of("'-p'", "70000"), "-p", "70000"),
                bad("stream", List.of("--sa:", "unknown token"), "--sa", "garbage"),
                bad("stream", List.of("-4", "IPv6"), "-4", "--sa", SA),
                // demo: nothing from nothing
                bad("demo", List.of("'-l'", "0"), "-l", "0"),
                bad("demo", List.of("'-l'", "-1"), "-l", "-1"),
                bad("demo", List.of("'-f'", "x"), "-f", "x"),
                bad("demo", List.of("'--loss'", "2", "0 to 1"), "--loss", "2"),
                bad("demo", List.of("'--ring'", "-5"), "--ring", "-5"),
                bad("demo", List.of("'--policies'", "each policy once"), "--policies", "COPY,COPY"),
                // replay and tun
                bad("replay", List.of("--sa-file:", "missing.conf", "no such file"), "--sa-file", "missing.conf",
                        "x.pcap"),
                bad("tun", List.of("'--name'", "IFNAMSIZ"), "--name", "a-name-much-too-long"),
                bad("tun", List.of("'--queues'", "0"), "--queues", "0"),
                bad("tun", List.of("'--packet-size'", "10"), "--packet-size", "10"));
    }

    private static Arguments bad(String command, List<String> fragments, String... args) {
        List<String> all = new ArrayList<>();
        all.add(command);
        all.addAll(List.of(args));
        return Arguments.of(String.join(" ", all), command, fragments, all.toArray(new String[0]));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badValues")
    void aBadValueIsOneLineNamingItWithExit2(String name, String command, List<String> fragments, String[] args) {
        Run r = run(args);
        assertEquals(2, r.code(), r.err());
        String line = oneLine(r, command);
        for (String f : fragments) {
            assertTrue(line.contains(f), "'" + f + "' missing from: " + line);
        }
        assertFalse(r.out().contains("%"), "printed figures before failing: " + r.out());
    }

    @Test
    void aPortInUseIsNamedWithTheReasonAndExit1() throws Exception {
        int port = LoopbackPorts.freeUdpAndTcp();
        try (DatagramSocket taken = new DatagramSocket(port, InetAddress.getByName("::1"))) {
            Run r = run("server", "-p", Integer.toString(port), "-l", "1");
            assertEquals(1, r.code(), r.err());
            String line = oneLine(r, "server");
            assertTrue(line.contains("cannot bind udp [::1]:" + port + ": Address already in use"), line);
        }
        try (ServerSocket taken = new ServerSocket(port, 1, InetAddress.getByName("::1"))) {
            Run r = run("server", "-p", Integer.toString(port), "-l", "1");
            assertEquals(1, r.code(), r.err());
            assertTrue(oneLine(r, "server").contains("cannot bind tcp [::1]:" + port
                    + ": Address already in use"), r.err());
        }
    }

    @Test
    void aStreamToAPortWhereNothingListensSaysSoWithExit1() throws Exception {
        int port = LoopbackPorts.freeUdpAndTcp();
        Run r = run("stream", "-p", Integer.toString(port), "-l", "1");
        assertEquals(1, r.code(), r.err());
        String line = oneLine(r, "stream");
        assertTrue(line.contains("cannot reach the control port tcp [::1]:" + port)
                && line.contains("Connection refused") && line.contains("--no-control"), line);
    }

    @ParameterizedTest
    @ValueSource(strings = {"server", "stream"})
    void anUnknownHostIsNamedWithExit1(String command) {
        Run r = run(command, "-H", "no-such-host.invalid", "-l", "1");
        assertEquals(1, r.code(), r.err());
        assertTrue(oneLine(r, command).contains("unknown host 'no-such-host.invalid' (-H)"), r.err());
    }

    @Test
    void verboseAddsTheStackTrace() {
        Run r = run("stream", "-H", "no-such-host.invalid", "--verbose");
        assertEquals(1, r.code());
        assertTrue(r.err().startsWith("netfrag stream: unknown host"), r.err());
        assertTrue(r.err().contains("\tat "), r.err());
    }

    @Test
    void anUnreadableCaptureIsNamedWithTheReason(@TempDir Path dir) throws IOException {
        Run r = run("replay", dir.resolve("nope.pcap").toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("netfrag replay: " + dir.resolve("nope.pcap") + ": no such file"), r.err());
        Path saFile = dir.resolve("sa.conf");
        Files.writeString(saFile, SA + "\n" + SA + "\n");
        r = run("replay", "--sa-file", saFile.toString(), "x.pcap");
        assertEquals(2, r.code());
        assertTrue(oneLine(r, "replay").contains("File exists"), r.err());
    }

    /** An exception on the sender's event loop ends the run with its message instead of leaving it waiting. */
    @Test
    void aFailureOnTheSendersEventLoopEndsTheRun() throws Exception {
        // an MTU the command line refuses, given to the sender directly: the fragmenter throws on the event loop
        TrafficGenerator g = TrafficGenerator.builder()
                .addresses(InetAddress.getByName("fc00:1::1"), InetAddress.getByName("fc00:2::1"))
                .ports(40001, 5000).payloadLength(2000).mtu(48).build();
        try (DatagramSocket sink = new DatagramSocket(0, InetAddress.getByName("::1"));
                Sender sender = new Sender(g, new InetSocketAddress(InetAddress.getByName("::1"), sink.getLocalPort()),
                        new InetSocketAddress(InetAddress.getByName("::1"), 0))) {
            Cli.Failure f = assertTimeoutPreemptively(Duration.ofSeconds(30),
                    () -> assertThrows(Cli.Failure.class, () -> sender.run(3600)));
            assertTrue(f.getMessage().startsWith("sending failed: IllegalArgumentException: MTU 48"), f.getMessage());
        }
    }

    @Test
    void demoSaysSoInsteadOfARatioFromNothing() {
        DemoCommand.Row none = new DemoCommand.Row(io.netfrag.reassembly.CoalescePolicy.NONE, 10, 9, 0, 0,
                4_000_000_000L, 3, 100, 0, 0);
        DemoCommand.Row copy = new DemoCommand.Row(io.netfrag.reassembly.CoalescePolicy.COPY, 10, 9, 9, 9 * 65000,
                4_000_000_000L, 0, 0, 0, 0);
        DemoCommand.Row nothing = new DemoCommand.Row(io.netfrag.reassembly.CoalescePolicy.COPY, 10, 0, 0, 0,
                4_000_000_000L, 0, 0, 0, 0);
        assertEquals("COPY / NONE goodput: unbounded: NONE delivered nothing in 4.0 s, COPY 9 datagrams",
                DemoCommand.ratio(copy, none));
        assertEquals("COPY / NONE goodput: none: COPY delivered nothing", DemoCommand.ratio(nothing, none));
        StringWriter table = new StringWriter();
        DemoCommand.table(new PrintWriter(table), List.of(none, nothing), 'm');
        assertTrue(table.toString().contains(" n/a "), table.toString());
        assertFalse(table.toString().matches("(?s).*\\d+x.*"), table.toString());
    }
}
