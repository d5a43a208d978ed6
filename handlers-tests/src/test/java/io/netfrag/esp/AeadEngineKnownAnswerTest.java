package io.netfrag.esp;

import static io.netfrag.esp.EspTestVectors.concat;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netfrag.internal.esp.AeadEngine;
import io.netfrag.internal.esp.JcaAeadEngine;
import io.netfrag.internal.esp.BouncyCastleAeadEngine;
import io.netfrag.esp.EspTestVectors.Vector;
import io.netfrag.esp.SecurityAssociation.EngineKind;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Known-answer tests of both {@link AeadEngine}s (JCA and Bouncy Castle) on published ESP vectors: the AES-GCM-ESP and
 * AES-GMAC-ESP cases of draft-mcgrew-gcm-test-01 section 4, RFC 7634 Appendix A and RFC 7539 Appendix A.5 (in ESP
 * form) for ChaCha20-Poly1305, and the rfc4106/rfc4543 templates of Linux {@code crypto/testmgr.h}; the data and the
 * exact sources are in {@link EspTestVectors}. Then the 64- and 96-bit ICVs (derived from the published 128-bit tags,
 * which NIST SP 800-38D truncates by keeping the leading bytes), single-bit tampering, and JCA against Bouncy Castle on
 * random inputs.
 */
class AeadEngineKnownAnswerTest {
    private static final HexFormat HEX = HexFormat.of();
    private static final int CROSS_CHECK_CASES = 200;
    private static final int[] CROSS_CHECK_LENGTHS = {0, 1, 15, 16, 17, 1400, 65536};

    private static InetAddress destination() {
        try {
            return InetAddress.getByName("192.168.0.1");
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    /** An SA for a vector; SPI 0 (reserved) is replaced, the engine only sees the AAD bytes. */
    private static SecurityAssociation sa(Vector v, EngineKind kind, int icvLength) {
        int spi = v.spi() == 0 ? 0x100 : v.spi();
        return SecurityAssociation.builder().destination(destination()).spi(spi).reqid(1).replayWindow(32)
                .esn(v.esn()).aead(v.algorithm(), v.keyBytes(), v.saltBytes(), icvLength * 8).engine(kind).build();
    }

    private static AeadEngine engine(Vector v, EngineKind kind, int icvLength) {
        AeadEngine engine = sa(v, kind, icvLength).newEngine();
        assertEquals(icvLength, engine.icvLength());
        return engine;
    }

    static Stream<Vector> vectors() {
        return EspTestVectors.all().stream();
    }

    static Stream<Arguments> verifyingVectorsAndEngines() {
        return EspTestVectors.all().stream().filter(Vector::mustVerify)
                .flatMap(v -> Arrays.stream(EngineKind.values()).map(k -> Arguments.of(v, k)));
    }

    static Stream<Arguments> failingVectorsAndEngines() {
        return EspTestVectors.all().stream().filter(v -> !v.mustVerify())
                .flatMap(v -> Arrays.stream(EngineKind.values()).map(k -> Arguments.of(v, k)));
    }

    static Stream<Arguments> gcmVectorsEnginesAndShortIcvs() {
        List<Arguments> args = new ArrayList<>();
        for (Vector v : EspTestVectors.AES_GCM) {
            for (EngineKind k : EngineKind.values()) {
                for (int icv : new int[] {8, 12}) {
                    args.add(Arguments.of(v, k, icv));
                }
            }
        }
        return args.stream();
    }

    static Stream<Arguments> algorithmsAndIcvLengths() {
        return Stream.of(Arguments.of(AeadAlgorithm.AES_GCM, 8), Arguments.of(AeadAlgorithm.AES_GCM, 12),
                Arguments.of(AeadAlgorithm.AES_GCM, 16), Arguments.of(AeadAlgorithm.AES_GMAC, 16),
                Arguments.of(AeadAlgorithm.CHACHA20_POLY1305, 16), Arguments.of(AeadAlgorithm.AES_CCM, 8),
                Arguments.of(AeadAlgorithm.AES_CCM, 12), Arguments.of(AeadAlgorithm.AES_CCM, 16));
    }

    /** The slicing of each vector into SPI, sequence, IV, ciphertext and ICV reproduces the source's AAD and packet. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("vectors")
    void fieldsReproduceThePublishedAadAndPacket(Vector v) {
        byte[] espAad = v.espAad();
        assertEquals(v.esn() ? 12 : 8, espAad.length);
        if (v.algorithm() == AeadAlgorithm.AES_GMAC) {
            // RFC 4543 section 3.2: AAD = SPI ‖ seq ‖ IV ‖ payload, nothing encrypted
            assertArrayEquals(v.publishedAad(), concat(espAad, v.ivBytes(), v.plaintextBytes()));
            assertArrayEquals(v.plaintextBytes(), v.ciphertextBytes());
        } else {
            assertArrayEquals(v.publishedAad(), espAad);
            assertEquals(v.plaintextBytes().length, v.ciphertextBytes().length);
        }
        assertEquals(8, v.ivBytes().length);
        assertEquals(4, v.saltBytes().length);
        assertEquals(16, v.icvBytes().length);
        if (v.packet() != null) {
            assertArrayEquals(v.packetBytes(), v.espPacket(), "packet = SPI ‖ seq_lo ‖ IV ‖ ciphertext ‖ ICV");
        }
    }

    /** Open in place inside the ESP packet (IV at offset 8, ciphertext at 16) and in a bare array (offset 0). */
    @ParameterizedTest(name = "{0} / {1}")
    @MethodSource("verifyingVectorsAndEngines")
    void openYieldsThePlaintext(Vector v, EngineKind kind) {
        byte[] aad = v.espAad();
        byte[] plaintext = v.plaintextBytes();

        byte[] packet = v.espPacket();
        assertTrue(engine(v, kind, 16).open(packet, 8, aad, aad.length, packet, 16, packet.length - 16),
                "ICV must verify");
        assertEquals(hex(plaintext), hex(Arrays.copyOfRange(packet, 16, 16 + plaintext.length)));

        byte[] data = v.ciphertextAndIcv();
        assertTrue(engine(v, kind, 16).open(v.ivBytes(), 0, aad, aad.length, data, 0, data.length),
                "ICV must verify");
        assertEquals(hex(plaintext), hex(Arrays.copyOf(data, plaintext.length)));
    }

    /** Published must-fail vectors (Linux testmgr rfc4543 #2). */
    @ParameterizedTest(name = "{0} / {1}")
    @MethodSource("failingVectorsAndEngines")
    void openRejectsThePublishedForgery(Vector v, EngineKind kind) {
        byte[] aad = v.espAad();
        byte[] data = v.ciphertextAndIcv();
        assertFalse(engine(v, kind, 16).open(v.ivBytes(), 0, aad, aad.length, data, 0, data.length));
    }

    /** Seal at offsets, with the AAD in a longer array, and nothing outside the output range touched. */
    @ParameterizedTest(name = "{0} / {1}")
    @MethodSource("verifyingVectorsAndEngines")
    void sealYieldsTheCiphertextAndIcv(Vector v, EngineKind kind) {
        byte[] aad = v.espAad();
        byte[] aadBuffer = concat(aad, new byte[] {0x5a, 0x5a, 0x5a, 0x5a});
        byte[] ivBuffer = concat(new byte[] {1, 2, 3, 4, 5}, v.ivBytes(), new byte[] {6});
        byte[] plaintext = v.plaintextBytes();
        int offset = 3;
        byte[] buffer = new byte[offset + plaintext.length + 16 + 7];
        Arrays.fill(buffer, (byte) 0xee);
        System.arraycopy(plaintext, 0, buffer, offset, plaintext.length);

        int n = engine(v, kind, 16).seal(ivBuffer, 5, aadBuffer, aad.length, buffer, offset, plaintext.length);

        assertEquals(plaintext.length + 16, n);
        assertEquals(hex(v.ciphertextAndIcv()), hex(Arrays.copyOfRange(buffer, offset, offset + n)));
        for (int i = 0; i < buffer.length; i++) {
            if (i < offset || i >= offset + n) {
                assertEquals((byte) 0xee, buffer[i], "byte " + i + " outside the output was written");
            }
        }
    }

    /**
     * One flipped bit (first, middle or last byte; bit 0 or 7) of the ICV, the ciphertext, the AAD or the IV makes
     * open fail. Each attempt on a new engine: reuse of one engine is {@link #oneEngineOpensPacketsThatShareAnIv}.
     */
    @ParameterizedTest(name = "{0} / {1}")
    @MethodSource("verifyingVectorsAndEngines")
    void anyFlippedBitMakesOpenFail(Vector v, EngineKind kind) {
        byte[] aad = v.espAad();
        byte[] iv = v.ivBytes();
        byte[] data = v.ciphertextAndIcv();
        int ctLength = data.length - 16;
        int tried = 0;
        for (int bit : new int[] {0x01, 0x80}) {
            for (int pos : positions(16)) {
                byte[] d = data.clone();
                d[ctLength + pos] ^= (byte) bit;
                assertFalse(openFresh(v, kind, iv, aad, d), "ICV byte " + pos + " bit " + bit);
                tried++;
            }
            for (int pos : positions(ctLength)) {
                byte[] d = data.clone();
                d[pos] ^= (byte) bit;
                assertFalse(openFresh(v, kind, iv, aad, d), "ciphertext byte " + pos + " bit " + bit);
                tried++;
            }
            for (int pos : positions(aad.length)) {
                byte[] a = aad.clone();
                a[pos] ^= (byte) bit;
                byte[] d = data.clone();
                assertFalse(openFresh(v, kind, iv, a, d), "AAD byte " + pos + " bit " + bit);
                tried++;
            }
            for (int pos : positions(iv.length)) {
                byte[] i = iv.clone();
                i[pos] ^= (byte) bit;
                byte[] d = data.clone();
                assertFalse(openFresh(v, kind, i, aad, d), "IV byte " + pos + " bit " + bit);
                tried++;
            }
        }
        assertTrue(tried >= 24);
        // a truncated packet (shorter than the ICV) is refused, not thrown on
        assertFalse(engine(v, kind, 16).open(iv, 0, aad, aad.length, data.clone(), 0, 15));
    }

    private static boolean openFresh(Vector v, EngineKind kind, byte[] iv, byte[] aad, byte[] data) {
        return engine(v, kind, 16).open(iv, 0, aad, aad.length, data, 0, data.length);
    }

    /**
     * One engine (as the decoder keeps one per SA) opens a packet, the same packet again (a duplicate, which reaches
     * the engine when the replay window is 0), a forgery that copies its IV, and the packet once more: true, true,
     * false, true. Equal IVs in successive packets are the sender's problem, never a reason for open to throw.
     */
    @ParameterizedTest(name = "{0} / {1}")
    @MethodSource("verifyingVectorsAndEngines")
    void oneEngineOpensPacketsThatShareAnIv(Vector v, EngineKind kind) {
        AeadEngine engine = engine(v, kind, 16);
        byte[] aad = v.espAad();
        byte[] iv = v.ivBytes();
        byte[] plaintext = v.plaintextBytes();
        for (String step : new String[] {"first", "duplicate", "forgery", "after forgery"}) {
            byte[] d = v.ciphertextAndIcv();
            if (step.equals("forgery")) {
                d[d.length - 1] ^= 1;
                assertFalse(engine.open(iv, 0, aad, aad.length, d, 0, d.length), step);
            } else {
                assertTrue(engine.open(iv, 0, aad, aad.length, d, 0, d.length), step);
                assertEquals(hex(plaintext), hex(Arrays.copyOf(d, plaintext.length)), step);
            }
        }
    }

    /**
     * 64- and 96-bit ICVs of AES-GCM-ESP. No published ESP vector uses them; per NIST SP 800-38D section 7.1 the t-bit
     * tag is the leftmost t bits of the full tag, so each published vector gives these derived answers.
     */
    @ParameterizedTest(name = "{0} / {1} / ICV {2}")
    @MethodSource("gcmVectorsEnginesAndShortIcvs")
    void truncatedIcvIsTheLeadingPartOfTheTag(Vector v, EngineKind kind, int icvLength) {
        byte[] aad = v.espAad();
        byte[] plaintext = v.plaintextBytes();
        byte[] expected = concat(v.ciphertextBytes(), Arrays.copyOf(v.icvBytes(), icvLength));

        byte[] buffer = Arrays.copyOf(plaintext, plaintext.length + icvLength);
        int n = engine(v, kind, icvLength).seal(v.ivBytes(), 0, aad, aad.length, buffer, 0, plaintext.length);
        assertEquals(expected.length, n);
        assertEquals(hex(expected), hex(buffer));

        byte[] data = expected.clone();
        assertTrue(engine(v, kind, icvLength).open(v.ivBytes(), 0, aad, aad.length, data, 0, data.length));
        assertEquals(hex(plaintext), hex(Arrays.copyOf(data, plaintext.length)));

        byte[] forged = expected.clone();
        forged[forged.length - 1] ^= 1;
        assertFalse(engine(v, kind, icvLength).open(v.ivBytes(), 0, aad, aad.length, forged, 0, forged.length));
        // the full 16-byte tag is not a valid 8/12-byte ICV
        byte[] longer = v.ciphertextAndIcv();
        assertFalse(engine(v, kind, icvLength).open(v.ivBytes(), 0, aad, aad.length, longer, 0, longer.length));
    }

    /**
     * JCA and Bouncy Castle seal identically and open each other's output, over {@value #CROSS_CHECK_CASES} random
     * cases per algorithm and ICV length: key sizes, salts, IVs, 8- and 12-byte AADs, and payload lengths including
     * 0, 1, 15, 16, 17, 1400 and 65536.
     */
    @ParameterizedTest(name = "{0} ICV {1}")
    @MethodSource("algorithmsAndIcvLengths")
    void jcaAndBouncyCastleAgreeOnRandomInputs(AeadAlgorithm algorithm, int icvLength) {
        long seed = 0x4e455446524147L + algorithm.ordinal() * 31L + icvLength;
        Random rnd = new Random(seed);
        int[] aesKeyLengths = {16, 24, 32};
        for (int c = 0; c < CROSS_CHECK_CASES; c++) {
            int length = c < CROSS_CHECK_LENGTHS.length ? CROSS_CHECK_LENGTHS[c] : rnd.nextInt(2049);
            byte[] key = bytes(rnd, algorithm == AeadAlgorithm.CHACHA20_POLY1305 ? 32 : aesKeyLengths[c % 3]);
            byte[] salt = bytes(rnd, algorithm.saltLength());
            byte[] iv = bytes(rnd, 8);
            boolean esn = rnd.nextBoolean();
            byte[] aad = bytes(rnd, esn ? 12 : 8);
            int spi = rnd.nextInt() | 0x100;
            byte[] plaintext = bytes(rnd, length);
            String where = algorithm + " ICV " + icvLength + " seed " + seed + " case " + c + " length " + length;

            SecurityAssociation jcaSa = SecurityAssociation.builder().destination(destination()).spi(spi).reqid(1)
                    .replayWindow(32).esn(esn).aead(algorithm, key, salt, icvLength * 8).engine(EngineKind.JCA)
                    .build();
            SecurityAssociation bcSa = jcaSa.withEngine(EngineKind.BOUNCY_CASTLE);
            // a sending and a receiving engine per side; an IV is used once per engine (engine reuse has its own test)
            AeadEngine jca = jcaSa.newEngine();
            AeadEngine bc = bcSa.newEngine();
            assertTrue(jca instanceof JcaAeadEngine && bc instanceof BouncyCastleAeadEngine, where);

            byte[] sealedJca = Arrays.copyOf(plaintext, length + icvLength);
            byte[] sealedBc = Arrays.copyOf(plaintext, length + icvLength);
            assertEquals(length + icvLength, jca.seal(iv, 0, aad, aad.length, sealedJca, 0, length), where);
            assertEquals(length + icvLength, bc.seal(iv, 0, aad, aad.length, sealedBc, 0, length), where);
            assertArrayEquals(sealedBc, sealedJca, where);
            if (algorithm == AeadAlgorithm.AES_GMAC) {
                assertArrayEquals(plaintext, Arrays.copyOf(sealedJca, length), "GMAC leaves the payload: " + where);
            }

            byte[] opened = sealedJca.clone();
            assertTrue(bcSa.newEngine().open(iv, 0, aad, aad.length, opened, 0, opened.length),
                    "BC opens JCA: " + where);
            assertArrayEquals(plaintext, Arrays.copyOf(opened, length), where);
            opened = sealedBc.clone();
            assertTrue(jcaSa.newEngine().open(iv, 0, aad, aad.length, opened, 0, opened.length),
                    "JCA opens BC: " + where);
            assertArrayEquals(plaintext, Arrays.copyOf(opened, length), where);

            byte[] tampered = sealedJca.clone();
            int bit = rnd.nextInt(tampered.length * 8);
            tampered[bit / 8] ^= (byte) (1 << (bit % 8));
            assertFalse(jcaSa.newEngine().open(iv, 0, aad, aad.length, tampered.clone(), 0, tampered.length),
                    "JCA, tampered: " + where);
            assertFalse(bcSa.newEngine().open(iv, 0, aad, aad.length, tampered.clone(), 0, tampered.length),
                    "BC, tampered: " + where);
        }
    }

    /** First, middle and last index of a region of the given length (none when empty). */
    private static int[] positions(int length) {
        if (length == 0) {
            return new int[0];
        }
        return Arrays.stream(new int[] {0, length / 2, length - 1}).distinct().toArray();
    }

    private static byte[] bytes(Random rnd, int n) {
        byte[] b = new byte[n];
        rnd.nextBytes(b);
        return b;
    }

    private static String hex(byte[] b) {
        return HEX.formatHex(b);
    }
}
