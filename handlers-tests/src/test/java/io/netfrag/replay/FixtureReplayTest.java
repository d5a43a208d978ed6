package io.netfrag.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netfrag.esp.SaDatabase;
import io.netfrag.reassembly.CoalescePolicy;
import io.netty.buffer.ByteBuf;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Replays every capture (ESP ones with the manifest's {@code ip xfrm state} lines as given) of the third-party fixtures ({@code fixtures/} of the repository, made by the Linux kernel and
 * Scapy, outcomes checked against a real kernel) and of netfrag's own Scapy captures ({@code src/test/resources/
 * captures}, also checked against a kernel), under every coalesce policy, and requires exactly the manifest's
 * {@code expected} deliveries in order: addresses, ports, length, SHA-256 of the payload and the completing frame.
 */
class FixtureReplayTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    static Path ownCaptures() {
        return Paths.get("src/test/resources/captures");
    }

    static Stream<Arguments> captures() throws IOException {
        List<Arguments> args = new ArrayList<>();
        for (Path root : List.of(io.netfrag.testing.Fixtures.thirdParty(), ownCaptures())) {
            JsonNode manifest = JSON.readTree(root.resolve("manifest.json").toFile());
            for (JsonNode c : manifest.get("captures")) {
                List<String> sas = new ArrayList<>();
                if (c.has("sas")) {
                    for (JsonNode sa : c.get("sas")) {
                        sas.add(sa.get("ip_xfrm_state").asText()); // the complete Linux command, as given
                    }
                }
                for (CoalescePolicy policy : CoalescePolicy.values()) {
                    args.add(Arguments.of(root.getFileName() + "/" + c.get("file").asText(), policy,
                            root.resolve(c.get("file").asText()), c.get("expected"), sas));
                }
            }
        }
        return args.stream();
    }

    static String sha256(ByteBuf b) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(b.nioBuffer());
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    /** One delivery in the manifest's terms. */
    static String describe(int frame, String src, String dst, int sport, int dport, int length, String sha) {
        return "frame " + frame + " " + src + ":" + sport + " > " + dst + ":" + dport + " len " + length + " sha "
                + sha;
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("captures")
    void replayDeliversExactlyTheExpectedDatagrams(String name, CoalescePolicy policy, Path file, JsonNode expected,
            List<String> sas) throws IOException {
        List<String> actual = new ArrayList<>();
        SaDatabase db = SaDatabase.of(sas.toArray(new String[0]));
        try (CaptureReplay replay = CaptureReplay.of(io.netfrag.ReceivePath.builder().policy(policy).sas(db).build());
                InputStream in = Files.newInputStream(file)) {
            replay.replay(in, (frame, message) -> {
                try {
                    if (!(message instanceof DatagramPacket)) {
                        // not UDP (e.g. ICMPv6 in a capture): a UDP receiver sees nothing of it
                        assertTrue(message instanceof io.netfrag.packet.IpPacket, "unexpected message " + message);
                        assertTrue(((io.netfrag.packet.IpPacket) message).protocol() != 17, "UDP not delivered");
                        return;
                    }
                    DatagramPacket d = (DatagramPacket) message;
                    actual.add(describe(frame, d.sender().getAddress().getHostAddress(),
                            d.recipient().getAddress().getHostAddress(), d.sender().getPort(),
                            d.recipient().getPort(), d.content().readableBytes(), sha256(d.content())));
                } finally {
                    ReferenceCountUtil.release(message);
                }
            });
            assertEquals(0, replay.channel().inboundMessages().size());
        }
        List<String> want = new ArrayList<>();
        for (JsonNode e : expected) {
            want.add(describe(e.get("frame").asInt(), canonical(e.get("src").asText()),
                    canonical(e.get("dst").asText()), e.get("sport").asInt(), e.get("dport").asInt(),
                    e.get("length").asInt(), e.get("sha256").asText()));
        }
        assertEquals(String.join("\n", want), String.join("\n", actual));
    }

    private static String canonical(String address) {
        try {
            return java.net.InetAddress.getByName(address).getHostAddress();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
