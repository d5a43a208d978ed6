package io.netfrag.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The main job: {@code netfrag replay} on the third-party fixtures prints exactly the manifest's deliveries. */
class ReplayCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Path fixtures() {
        return io.netfrag.testing.Fixtures.thirdParty();
    }

    private static int run(StringWriter out, StringWriter err, String... args) {
        CommandLine cmd = new CommandLine(new Main());
        cmd.setOut(new PrintWriter(out));
        cmd.setErr(new PrintWriter(err));
        return cmd.execute(args);
    }

    @Test
    void everyNonEspFixturePrintsTheExpectedJsonLines() throws IOException {
        JsonNode manifest = JSON.readTree(fixtures().resolve("manifest.json").toFile());
        int checked = 0;
        for (JsonNode c : manifest.get("captures")) {
            List<String> args = new ArrayList<>(List.of("replay"));
            for (JsonNode sa : c.get("sas")) {
                args.add("--sa");
                args.add(sa.get("ip_xfrm_state").asText()); // the Linux command exactly as the manifest gives it
            }
            for (String policy : new String[] {"NONE", "COMPOSITE", "COPY", "ADAPTIVE"}) {
                StringWriter out = new StringWriter();
                StringWriter err = new StringWriter();
                List<String> a = new ArrayList<>(args);
                a.addAll(List.of("--policy", policy, fixtures().resolve(c.get("file").asText()).toString()));
                int code = run(out, err, a.toArray(new String[0]));
                assertEquals(0, code, err.toString());
                List<String> want = new ArrayList<>();
                for (JsonNode e : c.get("expected")) {
                    want.add("{\"frame\":" + e.get("frame").asInt() + ",\"src\":\"" + e.get("src").asText()
                            + "\",\"dst\":\"" + e.get("dst").asText() + "\",\"sport\":" + e.get("sport").asInt()
                            + ",\"dport\":" + e.get("dport").asInt() + ",\"length\":" + e.get("length").asInt()
                            + ",\"sha256\":\"" + e.get("sha256").asText() + "\"}");
                }
                String got = out.toString().strip();
                assertEquals(String.join("\n", want), got.replace("\r", ""), c.get("file").asText() + " " + policy);
                JsonNode counters = JSON.readTree(err.toString().strip());
                assertEquals(c.get("packets").asInt(), counters.get("records").asInt());
                checked++;
            }
        }
        assertTrue(checked >= 40, "checked " + checked);
    }

    @Test
    void saFileWorksAndABadSaLineIsAClearError(@TempDir Path dir) throws IOException {
        JsonNode manifest = JSON.readTree(fixtures().resolve("manifest.json").toFile());
        // each SA once: several captures share one, and a second 'add' of an SA is refused as Linux refuses it
        java.util.Set<String> lines = new java.util.LinkedHashSet<>();
        for (JsonNode c : manifest.get("captures")) {
            for (JsonNode sa : c.get("sas")) {
                lines.add(sa.get("ip_xfrm_state").asText());
            }
        }
        Path saFile = dir.resolve("sas.txt");
        Files.writeString(saFile, "# SAs of the fixtures\n" + String.join("\n", lines) + "\n");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        assertEquals(0, run(out, err, "replay", "--sa-file", saFile.toString(),
                fixtures().resolve("pcap/e6_transport_big_frag.pcap").toString()), err.toString());
        assertTrue(out.toString().contains("\"length\":8000"), out.toString());
        out = new StringWriter();
        err = new StringWriter();
        assertEquals(2, run(out, err, "replay", "--sa", "src fc00:1::1 dst fc00:2::1 proto ah spi 1",
                fixtures().resolve("pcap/e6_replay.pcap").toString()));
        assertTrue(err.toString().contains("ah"), err.toString());
    }

    @Test
    void unreadableFileExitsWith2AndAClearMessage(@TempDir Path dir) throws IOException {
        Path bogus = dir.resolve("not-a-capture.pcap");
        Files.writeString(bogus, "hello, I am not a capture file");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        assertEquals(2, run(out, err, "replay", bogus.toString()));
        assertTrue(err.toString().contains("not-a-capture.pcap"), err.toString());
        assertTrue(err.toString().contains("magic"), err.toString());
        assertEquals(2, run(out, err, "replay", dir.resolve("missing.pcap").toString()));
        assertTrue(err.toString().contains("missing.pcap"), err.toString());
    }

    /**
     * The SAs as a gateway lists them ({@code ip xfrm state}, iproute2's format) in an {@code --sa-file} give the
     * same deliveries as the {@code ip xfrm state add} lines they were made from.
     */
    @Test
    void aGatewaysListingDecryptsAsTheAddLinesDo(@org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
        String transport = "src fc00:1::1 dst fc00:2::1 proto esp spi 0x00001000 reqid 4096 mode transport "
                + "replay-window 32 aead 'rfc4106(gcm(aes))' 0x0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b 128";
        String tunnel = "src fc00:1::1 dst fc00:2::1 proto esp spi 0x00001001 reqid 4097 mode tunnel "
                + "replay-window 32 aead 'rfc4106(gcm(aes))' 0x0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c 128";
        Path listing = dir.resolve("ip-xfrm-state.txt");
        java.nio.file.Files.writeString(listing, "src fc00:1::1 dst fc00:2::1\n"
                + "\tproto esp spi 0x00001000 reqid 4096 mode transport\n"
                + "\treplay-window 32 \n"
                + "\taead rfc4106(gcm(aes)) 0x0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b 128\n"
                + "\tanti-replay context: seq 0x0, oseq 0x0, bitmap 0x00000000\n"
                + "\tsel src ::/0 dst ::/0 \n"
                + "src fc00:1::1 dst fc00:2::1\n"
                + "\tproto esp spi 0x00001001(4097) reqid 4097(0x00001001) mode tunnel\n"
                + "\treplay-window 32 seq 0x00000000 flag  (0x00000000)\n"
                + "\taead rfc4106(gcm(aes)) 0x0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c (160 bits) 128\n"
                + "\tanti-replay context: seq 0x0, oseq 0x0, bitmap 0x00000000\n"
                + "\tsel src ::/0 dst ::/0 uid 0\n");
        List<String> captures = new ArrayList<>();
        try (var files = java.nio.file.Files.list(fixtures().resolve("pcap"))) {
            files.filter(f -> f.toString().endsWith(".pcap")).sorted().forEach(f -> captures.add(f.toString()));
        }
        List<String> fromLines = new ArrayList<>(List.of("replay", "--sa", transport, "--sa", tunnel));
        fromLines.addAll(captures);
        List<String> fromListing = new ArrayList<>(List.of("replay", "--sa-file", listing.toString()));
        fromListing.addAll(captures);
        StringWriter a = new StringWriter();
        StringWriter b = new StringWriter();
        assertEquals(0, run(a, new StringWriter(), fromLines.toArray(new String[0])));
        assertEquals(0, run(b, new StringWriter(), fromListing.toArray(new String[0])));
        assertTrue(a.toString().lines().count() > 10, a.toString());
        assertEquals(a.toString(), b.toString());
    }

    /**
     * {@code --all} adds a line for every delivered packet that is not UDP (here an ICMP echo beside a UDP datagram),
     * and {@code --export-wireshark-sa} writes the SAs in Wireshark's {@code esp_sa} format.
     */
    @Test
    void allPacketsAndTheWiresharkTable(@org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
        byte[] icmp = java.util.HexFormat.of().parseHex("45000054090400004001f988c0a87b03c0a87bc808009f76a90a0100"
                + "b49c083d02a2040008090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f"
                + "3031323334353637");
        byte[] udp = io.netfrag.testing.TestPackets.udp(4, 1000, 2000, new byte[] {1, 2, 3});
        Path capture = dir.resolve("two.pcap");
        try (var os = java.nio.file.Files.newOutputStream(capture);
                io.netfrag.pcap.PcapWriter w = io.netfrag.pcap.PcapWriter.open(os, 101,
                        io.netfrag.pcap.PcapWriter.Precision.MICROS)) {
            w.write(0, io.netty.buffer.Unpooled.wrappedBuffer(icmp));
            w.write(1000, io.netty.buffer.Unpooled.wrappedBuffer(udp));
        }
        Path table = dir.resolve("esp_sa");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        assertEquals(0, run(out, err, "replay", "--all", "--export-wireshark-sa", table.toString(), "--sa",
                "src 10.0.0.1 dst 10.0.0.2 proto esp spi 0x1234 enc 'cbc(aes)' 0x" + "00".repeat(16)
                        + " auth-trunc 'hmac(sha256)' 0x" + "11".repeat(32) + " 128", "--sa",
                "src 10.0.0.1 dst 10.0.0.2 proto esp spi 0x1235 aead 'rfc4309(ccm(aes))' 0x" + "22".repeat(19) + " 128",
                capture.toString()), err.toString());
        List<String> lines = out.toString().lines().toList();
        assertEquals(2, lines.size(), out.toString());
        assertEquals("{\"frame\":1,\"protocol\":1,\"src\":\"192.168.123.3\",\"dst\":\"192.168.123.200\",\"length\":84,"
                + "\"sha256\":\"" + ReplayCommand.sha256(io.netty.buffer.Unpooled.wrappedBuffer(icmp)) + "\"}",
                lines.get(0));
        assertTrue(lines.get(1).startsWith("{\"frame\":2,\"src\":\"10.200.1.1\""), lines.get(1));
        List<String> esp = java.nio.file.Files.readAllLines(table);
        assertEquals("\"IPv4\",\"10.0.0.1\",\"10.0.0.2\",\"0x00001234\",\"AES-CBC [RFC3602]\",\"0x" + "00".repeat(16)
                + "\",\"HMAC-SHA-256-128 [RFC4868]\",\"0x" + "11".repeat(32) + "\"", esp.get(1));
        assertEquals(2, esp.size(), "the CCM SA is left out");
        assertTrue(err.toString().contains("left out SA(spi 0x1235") && err.toString().contains("rfc4309(ccm(aes))"),
                err.toString());
        StringWriter udpOnly = new StringWriter();
        assertEquals(0, run(udpOnly, new StringWriter(), "replay", capture.toString()));
        assertEquals(1, udpOnly.toString().lines().count(), "without --all: UDP only");
    }
}
