package io.netfrag.esp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netfrag.esp.SecurityAssociation.EngineKind;
import io.netfrag.esp.SecurityAssociation.Mode;
import io.netfrag.internal.esp.ReplayWindow;
import java.io.IOException;
import java.io.StringReader;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

class XfrmStateParserTest {

    private static final String GCM = "'rfc4106(gcm(aes))'";
    private static final String GMAC = "'rfc4543(gcm(aes))'";
    private static final String CHACHA = "'rfc7539esp(chacha20,poly1305)'";
    /** 16-byte AES key + 4-byte salt. */
    private static final String KEY_128 = "0x" + "0b".repeat(20);
    private static final String KEY_192 = "0x" + "0b".repeat(28);
    private static final String KEY_256 = "0x" + "0b".repeat(36);
    private static final String ID = "ip xfrm state add src fc00:1::1 dst fc00:2::1 proto esp spi 0x1000";
    private static final String AEAD = " aead " + GCM + ' ' + KEY_128 + " 128";
    private static final String SHA1 = " auth 'hmac(sha1)' 0x" + "0c".repeat(20);

    /** The ip_xfrm_state lines of fixtures/manifest.json (checked against the file below). */
    private static final String MANIFEST_TRANSPORT = "ip xfrm state add src fc00:1::1 dst fc00:2::1 proto esp spi "
            + "0x00001000 reqid 4096 mode transport replay-window 32 aead 'rfc4106(gcm(aes))' "
            + "0x0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b 128";
    private static final String MANIFEST_TUNNEL = "ip xfrm state add src fc00:1::1 dst fc00:2::1 proto esp spi "
            + "0x00001001 reqid 4097 mode tunnel replay-window 32 aead 'rfc4106(gcm(aes))' "
            + "0x0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c 128";
    /** The seed line of the netperf scripts. */
    private static final String NETPERF = "ip xfrm state add src fc00:1::1 dst fc00:2::1 proto esp spi 0x1000 aead "
            + "'rfc4106(gcm(aes))' 0x0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b 96 mode transport";

    static Stream<Arguments> manifestLines() {
        return Stream.of(
                Arguments.of(MANIFEST_TRANSPORT, 0x1000, 4096, Mode.TRANSPORT, "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
                        "0b0b0b0b"),
                Arguments.of(MANIFEST_TUNNEL, 0x1001, 4097, Mode.TUNNEL, "0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c",
                        "0c0c0c0c"));
    }

    static Stream<Arguments> ciphersWithIntegrity() {
        String aes128 = "0x000102030405060708090a0b0c0d0e0f";
        return Stream.of(
                Arguments.of("enc 'cbc(aes)' " + aes128 + " auth 'hmac(sha1)' 0x" + "11".repeat(20),
                        EncryptionAlgorithm.AES_CBC, 16, AuthenticationAlgorithm.HMAC_SHA1, 20, 96),
                Arguments.of("enc aes 0x" + "01".repeat(24) + " auth sha256 0x22", // Linux's older names
                        EncryptionAlgorithm.AES_CBC, 24, AuthenticationAlgorithm.HMAC_SHA256, 1, 96),
                Arguments.of("enc 'cbc(aes)' 0x" + "0a".repeat(32) + " auth-trunc 'hmac(sha256)' 0x" + "33".repeat(32)
                        + " 128", EncryptionAlgorithm.AES_CBC, 32, AuthenticationAlgorithm.HMAC_SHA256, 32, 128),
                Arguments.of("enc 'cbc(aes)' " + aes128 + " auth 'hmac(sha384)' 0x44",
                        EncryptionAlgorithm.AES_CBC, 16, AuthenticationAlgorithm.HMAC_SHA384, 1, 192),
                Arguments.of("enc 'cbc(aes)' " + aes128 + " auth 'hmac(sha512)' secret", // no 0x: the word's bytes
                        EncryptionAlgorithm.AES_CBC, 16, AuthenticationAlgorithm.HMAC_SHA512, 6, 256),
                Arguments.of("enc 'rfc3686(ctr(aes))' " + aes128 + "01020304 auth-trunc 'hmac(sha1)' 0x55 160",
                        EncryptionAlgorithm.AES_CTR, 20, AuthenticationAlgorithm.HMAC_SHA1, 1, 160),
                Arguments.of("enc 'ecb(cipher_null)' \"\" auth 'hmac(sha256)' 0x66",
                        EncryptionAlgorithm.NULL, 0, AuthenticationAlgorithm.HMAC_SHA256, 1, 96),
                Arguments.of("enc cipher_null '' auth-trunc 'hmac(sha512)' 0x77 512",
                        EncryptionAlgorithm.NULL, 0, AuthenticationAlgorithm.HMAC_SHA512, 1, 512),
                // as iproute2: an odd number of hex digits gets a leading 0; "0X" is not hex there
                Arguments.of("enc 'cbc(aes)' " + aes128 + " auth 'hmac(sha1)' 0xabc",
                        EncryptionAlgorithm.AES_CBC, 16, AuthenticationAlgorithm.HMAC_SHA1, 2, 96),
                Arguments.of("enc 'cbc(aes)' " + aes128 + " auth 'hmac(sha1)' 0X1234",
                        EncryptionAlgorithm.AES_CBC, 16, AuthenticationAlgorithm.HMAC_SHA1, 6, 96));
    }

    /** Ciphers with a separate integrity algorithm, spelled as Linux takes them (Linux's default ICVs with auth). */
    @ParameterizedTest(name = "{0}")
    @MethodSource("ciphersWithIntegrity")
    void cipherWithIntegrityIsAccepted(String algorithms, EncryptionAlgorithm encryption, int encryptionKeyBytes,
            AuthenticationAlgorithm authentication, int authenticationKeyBytes, int icvBits) {
        SecurityAssociation sa = XfrmStateParser.parse(ID + ' ' + algorithms);
        assertNull(sa.aead());
        assertEquals(encryption, sa.encryption());
        assertEquals(authentication, sa.authentication());
        assertEquals(encryptionKeyBytes, sa.key().length);
        assertEquals(authenticationKeyBytes, sa.authenticationKey().length);
        assertEquals(icvBits / 8, sa.icvLength());
        assertEquals(encryption.ivLength(), sa.ivLength());
        assertEquals(encryption.xfrmName() + '+' + authentication.xfrmName(), sa.suite());
    }

    @Test
    void ccmIsAnAeadWithAThreeByteSalt() {
        SecurityAssociation sa = XfrmStateParser.parse(ID + " aead 'rfc4309(ccm(aes))' 0x" + "0b".repeat(16)
                + "a0a1a2 96");
        assertEquals(AeadAlgorithm.AES_CCM, sa.aead());
        assertEquals(16, sa.key().length);
        assertArrayEquals(HexFormat.of().parseHex("a0a1a2"), sa.salt());
        assertEquals(12, sa.icvLength());
    }

    @ParameterizedTest
    @MethodSource("manifestLines")
    void manifestLineParsesToItsFields(String line, int spi, int reqid, Mode mode, String aesKeyHex, String saltHex)
            throws Exception {
        SecurityAssociation sa = XfrmStateParser.parse(line);
        assertEquals(InetAddress.getByName("fc00:1::1"), sa.source());
        assertEquals(InetAddress.getByName("fc00:2::1"), sa.destination());
        assertEquals(spi, sa.spi());
        assertEquals(reqid, sa.reqid());
        assertEquals(mode, sa.mode());
        assertEquals(32, sa.replayWindow());
        assertFalse(sa.esn());
        assertEquals(AeadAlgorithm.AES_GCM, sa.aead());
        assertArrayEquals(HexFormat.of().parseHex(aesKeyHex), sa.key());
        assertArrayEquals(HexFormat.of().parseHex(saltHex), sa.salt());
        assertEquals(16, sa.icvLength());
        assertSame(Selector.ANY, sa.selector());
        assertEquals(0, sa.encapSourcePort());
        assertEquals(0, sa.encapDestinationPort());
        assertEquals(EngineKind.JCA, sa.engine());
        assertFalse(sa.destroyed());
    }

    /** Every ip_xfrm_state of the manifest is one of the lines above, so the table covers the corpus. */
    @Test
    void manifestHasNoOtherLines() throws IOException {
        Path manifest = io.netfrag.testing.Fixtures.thirdParty().resolve("manifest.json");
        int lines = 0;
        for (JsonNode capture : new ObjectMapper().readTree(manifest.toFile()).get("captures")) {
            for (JsonNode sa : capture.get("sas")) {
                String line = sa.get("ip_xfrm_state").asText();
                assertTrue(Set.of(MANIFEST_TRANSPORT, MANIFEST_TUNNEL).contains(line), line);
                XfrmStateParser.parse(line); // and parses
                lines++;
            }
        }
        assertTrue(lines > 0, "no ip_xfrm_state in " + manifest);
    }

    static Stream<Arguments> validLines() {
        String v4 = "src 10.200.1.1 dst 10.200.1.2 proto esp spi 0x2000";
        return Stream.of(
                // name, line, dst, spi, mode, replay window, esn, algorithm, key bytes (without salt), ICV bits
                Arguments.of("netperf seed", NETPERF, "fc00:2::1", 0x1000, Mode.TRANSPORT, 64, false,
                        AeadAlgorithm.AES_GCM, 16, 96),
                Arguments.of("no command prefix", "src fc00:1::1 dst fc00:2::1 proto esp spi 0x1000" + AEAD,
                        "fc00:2::1", 0x1000, Mode.TRANSPORT, 64, false, AeadAlgorithm.AES_GCM, 16, 128),
                Arguments.of("xfrm state add without ip", "xfrm state add dst fc00:2::1 proto esp spi 7" + AEAD,
                        "fc00:2::1", 7, Mode.TRANSPORT, 64, false, AeadAlgorithm.AES_GCM, 16, 128),
                Arguments.of("ip -6", "ip -6 xfrm state add src fc00:1::1 dst fc00:2::1 proto esp spi 1" + AEAD,
                        "fc00:2::1", 1, Mode.TRANSPORT, 64, false, AeadAlgorithm.AES_GCM, 16, 128),
                Arguments.of("ip -4 update", "ip -4 xfrm state update " + v4 + AEAD, "10.200.1.2", 0x2000,
                        Mode.TRANSPORT, 64, false, AeadAlgorithm.AES_GCM, 16, 128),
                Arguments.of("decimal spi", "ip xfrm state add dst fc00:2::1 proto esp spi 4096" + AEAD, "fc00:2::1",
                        4096, Mode.TRANSPORT, 64, false, AeadAlgorithm.AES_GCM, 16, 128),
                Arguments.of("spi above 2^31", "dst fc00:2::1 proto esp spi 0xDEADBEEF" + AEAD, "fc00:2::1",
                        0xdeadbeef, Mode.TRANSPORT, 64, false, AeadAlgorithm.AES_GCM, 16, 128),
                Arguments.of("octal spi as strtoul", "dst fc00:2::1 proto esp spi 010" + AEAD, "fc00:2::1", 8,
                        Mode.TRANSPORT, 64, false, AeadAlgorithm.AES_GCM, 16, 128),
                Arguments.of("AES-192", ID + " aead " + GCM + ' ' + KEY_192 + " 128", "fc00:2::1", 0x1000,
                        Mode.TRANSPORT, 64, false, AeadAlgorithm.AES_GCM, 24, 128),
                Arguments.of("AES-256", ID + " aead " + GCM + ' ' + KEY_256 + " 128", "fc00:2::1", 0x1000,
                        Mode.TRANSPORT, 64, false, AeadAlgorithm.AES_GCM, 32, 128),
                Arguments.of("ICV 64", ID + " aead " + GCM + ' ' + KEY_128 + " 64", "fc00:2::1", 0x1000,
                        Mode.TRANSPORT, 64, false, AeadAlgorithm.AES_GCM, 16, 64),
                Arguments.of("ICV 96", ID + " aead " + GCM + ' ' + KEY_128 + " 96", "fc00:2::1", 0x1000,
                        Mode.TRANSPORT, 64, false, AeadAlgorithm.AES_GCM, 16, 96),
                Arguments.of("key without 0x, upper case", ID + " aead " + GCM + ' ' + "0B".repeat(20) + " 128",
                        "fc00:2::1", 0x1000, Mode.TRANSPORT, 64, false, AeadAlgorithm.AES_GCM, 16, 128),
                Arguments.of("name in double quotes", ID + " aead \"rfc4106(gcm(aes))\" " + KEY_128 + " 128",
                        "fc00:2::1", 0x1000, Mode.TRANSPORT, 64, false, AeadAlgorithm.AES_GCM, 16, 128),
                Arguments.of("GMAC-128", ID + " aead " + GMAC + ' ' + KEY_128 + " 128", "fc00:2::1", 0x1000,
                        Mode.TRANSPORT, 64, false, AeadAlgorithm.AES_GMAC, 16, 128),
                Arguments.of("GMAC-256", ID + " aead " + GMAC + ' ' + KEY_256 + " 128", "fc00:2::1", 0x1000,
                        Mode.TRANSPORT, 64, false, AeadAlgorithm.AES_GMAC, 32, 128),
                Arguments.of("ChaCha20-Poly1305", ID + " aead " + CHACHA + ' ' + KEY_256 + " 128", "fc00:2::1",
                        0x1000, Mode.TRANSPORT, 64, false, AeadAlgorithm.CHACHA20_POLY1305, 32, 128),
                Arguments.of("tunnel", ID + " mode tunnel" + AEAD, "fc00:2::1", 0x1000, Mode.TUNNEL, 64, false,
                        AeadAlgorithm.AES_GCM, 16, 128),
                Arguments.of("flag esn, default window", ID + " flag esn" + AEAD, "fc00:2::1", 0x1000,
                        Mode.TRANSPORT, 64, true, AeadAlgorithm.AES_GCM, 16, 128),
                Arguments.of("flag esn with a window", ID + " replay-window 128 flag esn" + AEAD, "fc00:2::1",
                        0x1000, Mode.TRANSPORT, 128, true, AeadAlgorithm.AES_GCM, 16, 128),
                Arguments.of("several flags", ID + " flag noecn esn af-unspec" + AEAD, "fc00:2::1", 0x1000,
                        Mode.TRANSPORT, 64, true, AeadAlgorithm.AES_GCM, 16, 128),
                Arguments.of("flags as a hex byte", ID + " flag 0x80" + AEAD, "fc00:2::1", 0x1000, Mode.TRANSPORT,
                        64, true, AeadAlgorithm.AES_GCM, 16, 128),
                Arguments.of("ignored flags", ID + " flag decap-dscp nopmtudisc wildrecv icmp align4" + AEAD,
                        "fc00:2::1", 0x1000, Mode.TRANSPORT, 64, false, AeadAlgorithm.AES_GCM, 16, 128),
                Arguments.of("replay-window 0", ID + " replay-window 0" + AEAD, "fc00:2::1", 0x1000,
                        Mode.TRANSPORT, 0, false, AeadAlgorithm.AES_GCM, 16, 128),
                Arguments.of("replay-window max", ID + " replay-window 4096" + AEAD, "fc00:2::1", 0x1000,
                        Mode.TRANSPORT, 4096, false, AeadAlgorithm.AES_GCM, 16, 128),
                Arguments.of("if_id and dir in", ID + " if_id 7 dir in" + AEAD, "fc00:2::1", 0x1000,
                        Mode.TRANSPORT, 64, false, AeadAlgorithm.AES_GCM, 16, 128),
                Arguments.of("trailing comment", ID + AEAD + " # lab SA", "fc00:2::1", 0x1000, Mode.TRANSPORT, 64,
                        false, AeadAlgorithm.AES_GCM, 16, 128),
                Arguments.of("aead first", "aead " + GCM + ' ' + KEY_128 + " 128 spi 9 proto esp dst ::1", "::1", 9,
                        Mode.TRANSPORT, 64, false, AeadAlgorithm.AES_GCM, 16, 128));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("validLines")
    void validLineParses(String name, String line, String dst, int spi, Mode mode, int window, boolean esn,
            AeadAlgorithm algorithm, int keyBytes, int icvBits) throws Exception {
        SecurityAssociation sa = XfrmStateParser.parse(line);
        assertEquals(InetAddress.getByName(dst), sa.destination());
        assertEquals(spi, sa.spi());
        assertEquals(mode, sa.mode());
        assertEquals(window, sa.replayWindow());
        assertEquals(esn, sa.esn());
        assertEquals(algorithm, sa.aead());
        assertEquals(keyBytes, sa.key().length);
        assertEquals(4, sa.salt().length);
        assertEquals(icvBits / 8, sa.icvLength());
        new ReplayWindow(sa.replayWindow(), sa.esn()); // what the decoder builds from it
    }

    @Test
    void missingSourceIsAny() {
        assertNull(XfrmStateParser.parse("dst 10.0.0.1 proto esp spi 1" + AEAD).source());
    }

    @Test
    void defaultsAreTransportWindow64AndJca() {
        SecurityAssociation sa = XfrmStateParser.parse(ID + AEAD);
        assertEquals(Mode.TRANSPORT, sa.mode()); // as iproute2
        assertEquals(64, sa.replayWindow()); // RFC 4303 §3.4.3, not iproute2's 0
        assertFalse(sa.esn());
        assertEquals(EngineKind.JCA, sa.engine());
        assertSame(Selector.ANY, sa.selector());
        assertEquals(0, sa.reqid());
    }

    @Test
    void engineBouncyCastle() {
        assertEquals(EngineKind.BOUNCY_CASTLE, XfrmStateParser.parse(ID + AEAD + " engine bc").engine());
        assertEquals(EngineKind.JCA, XfrmStateParser.parse(ID + AEAD + " engine jca").engine());
    }

    @Test
    void keyAndSaltAreSplit() {
        String material = "000102030405060708090a0b0c0d0e0f" + "10111213141516171819" + "1a1b1c1d1e1f" + "a0a1a2a3";
        SecurityAssociation sa = XfrmStateParser.parse(ID + " aead " + CHACHA + " 0x" + material + " 128");
        assertArrayEquals(HexFormat.of().parseHex(material.substring(0, 64)), sa.key());
        assertArrayEquals(HexFormat.of().parseHex("a0a1a2a3"), sa.salt());
    }

    @Test
    void selectorWithPrefixesProtocolAndPorts() {
        Selector sel = XfrmStateParser.parse(ID + AEAD
                + " sel src fd00:10::/64 dst fd00:20::1 proto udp sport 40001 dport 5000").selector();
        assertArrayEquals(HexFormat.of().parseHex("fd000010000000000000000000000000"), sel.source());
        assertEquals(64, sel.sourcePrefix());
        assertArrayEquals(HexFormat.of().parseHex("fd000020000000000000000000000001"), sel.destination());
        assertEquals(128, sel.destinationPrefix()); // a bare address is a host
        assertEquals(17, sel.protocol());
        assertEquals(40001, sel.sourcePort());
        assertEquals(5000, sel.destinationPort());
        byte[] in = HexFormat.of().parseHex("fd000010000000000000000000000abc");
        byte[] out = HexFormat.of().parseHex("fd000011000000000000000000000abc");
        byte[] dst = HexFormat.of().parseHex("fd000020000000000000000000000001");
        assertTrue(sel.matches(in, dst, 17, 40001, 5000));
        assertFalse(sel.matches(out, dst, 17, 40001, 5000));
        assertFalse(sel.matches(in, dst, 6, 40001, 5000));
        assertFalse(sel.matches(in, dst, 17, 40001, 5001));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "sel src 10.0.0.0/24 dst 192.168.20.0/24 proto tcp | 10.0.0.0  | 24 | 192.168.20.0 | 24 | 6   | 0  | 0",
        "sel dst 192.168.20.7 proto 17 dport 53            |           | 0  | 192.168.20.7 | 32 | 17  | 0  | 53",
        "sel proto ipv6-icmp                               |           | 0  |              | 0  | 58  | 0  | 0",
        "sel src ::/0 proto sctp sport 0x50                | ::        | 0  |              | 0  | 132 | 80 | 0",
        "sel src fd00:10::/64 dst fd00:20::/64             | fd00:10:: | 64 | fd00:20::    | 64 | 0   | 0  | 0"})
    void selectorTable(String words, String src, int srcPrefix, String dst, int dstPrefix, int proto, int sport,
            int dport) throws Exception {
        Selector sel = XfrmStateParser.parse(ID + AEAD + ' ' + words).selector();
        assertArrayEquals(src == null ? null : InetAddress.getByName(src).getAddress(), sel.source());
        assertEquals(srcPrefix, sel.sourcePrefix());
        assertArrayEquals(dst == null ? null : InetAddress.getByName(dst).getAddress(), sel.destination());
        assertEquals(dstPrefix, sel.destinationPrefix());
        assertEquals(proto, sel.protocol());
        assertEquals(sport, sel.sourcePort());
        assertEquals(dport, sel.destinationPort());
    }

    @Test
    void selectorBeforeOtherWords() {
        SecurityAssociation sa = XfrmStateParser.parse(ID + " sel src 10.0.0.0/8 mode tunnel" + AEAD);
        assertEquals(Mode.TUNNEL, sa.mode());
        assertEquals(8, sa.selector().sourcePrefix());
    }

    @Test
    void encapEspInUdp() {
        SecurityAssociation sa = XfrmStateParser.parse(ID + AEAD + " encap espinudp 4500 4500 0.0.0.0");
        assertEquals(4500, sa.encapSourcePort());
        assertEquals(4500, sa.encapDestinationPort());
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> XfrmStateParser.parse(ID + AEAD + " encap espinudp-nonike 4501 500 ::"));
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("espinudp-nonike"), e.getMessage());
        e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> XfrmStateParser.parse(ID + AEAD + " sel src fd00:10::/64 dev eth0"));
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("'dev'"), e.getMessage());
    }

    @Test
    void ipv4MappedDestinationStaysIpv6() {
        InetAddress dst = XfrmStateParser.parse("dst ::ffff:10.0.0.1 proto esp spi 1" + AEAD).destination();
        assertEquals(16, dst.getAddress().length);
    }

    static Stream<Arguments> malformedLines() {
        String noMode = "ip xfrm state add src fc00:1::1 dst fc00:2::1 proto esp spi 0x1000";
        return Stream.of(
                // name, line, fragments the message must contain (the first names the offending word)
                Arguments.of("unknown token", ID + " foo 1" + AEAD, List.of("unknown token 'foo'", "expected one of")),
                Arguments.of("missing dst", "ip xfrm state add src fc00:1::1 proto esp spi 0x1000" + AEAD,
                        List.of("missing dst")),
                Arguments.of("missing proto", "ip xfrm state add dst fc00:2::1 spi 0x1000" + AEAD,
                        List.of("missing proto", "esp")),
                Arguments.of("missing spi", "ip xfrm state add dst fc00:2::1 proto esp" + AEAD,
                        List.of("missing spi")),
                Arguments.of("missing algorithm", ID, List.of("missing algorithm", "aead NAME KEY ICVBITS",
                        "enc NAME KEY with auth")),
                Arguments.of("proto ah", ID.replace("proto esp", "proto ah") + AEAD, List.of("proto 'ah'", "esp")),
                Arguments.of("proto comp", ID.replace("proto esp", "proto comp") + AEAD, List.of("proto 'comp'")),
                Arguments.of("mode beet", ID + " mode beet" + AEAD, List.of("mode 'beet'", "transport or tunnel")),
                Arguments.of("spi 0", ID.replace("0x1000", "0") + AEAD, List.of("bad spi '0'", "reserved")),
                Arguments.of("spi 0x0", ID.replace("0x1000", "0x0") + AEAD, List.of("bad spi '0x0'")),
                Arguments.of("spi garbage", ID.replace("0x1000", "zz") + AEAD, List.of("bad spi 'zz'")),
                Arguments.of("spi beyond 32 bits", ID.replace("0x1000", "0x100000000") + AEAD,
                        List.of("bad spi '0x100000000'")),
                Arguments.of("spi negative", ID.replace("0x1000", "-5") + AEAD, List.of("bad spi '-5'")),
                Arguments.of("spi 08 is no octal", ID.replace("0x1000", "08") + AEAD, List.of("bad spi '08'")),
                Arguments.of("key of 17 bytes", ID + " aead " + GCM + " 0x" + "0b".repeat(17) + " 128",
                        List.of("aead key for rfc4106(gcm(aes)) must be 20, 28 or 36 bytes", "got 17")),
                Arguments.of("key without salt", ID + " aead " + GCM + " 0x" + "0b".repeat(16) + " 128",
                        List.of("aead key", "got 16")),
                Arguments.of("ChaCha key of 20 bytes", ID + " aead " + CHACHA + ' ' + KEY_128 + " 128",
                        List.of("aead key for rfc7539esp(chacha20,poly1305) must be 36 bytes", "got 20")),
                Arguments.of("odd hex", ID + " aead " + GCM + ' ' + KEY_128 + "0 128",
                        List.of("aead key", "odd number of hex digits")),
                Arguments.of("non-hex key", ID + " aead " + GCM + " 0x0b0b0g" + "0b".repeat(17) + " 128",
                        List.of("aead key", "non-hex character")),
                Arguments.of("ASCII key", ID + " aead " + GCM + " abcdefghijklmnopqrst 128",
                        List.of("aead key", "non-hex character")),
                Arguments.of("ICV 100", ID + " aead " + GCM + ' ' + KEY_128 + " 100",
                        List.of("bad aead ICV length '100'", "64, 96 or 128")),
                Arguments.of("ICV 96 for GMAC", ID + " aead " + GMAC + ' ' + KEY_128 + " 96",
                        List.of("bad aead ICV length '96'", "rfc4543(gcm(aes))", "expected 128")),
                Arguments.of("ICV 64 for ChaCha", ID + " aead " + CHACHA + ' ' + KEY_256 + " 64",
                        List.of("bad aead ICV length '64'", "rfc7539esp(chacha20,poly1305)")),
                Arguments.of("missing ICV", ID + " aead " + GCM + ' ' + KEY_128,
                        List.of("missing aead ICVBITS after the key", "aead NAME KEY ICVBITS")),
                Arguments.of("missing ICV before mode", noMode + " aead " + GCM + ' ' + KEY_128 + " mode transport",
                        List.of("missing aead ICVBITS after the key")),
                Arguments.of("missing key and ICV", ID + " aead " + GCM, List.of("missing aead KEY and ICVBITS")),
                Arguments.of("missing key before ICV", ID + " aead " + GCM + " 128",
                        List.of("missing aead KEY", "ICV length 128")),
                Arguments.of("missing key before ICV and mode", noMode + " aead " + GCM + " 96 mode transport",
                        List.of("missing aead KEY", "ICV length 96")),
                Arguments.of("unknown aead", ID + " aead 'gcm(aes)' " + KEY_128 + " 128",
                        List.of("unknown aead algorithm 'gcm(aes)'", "rfc4106(gcm(aes))")),
                Arguments.of("unterminated quote", ID + " aead 'rfc4106(gcm(aes)) " + KEY_128 + " 128",
                        List.of("unterminated single quote", "'rfc4106(gcm(aes))")),
                Arguments.of("unterminated double quote", ID + " aead \"rfc4106(gcm(aes)) " + KEY_128 + " 128",
                        List.of("unterminated double quote")),
                Arguments.of("replay-window 5000", ID + " replay-window 5000" + AEAD,
                        List.of("bad replay-window '5000'", "0 to 4096")),
                Arguments.of("replay-window -1", ID + " replay-window -1" + AEAD,
                        List.of("bad replay-window '-1'")),
                Arguments.of("esn with window 0", ID + " replay-window 0 flag esn" + AEAD,
                        List.of("flag esn", "replay-window 0")),
                Arguments.of("enc with aead", ID + " enc 'cbc(aes)' 0x" + "00".repeat(16) + AEAD,
                        List.of("aead does not combine with enc")),
                Arguments.of("auth with aead", ID + " auth 'hmac(sha256)' 0x" + "00".repeat(32) + AEAD,
                        List.of("aead does not combine with auth")),
                Arguments.of("auth-trunc with aead", ID + " auth-trunc 'hmac(sha256)' 0x00 128" + AEAD,
                        List.of("aead does not combine with auth")),
                Arguments.of("enc without auth", ID + " enc 'cbc(aes)' 0x" + "00".repeat(16),
                        List.of("enc without auth is refused", "RFC 8221")),
                Arguments.of("auth without enc", ID + " auth 'hmac(sha1)' 0x" + "00".repeat(20),
                        List.of("auth without enc", "ecb(cipher_null)")),
                Arguments.of("DES", ID + " enc 'cbc(des)' 0x" + "00".repeat(8) + SHA1,
                        List.of("enc 'cbc(des)' is refused", "RFC 8221")),
                Arguments.of("3DES", ID + " enc 'cbc(des3_ede)' 0x" + "00".repeat(24) + SHA1,
                        List.of("enc 'cbc(des3_ede)' is refused", "64-bit block")),
                Arguments.of("Blowfish", ID + " enc 'cbc(blowfish)' 0x" + "00".repeat(16) + SHA1,
                        List.of("enc 'cbc(blowfish)' is refused")),
                Arguments.of("CAST", ID + " enc 'cbc(cast5)' 0x" + "00".repeat(16) + SHA1,
                        List.of("enc 'cbc(cast5)' is refused")),
                Arguments.of("MD5", ID + " enc 'cbc(aes)' 0x" + "00".repeat(16) + " auth 'hmac(md5)' 0x"
                        + "00".repeat(16), List.of("auth 'hmac(md5)' is refused", "RFC 8221")),
                Arguments.of("digest_null", ID + " enc 'cbc(aes)' 0x" + "00".repeat(16) + " auth digest_null \"\"",
                        List.of("auth 'digest_null' is refused", "no integrity")),
                Arguments.of("unknown enc", ID + " enc 'cbc(rot13)' 0x00" + SHA1,
                        List.of("unknown enc algorithm 'cbc(rot13)'", "cbc(aes)")),
                Arguments.of("unknown auth", ID + " enc 'cbc(aes)' 0x" + "00".repeat(16) + " auth 'hmac(crc)' 0x00",
                        List.of("unknown auth algorithm 'hmac(crc)'", "hmac(sha256)")),
                Arguments.of("CBC key length", ID + " enc 'cbc(aes)' 0x" + "00".repeat(15) + SHA1,
                        List.of("enc key for cbc(aes) must be 16, 24 or 32 bytes, got 15")),
                Arguments.of("CTR key without nonce", ID + " enc 'rfc3686(ctr(aes))' 0x" + "00".repeat(16) + SHA1,
                        List.of("enc key for rfc3686(ctr(aes)) must be 20, 28 or 36 bytes")),
                Arguments.of("NULL with a key", ID + " enc 'ecb(cipher_null)' 0x0000" + SHA1,
                        List.of("must be empty")),
                Arguments.of("auth-trunc too short", ID + " enc 'cbc(aes)' 0x" + "00".repeat(16)
                        + " auth-trunc 'hmac(sha256)' 0x" + "00".repeat(32) + " 64",
                        List.of("bad auth-trunc ICV length '64'", "96 to 256")),
                Arguments.of("auth-trunc too long", ID + " enc 'cbc(aes)' 0x" + "00".repeat(16)
                        + " auth-trunc 'hmac(sha1)' 0x" + "00".repeat(20) + " 192",
                        List.of("bad auth-trunc ICV length '192'", "96 to 160")),
                Arguments.of("auth and auth-trunc", ID + " enc 'cbc(aes)' 0x" + "00".repeat(16) + SHA1
                        + " auth-trunc 'hmac(sha1)' 0x" + "00".repeat(20) + " 96",
                        List.of("duplicate 'auth-trunc'")),
                Arguments.of("CCM ICV", ID + " aead 'rfc4309(ccm(aes))' 0x" + "00".repeat(19) + " 32",
                        List.of("bad aead ICV length '32'", "64, 96 or 128")),
                Arguments.of("comp given", ID + " comp deflate" + AEAD, List.of("'comp' is not supported")),
                Arguments.of("unknown flag", ID + " flag bogus" + AEAD, List.of("unknown flag 'bogus'", "esn")),
                Arguments.of("word after flags", ID + " flag esn bogus" + AEAD, List.of("unknown token 'bogus'")),
                Arguments.of("mark", ID + " mark 7" + AEAD, List.of("'mark' is not supported")),
                Arguments.of("output-mark", ID + " output-mark 7" + AEAD, List.of("'output-mark' is not supported")),
                Arguments.of("ctx", ID + " ctx foo" + AEAD, List.of("'ctx' is not supported")),
                Arguments.of("unknown limit", ID + " limit time-forever 60" + AEAD,
                        List.of("unknown limit 'time-forever'", "packet-hard")),
                Arguments.of("limit twice", ID + " limit byte-soft 1 limit byte-soft 2" + AEAD,
                        List.of("duplicate 'limit byte-soft'")),
                Arguments.of("bad limit value", ID + " limit packet-hard -5" + AEAD,
                        List.of("bad limit packet-hard '-5'")),
                Arguments.of("replay-seq twice", ID + " replay-seq 1 replay-seq 2" + AEAD,
                        List.of("duplicate 'replay-seq'")),
                Arguments.of("bad replay-seq", ID + " replay-seq 0x1ffffffff" + AEAD,
                        List.of("bad replay-seq '0x1ffffffff'")),
                Arguments.of("duplicate spi", ID + " spi 0x2000" + AEAD, List.of("duplicate 'spi'")),
                Arguments.of("bad dst", ID.replace("dst fc00:2::1", "dst fc00::zz") + AEAD,
                        List.of("bad dst address 'fc00::zz'")),
                Arguments.of("host name dst", ID.replace("dst fc00:2::1", "dst example.com") + AEAD,
                        List.of("bad dst address 'example.com'")),
                Arguments.of("dst with prefix", ID.replace("dst fc00:2::1", "dst fc00:2::1/64") + AEAD,
                        List.of("bad dst address 'fc00:2::1/64'")),
                Arguments.of("src and dst families", ID.replace("src fc00:1::1", "src 10.0.0.1") + AEAD,
                        List.of("src '10.0.0.1'", "same address family")),
                Arguments.of("ip -4 with IPv6", ID.replace("ip xfrm", "ip -4 xfrm") + AEAD,
                        List.of("not an IPv4 address")),
                Arguments.of("ip option", ID.replace("ip xfrm", "ip -s xfrm") + AEAD, List.of("ip option '-s'")),
                Arguments.of("state delete", ID.replace("state add", "state delete") + AEAD,
                        List.of("command 'delete'", "add or update")),
                Arguments.of("xfrm policy", ID.replace("state add", "policy add") + AEAD,
                        List.of("expected 'state'", "'policy'")),
                Arguments.of("sel ports with icmp", ID + AEAD + " sel proto icmp sport 5",
                        List.of("sel sport and dport are invalid with proto 'icmp'")),
                Arguments.of("sel ports without proto", ID + AEAD + " sel dport 5",
                        List.of("sel sport and dport are invalid with proto any")),
                Arguments.of("sel prefix too long", ID + AEAD + " sel dst fd00::/129",
                        List.of("bad sel dst prefix length in 'fd00::/129'")),
                Arguments.of("sel families", ID + AEAD + " sel src 10.0.0.0/8 dst fd00::/8",
                        List.of("sel src and sel dst", "same address family")),
                Arguments.of("sel type", ID + AEAD + " sel proto icmp type 8", List.of("sel 'type'")),
                Arguments.of("sel empty", ID + " sel mode tunnel" + AEAD, List.of("empty sel before 'mode'")),
                Arguments.of("sel then src again", ID.replace("src fc00:1::1 ", "") + " sel src ::/0 src fc00:1::1"
                        + AEAD, List.of("duplicate 'src' in sel")),
                Arguments.of("sel bad proto", ID + AEAD + " sel proto bogus", List.of("bad sel proto 'bogus'")),
                Arguments.of("encap espintcp", ID + AEAD + " encap espintcp 4500 4500 0.0.0.0",
                        List.of("encap 'espintcp'")),
                Arguments.of("encap port 0", ID + AEAD + " encap espinudp 0 4500 0.0.0.0",
                        List.of("bad encap sport '0'")),
                Arguments.of("encap missing address", ID + AEAD + " encap espinudp 4500 4500",
                        List.of("missing value after 'encap espinudp'", "OADDR")),
                Arguments.of("engine", ID + AEAD + " engine openssl", List.of("unknown engine 'openssl'")),
                Arguments.of("dir out", ID + AEAD + " dir out", List.of("dir 'out'")),
                Arguments.of("value missing at the end", ID + AEAD + " reqid", List.of("missing value after 'reqid'")),
                Arguments.of("bad reqid", ID + AEAD + " reqid x1", List.of("bad reqid 'x1'")),
                Arguments.of("empty line", "   # just a comment", List.of("empty ip xfrm state line")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformedLines")
    void malformedLineIsRejectedNamingTheWord(String name, String line, List<String> fragments) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> XfrmStateParser.parse(line));
        for (String fragment : fragments) {
            assertTrue(e.getMessage().contains(fragment), "'" + e.getMessage() + "' lacks '" + fragment + "'");
        }
        assertFalse(e.getMessage().contains("0b0b0b0b0b0b0b0b0b"), "key material in: " + e.getMessage());
    }

    @Test
    void fileWithCommentsAndContinuations(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("sas.conf");
        Files.writeString(file, String.join("\n",
                "# receiver SAs",
                "",
                MANIFEST_TRANSPORT + "   # transport",
                "   # indented comment \\",
                "ip xfrm state add src fc00:1::1 dst fc00:2::1 \\",
                "    proto esp spi 0x00001001 reqid 4097 mode tunnel replay-window 32 \\",
                "    aead 'rfc4106(gcm(aes))' 0x0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c 128",
                "\t",
                "ip xfrm state add dst 10.200.1.2 proto esp spi 0x2000 \\\r",
                "  aead " + CHACHA + ' ' + KEY_256 + " 128 \\") + "\n", StandardCharsets.UTF_8);
        List<SecurityAssociation> sas = XfrmStateParser.parseFile(file);
        assertEquals(3, sas.size());
        assertEquals(0x1000, sas.get(0).spi());
        assertEquals(0x1001, sas.get(1).spi());
        assertEquals(Mode.TUNNEL, sas.get(1).mode());
        assertEquals(32, sas.get(1).replayWindow());
        assertEquals(0x2000, sas.get(2).spi());
        assertEquals(AeadAlgorithm.CHACHA20_POLY1305, sas.get(2).aead());
    }

    @Test
    void anUnreadableFileIsNamedWithTheReason(@TempDir Path dir) {
        Path missing = dir.resolve("missing.conf");
        java.io.UncheckedIOException e = assertThrows(java.io.UncheckedIOException.class,
                () -> XfrmStateParser.parseFile(missing));
        assertEquals("cannot read " + missing + ": no such file", e.getMessage());
        e = assertThrows(java.io.UncheckedIOException.class, () -> XfrmStateParser.parseFile(dir));
        assertTrue(e.getMessage().startsWith("cannot read " + dir + ": "), e.getMessage());
        assertTrue(e.getMessage().length() > ("cannot read " + dir + ": ").length(), e.getMessage());
    }

    @Test
    void fileErrorNamesFileAndLine(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("bad.conf");
        Files.writeString(file, String.join("\n", "# comment", MANIFEST_TRANSPORT, "",
                "ip xfrm state add dst fc00:2::1 proto esp \\", "    spi zz" + AEAD), StandardCharsets.UTF_8);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> XfrmStateParser.parseFile(file));
        assertTrue(e.getMessage().startsWith(file + " lines 4-5: bad spi 'zz'"), e.getMessage());
        Files.writeString(file, "\n\n" + ID + " mode beet" + AEAD + "\n", StandardCharsets.UTF_8);
        e = assertThrows(IllegalArgumentException.class, () -> XfrmStateParser.parseFile(file));
        assertTrue(e.getMessage().startsWith(file + " line 3: mode 'beet'"), e.getMessage());
        Files.writeString(file, ID + " aead 'rfc4106(gcm(aes)) " + KEY_128 + " 128\n", StandardCharsets.UTF_8);
        e = assertThrows(IllegalArgumentException.class, () -> XfrmStateParser.parseFile(file));
        assertTrue(e.getMessage().startsWith(file + " line 1: unterminated single quote"), e.getMessage());
    }

    @Test
    void readerAndEmptyInput() {
        assertEquals(List.of(), XfrmStateParser.parseAll(new StringReader("# nothing\n\n")));
        List<SecurityAssociation> sas = XfrmStateParser.parseAll(new StringReader(NETPERF + "\n" + MANIFEST_TUNNEL));
        assertEquals(2, sas.size());
        assertEquals(12, sas.get(0).icvLength());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '~', value = {
        "a b   c                  | a,b,c",
        "'x y' z                  | x y,z",
        "\"x y\" z                | x y,z",
        "a'b'\"c\"d               | abcd",
        "\"a\\\"b\\\\c\\d\"       | a\"b\\c\\d",
        "a\\ b c                  | a b,c",
        "'it''s'                  | its",
        "a #b c                   | a",
        "a#b                      | a#b",
        "''                       | ''"})
    void tokenizeLikeAShell(String line, String expected) {
        List<String> words = XfrmStateParser.tokenize(line);
        List<String> want = List.of(expected.split(",", -1)).stream().map(w -> w.equals("''") ? "" : w).toList();
        assertEquals(want, words);
    }

    @Test
    void backslashNewlineJoinsInAString() {
        assertEquals(List.of("spi", "0x1000"), XfrmStateParser.tokenize("spi \\\n0x10\\\n00"));
    }

    @ParameterizedTest
    @CsvSource({"0, 0", "7, 7", "4096, 4096", "0x1000, 4096", "0X1f, 31", "010, 8", "0xffffffff, 4294967295",
        "4294967295, 4294967295", "4294967296, -1", "0x100000000, -1", "08, -1", "0x, -1", "'', -1", "-1, -1",
        "+1, -1", "0x1g, -1", "\u0661, -1"})
    void parseU32AsStrtoul(String text, long expected) {
        assertEquals(expected, XfrmStateParser.parseU32(text));
    }
}
