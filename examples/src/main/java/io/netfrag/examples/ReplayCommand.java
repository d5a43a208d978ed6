package io.netfrag.examples;

import io.netfrag.ReceivePath;
import io.netfrag.esp.SaDatabase;
import io.netfrag.esp.SecurityAssociation;
import io.netfrag.esp.WiresharkSaTable;
import io.netfrag.packet.IpPacket;
import io.netfrag.reassembly.CoalescePolicy;
import io.netfrag.replay.CaptureReplay;
import io.netfrag.stats.CounterSnapshot;
import io.netty.buffer.ByteBuf;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.NetUtil;
import io.netty.util.ReferenceCountUtil;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code replay [--policy P] [--sa LINE]... [--sa-file FILE]... FILE...}: pushes each capture through a fresh
 * receive path (decoder, IPv6 and IPv4 reassembly, ESP with the given SAs, UDP delivery) in an EmbeddedChannel and prints one JSON line per delivered UDP datagram, in delivery
 * order, on stdout:
 * <pre>{"frame":N,"src":"fc00:1::1","dst":"fc00:2::1","sport":40001,"dport":5000,"length":8000,"sha256":"…"}</pre>
 * Addresses are in RFC 5952 / dotted form; {@code frame} is the 1-based record that completed the datagram. With
 * {@code --all}, every other delivered packet (ICMP, TCP, … after decryption) gets a line too:
 * <pre>{"frame":N,"protocol":1,"src":"10.9.0.1","dst":"10.9.0.2","length":84,"sha256":"…"}</pre>
 * with {@code sport} and {@code dport} for TCP, UDP, SCTP and DCCP; length and digest cover the whole IP packet. The
 * counters of all files go to stderr as one JSON object at the end. Exit 0 after a full read; exit 2 with a message
 * for a file that cannot be read or is not a supported capture. This format is stable: other tools depend on it.
 */
@Command(name = "replay", mixinStandardHelpOptions = true,
        description = "Replay pcap/pcapng captures through the receive path; print delivered UDP datagrams as JSON "
                + "lines.")
final class ReplayCommand implements Callable<Integer> {
    /** Exit code for a capture that cannot be read or parsed (and for an SA that does not parse). */
    static final int EXIT_BAD_FILE = Cli.EXIT_USAGE;

    @Spec
    CommandSpec spec;

    @Option(names = "--policy", description = "Coalesce policy: ${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE}).",
            defaultValue = "ADAPTIVE")
    CoalescePolicy policy;

    @Option(names = "--sa", paramLabel = "XFRM", description = "An ESP SA as an 'ip xfrm state add ...' line "
            + "(with or without the leading 'ip xfrm state add'); repeatable.")
    List<String> sas = new ArrayList<>();

    @Option(names = "--sa-file", paramLabel = "FILE",
            description = "A file of 'ip xfrm state add' lines, or what 'ip [-s] xfrm state' prints on a gateway.")
    List<Path> saFiles = new ArrayList<>();

    @Option(names = "--all", description = "Also print every other delivered packet (ICMP, TCP, … inside a tunnel) "
            + "as a JSON line with its protocol, addresses, ports where it has them, length and SHA-256.")
    boolean all;

    @Option(names = "--export-wireshark-sa", paramLabel = "FILE", description = "Write the SAs as Wireshark's ESP SA "
            + "table (esp_sa; it holds the keys), so the captures open decrypted in Wireshark.")
    Path wiresharkSa;

    @Parameters(arity = "1..*", paramLabel = "FILE", description = "Capture files (pcap or pcapng).")
    List<Path> files;

    @Mixin
    Verbosity verbosity = new Verbosity();

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        CounterSnapshot total = null;
        long records = 0;
        long skipped = 0;
        int status = 0;
        SaDatabase db = Cli.sas(spec, sas, saFiles);
        if (wiresharkSa != null) {
            StringBuilder table = new StringBuilder();
            for (String leftOut : WiresharkSaTable.write(db.all(), table)) {
                err.println("netfrag replay: --export-wireshark-sa: left out " + leftOut);
            }
            try {
                Files.writeString(wiresharkSa, table);
            } catch (IOException e) {
                throw new Cli.Failure("--export-wireshark-sa " + wiresharkSa + ": " + Cli.reason(e,
                        wiresharkSa.toString()), e);
            }
        }
        for (Path file : files) {
            // a fresh SA database per capture: each capture is a fresh receiver with fresh replay windows
            try (CaptureReplay replay = CaptureReplay.of(ReceivePath.builder().policy(policy).sas(copy(db)).build());
                    InputStream in = new BufferedInputStream(Files.newInputStream(file))) {
                try {
                    replay.replay(in, (frame, message) -> {
                        try {
                            if (message instanceof DatagramPacket) {
                                out.println(jsonLine(frame, (DatagramPacket) message));
                            } else if (all && message instanceof IpPacket) {
                                out.println(jsonLine(frame, (IpPacket) message));
                            }
                        } finally {
                            ReferenceCountUtil.release(message);
                        }
                    });
                } finally {
                    records += replay.records();
                    skipped += replay.skippedRecords();
                    total = total == null ? replay.counters() : total.plus(replay.counters());
                }
            } catch (IOException e) {
                out.flush();
                err.println("netfrag replay: " + file + ": " + Cli.reason(e, file.toString()));
                status = EXIT_BAD_FILE;
            }
        }
        out.flush();
        err.println(countersJson(total, files.size(), records, skipped));
        err.flush();
        return status;
    }

    /** Copies of the SAs, so that each capture starts with fresh SA state (lifetime counters, replay windows). */
    private static SaDatabase copy(SaDatabase db) {
        SaDatabase fresh = new SaDatabase();
        for (SecurityAssociation sa : db.all()) {
            SecurityAssociation.Builder b = sa.toBuilder();
            try {
                fresh.add(b.build());
            } finally {
                b.clearKeys();
            }
        }
        return fresh;
    }

    static String jsonLine(int frame, DatagramPacket d) {
        ByteBuf payload = d.content();
        return "{\"frame\":" + frame + ",\"src\":\"" + NetUtil.toAddressString(d.sender().getAddress())
                + "\",\"dst\":\"" + NetUtil.toAddressString(d.recipient().getAddress()) + "\",\"sport\":"
                + d.sender().getPort() + ",\"dport\":" + d.recipient().getPort() + ",\"length\":"
                + payload.readableBytes() + ",\"sha256\":\"" + sha256(payload) + "\"}";
    }

    /**
     * A delivered packet that is not a UDP datagram: {"frame","protocol","src","dst"[,"sport","dport"],"length",
     * "sha256"}, the length and digest over the whole IP packet.
     */
    static String jsonLine(int frame, IpPacket p) {
        ByteBuf b = p.content();
        StringBuilder sb = new StringBuilder("{\"frame\":").append(frame).append(",\"protocol\":")
                .append(p.protocol()).append(",\"src\":\"").append(NetUtil.toAddressString(p.sourceAddress()))
                .append("\",\"dst\":\"").append(NetUtil.toAddressString(p.destinationAddress())).append('"');
        int upper = b.readerIndex() + p.upperOffset();
        boolean ports = p.protocol() == 6 || p.protocol() == 17 || p.protocol() == 132 || p.protocol() == 33;
        if (ports && p.upperLength() >= 4) {
            sb.append(",\"sport\":").append(b.getUnsignedShort(upper)).append(",\"dport\":")
                    .append(b.getUnsignedShort(upper + 2));
        }
        return sb.append(",\"length\":").append(b.readableBytes()).append(",\"sha256\":\"").append(sha256(b))
                .append("\"}").toString();
    }

    static String sha256(ByteBuf payload) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (ByteBuffer b : payload.nioBuffers()) {
                md.update(b);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 missing from the JDK", e);
        }
    }

    private static String countersJson(CounterSnapshot total, int files, long records, long skipped) {
        StringBuilder sb = new StringBuilder("{\"files\":").append(files).append(",\"records\":").append(records)
                .append(",\"skippedNonIpRecords\":").append(skipped);
        if (total != null) {
            for (Map.Entry<String, Long> e : total.toMap().entrySet()) {
                sb.append(",\"").append(e.getKey()).append("\":").append(e.getValue());
            }
        }
        return sb.append('}').toString();
    }
}
