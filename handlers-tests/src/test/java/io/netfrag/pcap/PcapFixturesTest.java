package io.netfrag.pcap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Reads the third-party captures in {@code ${netfrag.fixtures}/pcap} (tcpdump and Scapy output): every record count
 * must match {@code packets} in {@code manifest.json}, and {@link LinkLayer} must find an IPv4 or IPv6 packet in every
 * record.
 */
final class PcapFixturesTest {
    /** A manifest capture entry: {@code "file": "...", "linktype": N, ... "packets": N}. A regex: no JSON library. */
    private static final Pattern ENTRY = Pattern.compile(
            "\"file\"\\s*:\\s*\"([^\"]+)\"\\s*,\\s*\"linktype\"\\s*:\\s*(\\d+).*?\"packets\"\\s*:\\s*(\\d+)",
            Pattern.DOTALL);

    private record Expected(int linkType, int packets) {
    }

    private static Path fixtures() {
        return io.netfrag.testing.Fixtures.thirdParty();
    }

    /** Manifest entries by file name. */
    private static Map<String, Expected> manifest() throws IOException {
        String json = Files.readString(fixtures().resolve("manifest.json"), StandardCharsets.UTF_8);
        Map<String, Expected> entries = new HashMap<>();
        Matcher m = ENTRY.matcher(json);
        while (m.find()) {
            String name = Path.of(m.group(1)).getFileName().toString();
            entries.put(name, new Expected(Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3))));
        }
        return entries;
    }

    static List<String> captures() throws IOException {
        try (Stream<Path> files = Files.list(fixtures().resolve("pcap"))) {
            List<String> names = files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".pcap")).sorted()
                    .collect(Collectors.toList());
            assertFalse(names.isEmpty(), "no .pcap fixtures");
            return names;
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("captures")
    void readsEveryRecordOfTheCapture(String name) throws IOException {
        Expected expected = manifest().get(name);
        assertNotNull(expected, name + " is not in manifest.json");
        int count = 0;
        try (PcapReader reader = PcapReader.open(fixtures().resolve("pcap").resolve(name))) {
            assertEquals(PcapReader.Format.PCAP_MICROS, reader.format());
            PcapRecord record;
            while ((record = reader.next()) != null) {
                try {
                    count++;
                    assertEquals(count, record.number());
                    assertEquals(expected.linkType(), record.linkType(), "record " + count);
                    assertEquals(record.capturedLength(), record.originalLength(), "record " + count + " is whole");
                    LinkLayer.checkSupported(record.linkType());
                    ByteBuf frame = record.content();
                    long location = LinkLayer.locate(record.linkType(), frame);
                    assertTrue(location >= 0, "no IP packet in record " + count);
                    int version = frame.getUnsignedByte(LinkLayer.index(location)) >>> 4;
                    assertTrue(version == 4 || version == 6, "record " + count + ": IP version " + version);
                    assertTrue(LinkLayer.length(location) >= (version == 4 ? 20 : 40), "record " + count);
                } finally {
                    ByteBuf content = record.content();
                    assertTrue(record.release());
                    assertEquals(0, content.refCnt());
                }
            }
        }
        assertEquals(expected.packets(), count, name + ": records vs manifest packets");
    }

    @Test
    void manifestCountsAreTheOnesDocumented() throws IOException {
        Map<String, Expected> manifest = manifest();
        assertEquals(129, manifest.get("k6_mtu1500.pcap").packets());
        assertEquals(4, manifest.get("s6_frag_dup.pcap").packets());
        assertEquals(4, manifest.get("e6_replay.pcap").packets());
        assertEquals(LinkLayer.ETHERNET, manifest.get("k6_mtu1500.pcap").linkType());
    }
}
