package io.netfrag.esp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netfrag.esp.SecurityAssociation.EngineKind;
import io.netfrag.internal.esp.EspTransform;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Known answers for the ESP suites beside the AEAD ones, on both engines, through the transform the decoder uses (an
 * ESP packet from its SPI in a byte array): AES-CBC with HMAC-SHA-1/-256 (Linux {@code crypto/testmgr.h}
 * {@code hmac_sha1_aes_cbc_tv_temp[4]} and {@code hmac_sha256_aes_cbc_tv_temp[4]}: RFC 3602 case 5 with the ICV over
 * SPI ‖ sequence ‖ IV ‖ ciphertext, as ESP computes it), the RFC 3602 §4 ESP packets (cases 5–8), AES-CTR (RFC 3686
 * §6, all nine), AES-CCM (Linux {@code aes_ccm_rfc4309_tv_template}), and the HMACs (RFC 2202, RFC 4231, and Linux's
 * {@code hmac_sha1_ecb_cipher_null_tv_temp[1]}) through ESP-NULL, whose ICV covers exactly the bytes given.
 */
class CipherAuthKnownAnswerTest {
    private static final HexFormat HEX = HexFormat.of();

    private static byte[] hex(String s) {
        return HEX.parseHex(s);
    }

    private static InetAddress destination() {
        try {
            return InetAddress.getByName("192.168.123.100");
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    private static SecurityAssociation.Builder sa(EngineKind engine) {
        return SecurityAssociation.builder().destination(destination()).spi(0x4321).engine(engine);
    }

    /** The first {@code n} bytes of a MAC computed by the JDK directly, independent of the transform. */
    private static byte[] icv(String jcaName, byte[] key, byte[] data, int n) throws Exception {
        Mac mac = Mac.getInstance(jcaName);
        mac.init(new SecretKeySpec(key, jcaName));
        return Arrays.copyOf(mac.doFinal(data), n);
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int i = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, i, p.length);
            i += p.length;
        }
        return out;
    }

    /** Opens {@code packet} (from its SPI) at an offset of 3 in a larger array; returns the plaintext or null. */
    private static byte[] open(EspTransform t, byte[] packet, int sequenceHigh) {
        byte[] array = new byte[packet.length + 5];
        System.arraycopy(packet, 0, array, 3, packet.length);
        if (!t.open(array, 3, packet.length, sequenceHigh)) {
            return null;
        }
        int start = 3 + 8 + t.ivLength();
        return Arrays.copyOfRange(array, start, 3 + packet.length - t.icvLength());
    }

    /** Seals header ‖ IV ‖ plaintext and returns the packet. */
    private static byte[] seal(EspTransform t, byte[] headerAndIv, byte[] plaintext, int sequenceHigh) {
        byte[] array = new byte[headerAndIv.length + plaintext.length + t.icvLength()];
        System.arraycopy(headerAndIv, 0, array, 0, headerAndIv.length);
        System.arraycopy(plaintext, 0, array, headerAndIv.length, plaintext.length);
        assertEquals(array.length, t.seal(array, 0, plaintext.length, sequenceHigh));
        return array;
    }

    /** Linux's authenc(hmac(shaN),cbc(aes)) entry for RFC 3602 case 5: {alg, authkey, enckey, assoc, ptext, ctext}. */
    static Stream<Arguments> linuxAuthencCbc() {
        List<Arguments> a = new ArrayList<>();
        for (EngineKind engine : EngineKind.values()) {
            a.add(Arguments.of(engine, AuthenticationAlgorithm.HMAC_SHA1, "112233445566778899aabbccddeeff1122334455",
                "90d382b410eeba7ad938c46cec1a82bf",
                "0000432100000001e96e8c08ab465763fd098d45dd3ff893",
                "08000ebda70a00008e9c083db95b070008090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
                + "202122232425262728292a2b2c2d2e2f30313233343536370102030405060708090a0b0c0d0e0e01",
                "f663c25d325c18c6a9453e194e120849a4870b66cc6b9965330013b4898dc856a4699e523a55db08"
                + "0b59ec3a8e4b7e52775b07d1db34ed9c538ab50c551b874aa269add047ad2d5913ac19b7cfbad4a6"
                + "58c68475e4e96b0ce1c50b734d8255a885e159f7"));
            a.add(Arguments.of(engine, AuthenticationAlgorithm.HMAC_SHA256, "112233445566778899aabbccddeeff112233445566778899aabbccddeeff1122",
                "90d382b410eeba7ad938c46cec1a82bf",
                "0000432100000001e96e8c08ab465763fd098d45dd3ff893",
                "08000ebda70a00008e9c083db95b070008090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
                + "202122232425262728292a2b2c2d2e2f30313233343536370102030405060708090a0b0c0d0e0e01",
                "f663c25d325c18c6a9453e194e120849a4870b66cc6b9965330013b4898dc856a4699e523a55db08"
                + "0b59ec3a8e4b7e52775b07d1db34ed9c538ab50c551b874aa269add047ad2d5913ac19b7cfbad4a6"
                + "bbd40fbea33b4cb83ad2e10386a559b773c346202cb1ef68bb8a327e128c69cf"));
        }
        return a.stream();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("linuxAuthencCbc")
    void cbcWithHmacAsLinuxAuthenc(EngineKind engine, AuthenticationAlgorithm auth, String authKey, String encKey,
            String assoc, String plaintext, String ciphertextAndIcv) {
        byte[] packet = hex(assoc + ciphertextAndIcv); // SPI ‖ sequence ‖ IV ‖ ciphertext ‖ full-length ICV
        SecurityAssociation full = sa(engine).encryption(EncryptionAlgorithm.AES_CBC, hex(encKey))
                .authentication(auth, hex(authKey), auth.fullBits()).build();
        assertArrayEquals(hex(plaintext), open(full.newTransform(), packet, 0));
        assertArrayEquals(packet, seal(full.newTransform(), hex(assoc), hex(plaintext), 0), "sealed as published");
        // with Linux's default (truncated) ICV the packet carries the MAC's first bytes
        SecurityAssociation truncated = sa(engine).encryption(EncryptionAlgorithm.AES_CBC, hex(encKey))
                .authentication(auth, hex(authKey), 0).build();
        int icv = truncated.icvLength();
        assertEquals(12, icv, "Linux's default for " + auth.xfrmName());
        byte[] shorter = Arrays.copyOf(packet, packet.length - auth.fullBits() / 8 + icv);
        assertArrayEquals(hex(plaintext), open(truncated.newTransform(), shorter, 0));
        for (int i : new int[] {0, 7, 24, shorter.length - 1}) { // SPI, sequence, ciphertext, ICV
            byte[] tampered = shorter.clone();
            tampered[i] ^= 1;
            assertEquals(null, open(truncated.newTransform(), tampered, 0), "tampered byte " + i);
        }
    }

    /** RFC 3602 §4 cases 5–8: {case, key, ESP packet without ICV, plaintext with padding and trailer}. */
    static Stream<Arguments> rfc3602() {
        List<Arguments> a = new ArrayList<>();
        for (EngineKind engine : EngineKind.values()) {
            a.add(Arguments.of(engine, 5, "90d382b410eeba7ad938c46cec1a82bf",
                "0000432100000001e96e8c08ab465763fd098d45dd3ff893f663c25d325c18c6a9453e194e120849"
                + "a4870b66cc6b9965330013b4898dc856a4699e523a55db080b59ec3a8e4b7e52775b07d1db34ed9c"
                + "538ab50c551b874aa269add047ad2d5913ac19b7cfbad4a6",
                "08000ebda70a00008e9c083db95b070008090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
                + "202122232425262728292a2b2c2d2e2f30313233343536370102030405060708090a0b0c0d0e0e01"));
            a.add(Arguments.of(engine, 6, "90d382b410eeba7ad938c46cec1a82bf",
                "000043210000000869d08df7d203329db093fc4924e5bd80f51995881ec4e0c4488987ce742e8109"
                + "689bb379d2d750c0d915dca346a89f75",
                "0800b5e8a80a0500a69c083d0b660e0077777777777777777777777701020201"));
            a.add(Arguments.of(engine, 7, "0123456789abcdef0123456789abcdef",
                "0000876500000002f4e765244f6407adf13dc1380f673f37773b5241a4c449225e4f3ce5ed611b0c"
                + "237ca96cf74a93013c1b0ea1a0cf70f8e4ecaec78ac53aad7a0f022b859243c647752e94a859352b"
                + "8a4d4d2decd136e5c177f132ad3fbfb2201ac9904c74ee0a109e0ca1e4dfe9d5a100b842f1c22f0d",
                "45000054090400004001f988c0a87b03c0a87bc808009f76a90a0100b49c083d02a2040008090a0b"
                + "0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f30313233"
                + "343536370102030405060708090a0a04"));
            a.add(Arguments.of(engine, 8, "0123456789abcdef0123456789abcdef",
                "000087650000000585d47224b5f3dd5d2101d4ea8dffab2215b92683819596a8047232cc00f7048f"
                + "e45318e11f8a0f62ede3c3fc61203bb50f980a08c9843fd3a1b06d5c07ff9639b7eb7dfb3512e5de"
                + "435e7207ed971ef3d2726d9b5ef6affc6d17a0decbb13892",
                "45000044090c00004001f990c0a87b03c0a87bc80800d63caa0a0200c69c083da3de0300ffffffff"
                + "ffffffffffffffffffffffffffffffffffffffffffffffffffffffff0102030405060708090a0a04"));
        }
        return a.stream();
    }

    @ParameterizedTest(name = "{0} case {1}")
    @MethodSource("rfc3602")
    void rfc3602EspPacketsDecrypt(EngineKind engine, int number, String key, String esp, String plaintext)
            throws Exception {
        byte[] authKey = hex("0102030405060708090a0b0c0d0e0f1011121314");
        byte[] unauthenticated = hex(esp);
        byte[] packet = concat(unauthenticated, icv("HmacSHA1", authKey, unauthenticated, 12));
        SecurityAssociation s = sa(engine).spi(0x4321).encryption(EncryptionAlgorithm.AES_CBC, hex(key))
                .authentication(AuthenticationAlgorithm.HMAC_SHA1, authKey, 96).build();
        assertArrayEquals(hex(plaintext), open(s.newTransform(), packet, 0), "case " + number);
        byte[] headerAndIv = Arrays.copyOf(unauthenticated, 24);
        assertArrayEquals(packet, seal(s.newTransform(), headerAndIv, hex(plaintext), 0), "case " + number);
    }

    /** RFC 3686 §6: {vector, AES key, nonce, IV, plaintext, ciphertext}. */
    static Stream<Arguments> rfc3686() {
        List<Arguments> a = new ArrayList<>();
        for (EngineKind engine : EngineKind.values()) {
            a.add(Arguments.of(engine, 1, "ae6852f8121067cc4bf7a5765577f39e", "00000030", "0000000000000000",
                "53696e676c6520626c6f636b206d7367",
                "e4095d4fb7a7b3792d6175a3261311b8"));
            a.add(Arguments.of(engine, 2, "7e24067817fae0d743d6ce1f32539163", "006cb6db", "c0543b59da48d90b",
                "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
                "5104a106168a72d9790d41ee8edad388eb2e1efc46da57c8fce630df9141be28"));
            a.add(Arguments.of(engine, 3, "7691be035e5020a8ac6e618529f9a0dc", "00e0017b", "27777f3f4a1786f0",
                "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20212223",
                "c1cf48a89f2ffdd9cf4652e9efdb72d74540a42bde6d7836d59a5ceaaef3105325b2072f"));
            a.add(Arguments.of(engine, 4, "16af5b145fc9f579c175f93e3bfb0eed863d06ccfdb78515", "00000048", "36733c147d6d93cb",
                "53696e676c6520626c6f636b206d7367",
                "4b55384fe259c9c84e7935a003cbe928"));
            a.add(Arguments.of(engine, 5, "7c5cb2401b3dc33c19e7340819e0f69c678c3db8e6f6a91a", "0096b03b", "020c6eadc2cb500d",
                "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
                "453243fc609b23327edfaafa7131cd9f8490701c5ad4a79cfc1fe0ff42f4fb00"));
            a.add(Arguments.of(engine, 6, "02bf391ee8ecb159b959617b0965279bf59b60a786d3e0fe", "0007bdfd", "5cbd60278dcc0912",
                "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20212223",
                "96893fc55e5c722f540b7dd1ddf7e758d288bc95c69165884536c811662f2188abee0935"));
            a.add(Arguments.of(engine, 7, "776beff2851db06f4c8a0542c8696f6c6a81af1eec96b4d37fc1d689e6c1c104", "00000060", "db5672c97aa8f0b2",
                "53696e676c6520626c6f636b206d7367",
                "145ad01dbf824ec7560863dc71e3e0c0"));
            a.add(Arguments.of(engine, 8, "f6d66d6bd52d59bb0796365879eff886c66dd51a5b6a99744b50590c87a23884", "00faac24", "c1585ef15a43d875",
                "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
                "f05e231b3894612c49ee000b804eb2a9b8306b508f839d6a5530831d9344af1c"));
            a.add(Arguments.of(engine, 9, "ff7a617ce69148e4f1726e2f43581de2aa62d9f805532edff1eed687fb54153d", "001cc5b7", "51a51d70a1c11148",
                "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20212223",
                "eb6c52821d0bbbf7ce7594462aca4faab407df866569fd07f48cc0b583d6071f1ec0e6b8"));
        }
        return a.stream();
    }

    @ParameterizedTest(name = "{0} vector {1}")
    @MethodSource("rfc3686")
    void rfc3686CounterMode(EngineKind engine, int number, String key, String nonce, String iv, String plaintext,
            String ciphertext) throws Exception {
        byte[] authKey = hex("a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf");
        SecurityAssociation s = sa(engine).encryption(EncryptionAlgorithm.AES_CTR, hex(key + nonce))
                .authentication(AuthenticationAlgorithm.HMAC_SHA256, authKey, 128).build();
        byte[] headerAndIv = hex("0000432100000001" + iv);
        byte[] unauthenticated = concat(headerAndIv, hex(ciphertext));
        byte[] packet = concat(unauthenticated, icv("HmacSHA256", authKey, unauthenticated, 16));
        assertArrayEquals(hex(plaintext), open(s.newTransform(), packet, 0), "vector " + number);
        assertArrayEquals(packet, seal(s.newTransform(), headerAndIv, hex(plaintext), 0), "vector " + number);
    }

    /** Linux's rfc4309(ccm(aes)) entries: {entry, AES key, salt, IV, ESP AAD, plaintext, ciphertext ‖ tag}. */
    static Stream<Arguments> rfc4309() {
        List<Arguments> a = new ArrayList<>();
        for (EngineKind engine : EngineKind.values()) {
            a.add(Arguments.of(engine, 1, "feffe9928665731c6d6a8f9467308308", "000000", "0000000000000001", "0000000000000000",
                "00000000000000000000000000000000",
                "cfb99917c8860e7f7e76f8e6f8cc1f176ae0539f4b737eda08094ec41eadc6b0"));
            a.add(Arguments.of(engine, 7, "4c80cdefbb5d10da906ac73c3613a634", "2e443b", "4956ed7e3b244cfe", "000043218765432100000000",
                "45000048699a000080114db7c0a80102c0a801010a9bf15638d301000001000000000000045f7369"
                + "70045f756470037369700963796265726369747902646b000021000101020201",
                "89ba3eefe6d6cfdb8360f5ba3a5679e67e0c53cf9e87e04e1a260124c72e3dbf292c91c1b8a8cfe0"
                + "39f8536d31222bbf9881fc34ee8536cd26db6c7a0c778a35188554b2bcdd3f4361068adf863fb4ac"
                + "97dcbdfd9210c5ff"));
            a.add(Arguments.of(engine, 8, "feffe9928665731c6d6a8f9467308308", "cafeba", "facedbaddecaf888", "0000a5f80000000a",
                "4500003e698f000080114dccc0a80102c0a801010a980035002a2343b2d001000001000000000000"
                + "037369700963796265726369747902646b00000100010001",
                "4bc2706064d2f3c8e5268adeb87e7d1656c7d288ba8d58aff571b63784a7b199515c0da027dee72d"
                + "ef25881f1d7711ffdbedee5616c55c9b00621f684e7ca09710727e53133b68e43099917909eaff6a"));
            a.add(Arguments.of(engine, 9, "abbccddef00112233445566778899aababbccddef00112233445566778899aab", "112233", "0102030405060708", "4a2cbfe300000002",
                "4500003069a6400080062690c0a801029389155e0a9e008b2dc57ee0000000007002400020bf0000"
                + "020405b40101040201020201",
                "d6310d2b3d6fbd2f58417eff9a9e09b41af7f64231cdbfad270e2cf2db10df558f0dd7ac23bd4210"
                + "d0b2afd837ac6b0b11d40b12ecb4b19223a610b026d6d9265a486a3e"));
            a.add(Arguments.of(engine, 13, "feffe9928665731c6d6a8f9467308308feffe9928665731c", "cafeba", "facedbaddecaf888", "0000a5f80000000a",
                "45000028a4ad4000400678800a01038f0a010612802306b8cb712602dd6bb03e501016d075680001",
                "052215d152568504a85c5d6d7e6ef5faea163750f3df843b2f321857342a8c2367df6d357b540dfb"
                + "34a59f6c48301e22feb12217178ab95b"));
            a.add(Arguments.of(engine, 18, "7d773d00c144c525ac619d18c84a3f47", "d96642", "43457e9182443bc6", "335467aeffffffff",
                "01020201",
                "4c7263302fe656ddd0d8609d8bef8590f7612462"));
        }
        return a.stream();
    }

    @ParameterizedTest(name = "{0} entry {1}")
    @MethodSource("rfc4309")
    void ccmAsLinuxRfc4309(EngineKind engine, int entry, String key, String salt, String iv, String aad,
            String plaintext, String ciphertextAndTag) {
        byte[] a = hex(aad); // SPI ‖ sequence, or SPI ‖ high sequence bits ‖ sequence with ESN
        boolean esn = a.length == 12;
        SecurityAssociation s = sa(engine).replayWindow(32).esn(esn)
                .aead(AeadAlgorithm.AES_CCM, hex(key), hex(salt), 128).build();
        byte[] header = esn ? concat(Arrays.copyOfRange(a, 0, 4), Arrays.copyOfRange(a, 8, 12)) : a;
        int sequenceHigh = esn ? java.nio.ByteBuffer.wrap(a, 4, 4).getInt() : 0;
        byte[] headerAndIv = concat(header, hex(iv));
        byte[] packet = concat(headerAndIv, hex(ciphertextAndTag));
        assertArrayEquals(hex(plaintext), open(s.newTransform(), packet, sequenceHigh), "entry " + entry);
        assertArrayEquals(packet, seal(s.newTransform(), headerAndIv, hex(plaintext), sequenceHigh));
        packet[packet.length - 1] ^= 1;
        assertEquals(null, open(s.newTransform(), packet, sequenceHigh), "tag tampered");
    }

    /** RFC 2202 / RFC 4231 HMACs: {algorithm, case, key, data, digest}. */
    static Stream<Arguments> hmacs() {
        List<Arguments> a = new ArrayList<>();
        for (EngineKind engine : EngineKind.values()) {
            a.add(Arguments.of(engine, AuthenticationAlgorithm.HMAC_SHA1, "RFC 2202 case 1",
                "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
                "4869205468657265",
                "b617318655057264e28bc0b6fb378c8ef146be00"));
            a.add(Arguments.of(engine, AuthenticationAlgorithm.HMAC_SHA1, "RFC 2202 case 2",
                "4a656665",
                "7768617420646f2079612077616e7420666f72206e6f7468696e673f",
                "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"));
            a.add(Arguments.of(engine, AuthenticationAlgorithm.HMAC_SHA1, "RFC 2202 case 3",
                "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd"
                + "dddddddddddddddddddd",
                "125d7342b9ac11cd91a39af48aa17b4f63f175d3"));
            a.add(Arguments.of(engine, AuthenticationAlgorithm.HMAC_SHA1, "RFC 2202 case 4",
                "0102030405060708090a0b0c0d0e0f10111213141516171819",
                "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd"
                + "cdcdcdcdcdcdcdcdcdcd",
                "4c9007f4026250c6bc8414f9bf50c86c2d7235da"));
            a.add(Arguments.of(engine, AuthenticationAlgorithm.HMAC_SHA1, "RFC 2202 case 6",
                "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                + "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                "54657374205573696e67204c6172676572205468616e20426c6f636b2d53697a65204b6579202d20"
                + "48617368204b6579204669727374",
                "aa4ae5e15272d00e95705637ce8a3b55ed402112"));
            a.add(Arguments.of(engine, AuthenticationAlgorithm.HMAC_SHA1, "RFC 2202 case 7",
                "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                + "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                "54657374205573696e67204c6172676572205468616e20426c6f636b2d53697a65204b657920616e"
                + "64204c6172676572205468616e204f6e6520426c6f636b2d53697a652044617461",
                "e8e99d0f45237d786d6bbaa7965c7808bbff1a91"));
            a.add(Arguments.of(engine, AuthenticationAlgorithm.HMAC_SHA256, "RFC 4231 case 1",
                "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
                "4869205468657265",
                "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"));
            a.add(Arguments.of(engine, AuthenticationAlgorithm.HMAC_SHA384, "RFC 4231 case 1",
                "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
                "4869205468657265",
                "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59cfaea9ea9076ede7f"
                + "4af152e8b2fa9cb6"));
            a.add(Arguments.of(engine, AuthenticationAlgorithm.HMAC_SHA512, "RFC 4231 case 1",
                "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
                "4869205468657265",
                "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cdedaa833b7d6b8a702"
                + "038b274eaea3f4e4be9d914eeb61f1702e696c203a126854"));
            a.add(Arguments.of(engine, AuthenticationAlgorithm.HMAC_SHA256, "RFC 4231 case 2",
                "4a656665",
                "7768617420646f2079612077616e7420666f72206e6f7468696e673f",
                "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"));
            a.add(Arguments.of(engine, AuthenticationAlgorithm.HMAC_SHA384, "RFC 4231 case 2",
                "4a656665",
                "7768617420646f2079612077616e7420666f72206e6f7468696e673f",
                "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c7"
                + "8b3239ecfab21649"));
            a.add(Arguments.of(engine, AuthenticationAlgorithm.HMAC_SHA512, "RFC 4231 case 2",
                "4a656665",
                "7768617420646f2079612077616e7420666f72206e6f7468696e673f",
                "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a"
                + "6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737"));
            a.add(Arguments.of(engine, AuthenticationAlgorithm.HMAC_SHA256, "RFC 4231 case 3",
                "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd"
                + "dddddddddddddddddddd",
                "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"));
            a.add(Arguments.of(engine, AuthenticationAlgorithm.HMAC_SHA384, "RFC 4231 case 3",
                "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd"
                + "dddddddddddddddddddd",
                "88062608d3e6ad8a0aa2ace014c8a86f0aa635d947ac9febe83ef4e55966144b2a5ab39dc13814b9"
                + "4e3ab6e101a34f27"));
            a.add(Arguments.of(engine, AuthenticationAlgorithm.HMAC_SHA512, "RFC 4231 case 3",
                "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd"
                + "dddddddddddddddddddd",
                "fa73b0089d56a284efb0f0756c890be9b1b5dbdd8ee81a3655f83e33b2279d39bf3e848279a722c8"
                + "06b485a47e67c807b946a337bee8942674278859e13292fb"));
            a.add(Arguments.of(engine, AuthenticationAlgorithm.HMAC_SHA256, "RFC 4231 case 4",
                "0102030405060708090a0b0c0d0e0f10111213141516171819",
                "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd"
                + "cdcdcdcdcdcdcdcdcdcd",
                "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"));
            a.add(Arguments.of(engine, AuthenticationAlgorithm.HMAC_SHA384, "RFC 4231 case 4",
                "0102030405060708090a0b0c0d0e0f10111213141516171819",
                "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd"
                + "cdcdcdcdcdcdcdcdcdcd",
                "3e8a69b7783c25851933ab6290af6ca77a9981480850009cc5577c6e1f573b4e6801dd23c4a7d679"
                + "ccf8a386c674cffb"));
            a.add(Arguments.of(engine, AuthenticationAlgorithm.HMAC_SHA512, "RFC 4231 case 4",
                "0102030405060708090a0b0c0d0e0f10111213141516171819",
                "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd"
                + "cdcdcdcdcdcdcdcdcdcd",
                "b0ba465637458c6990e5a8c5f61d4af7e576d97ff94b872de76f8050361ee3dba91ca5c11aa25eb4"
                + "d679275cc5788063a5f19741120c4f2de2adebeb10a298dd"));
            a.add(Arguments.of(engine, AuthenticationAlgorithm.HMAC_SHA256, "RFC 4231 case 6",
                "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                + "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                + "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                + "aaaaaaaaaaaaaaaaaaaaaa",
                "54657374205573696e67204c6172676572205468616e20426c6f636b2d53697a65204b6579202d20"
                + "48617368204b6579204669727374",
                "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"));
            a.add(Arguments.of(engine, AuthenticationAlgorithm.HMAC_SHA384, "RFC 4231 case 6",
                "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                + "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                + "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                + "aaaaaaaaaaaaaaaaaaaaaa",
                "54657374205573696e67204c6172676572205468616e20426c6f636b2d53697a65204b6579202d20"
                + "48617368204b6579204669727374",
                "4ece084485813e9088d2c63a041bc5b44f9ef1012a2b588f3cd11f05033ac4c60c2ef6ab4030fe82"
                + "96248df163f44952"));
            a.add(Arguments.of(engine, AuthenticationAlgorithm.HMAC_SHA512, "RFC 4231 case 6",
                "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                + "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                + "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                + "aaaaaaaaaaaaaaaaaaaaaa",
                "54657374205573696e67204c6172676572205468616e20426c6f636b2d53697a65204b6579202d20"
                + "48617368204b6579204669727374",
                "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f3526b56d037e05f2598"
                + "bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598"));
            a.add(Arguments.of(engine, AuthenticationAlgorithm.HMAC_SHA256, "RFC 4231 case 7",
                "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                + "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                + "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                + "aaaaaaaaaaaaaaaaaaaaaa",
                "5468697320697320612074657374207573696e672061206c6172676572207468616e20626c6f636b"
                + "2d73697a65206b657920616e642061206c6172676572207468616e20626c6f636b2d73697a652064"
                + "6174612e20546865206b6579206e6565647320746f20626520686173686564206265666f72652062"
                + "65696e6720757365642062792074686520484d414320616c676f726974686d2e",
                "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"));
            a.add(Arguments.of(engine, AuthenticationAlgorithm.HMAC_SHA384, "RFC 4231 case 7",
                "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                + "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                + "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                + "aaaaaaaaaaaaaaaaaaaaaa",
                "5468697320697320612074657374207573696e672061206c6172676572207468616e20626c6f636b"
                + "2d73697a65206b657920616e642061206c6172676572207468616e20626c6f636b2d73697a652064"
                + "6174612e20546865206b6579206e6565647320746f20626520686173686564206265666f72652062"
                + "65696e6720757365642062792074686520484d414320616c676f726974686d2e",
                "6617178e941f020d351e2f254e8fd32c602420feb0b8fb9adccebb82461e99c5a678cc31e799176d"
                + "3860e6110c46523e"));
            a.add(Arguments.of(engine, AuthenticationAlgorithm.HMAC_SHA512, "RFC 4231 case 7",
                "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                + "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                + "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                + "aaaaaaaaaaaaaaaaaaaaaa",
                "5468697320697320612074657374207573696e672061206c6172676572207468616e20626c6f636b"
                + "2d73697a65206b657920616e642061206c6172676572207468616e20626c6f636b2d73697a652064"
                + "6174612e20546865206b6579206e6565647320746f20626520686173686564206265666f72652062"
                + "65696e6720757365642062792074686520484d414320616c676f726974686d2e",
                "e37b6a775dc87dbaa4dfa9f96e5e3ffddebd71f8867289865df5a32d20cdc944b6022cac3c4982b1"
                + "0d5eeb55c3e4de15134676fb6de0446065c97440fa8c6a58"));
            // Linux hmac_sha1_ecb_cipher_null_tv_temp[1]: RFC 2410 case 2's data, a zero key, the full ICV
            a.add(Arguments.of(engine, AuthenticationAlgorithm.HMAC_SHA1, "Linux cipher_null entry 1", "0000000000000000000000000000000000000000",
                "4e6574776f726b2053656375726974792050656f706c652048617665204120537472616e67652053"
                + "656e7365204f662048756d6f72",
                "756f421ef85021d26547ee8e1aef16f69156e4d6"));
        }
        return a.stream();
    }

    /**
     * Through ESP-NULL the ICV covers exactly the packet's bytes before it, so a published (key, data, digest)
     * triple is an ESP-NULL packet whose first 8 data bytes are read as SPI and sequence number.
     */
    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("hmacs")
    void hmacsThroughEspNull(EngineKind engine, AuthenticationAlgorithm auth, String name, String key, String data,
            String digest) {
        byte[] packet = hex(data + digest);
        SecurityAssociation full = sa(engine).encryption(EncryptionAlgorithm.NULL, new byte[0])
                .authentication(auth, hex(key), auth.fullBits()).build();
        assertArrayEquals(Arrays.copyOfRange(hex(data), 8, hex(data).length), open(full.newTransform(), packet, 0));
        SecurityAssociation linux = sa(engine).encryption(EncryptionAlgorithm.NULL, new byte[0])
                .authentication(auth, hex(key), 0).build();
        byte[] truncated = Arrays.copyOf(packet, hex(data).length + linux.icvLength());
        assertTrue(open(linux.newTransform(), truncated, 0) != null, "Linux's default ICV: the digest's first bytes");
        truncated[truncated.length - 1] ^= 1;
        assertEquals(null, open(linux.newTransform(), truncated, 0));
    }

    /** With ESN the high sequence bits follow the ciphertext in the ICV's input and are not sent (RFC 4303 §2.2.1). */
    @ParameterizedTest
    @EnumSource(EngineKind.class)
    void esnHighBitsAreAuthenticatedNotSent(EngineKind engine) throws Exception {
        byte[] authKey = hex("000102030405060708090a0b0c0d0e0f10111213");
        SecurityAssociation s = sa(engine).replayWindow(64).esn(true)
                .encryption(EncryptionAlgorithm.NULL, new byte[0])
                .authentication(AuthenticationAlgorithm.HMAC_SHA1, authKey, 96).build();
        byte[] payload = hex("0000432100000007" + "deadbeef0102020501020304");
        byte[] expectedIcv = icv("HmacSHA1", authKey, concat(payload, hex("00000002")), 12);
        assertArrayEquals(concat(payload, expectedIcv), seal(s.newTransform(), Arrays.copyOf(payload, 8),
                Arrays.copyOfRange(payload, 8, payload.length), 2));
        byte[] packet = concat(payload, expectedIcv);
        assertTrue(open(s.newTransform(), packet, 2) != null);
        assertEquals(null, open(s.newTransform(), packet, 3), "another high half: another ICV");
    }

    /**
     * RFC 3602 cases 5 (transport, ICMP) and 7 (tunnel, an inner IPv4 ICMP packet) as received: behind their outer
     * IPv4 headers, with an HMAC-SHA-1-96 ICV appended, through the whole receive path.
     */
    @ParameterizedTest
    @EnumSource(EngineKind.class)
    void publishedPacketsThroughTheReceivePath(EngineKind engine) throws Exception {
        byte[] authKey = hex("0102030405060708090a0b0c0d0e0f1011121314");
        String[][] cases = {
            {"transport", "4500007c08f200004032f9a5c0a87b03c0a87b64", "90d382b410eeba7ad938c46cec1a82bf",
                "0000432100000001e96e8c08ab465763fd098d45dd3ff893f663c25d325c18c6a9453e194e120849"
                + "a4870b66cc6b9965330013b4898dc856a4699e523a55db080b59ec3a8e4b7e52775b07d1db34ed9c"
                + "538ab50c551b874aa269add047ad2d5913ac19b7cfbad4a6",
                "08000ebda70a00008e9c083db95b070008090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
                + "202122232425262728292a2b2c2d2e2f30313233343536370102030405060708090a0b0c0d0e0e01"},
            {"tunnel", "4500008c090500004032f91ec0a87b03c0a87bc8", "0123456789abcdef0123456789abcdef",
                "0000876500000002f4e765244f6407adf13dc1380f673f37773b5241a4c449225e4f3ce5ed611b0c"
                + "237ca96cf74a93013c1b0ea1a0cf70f8e4ecaec78ac53aad7a0f022b859243c647752e94a859352b"
                + "8a4d4d2decd136e5c177f132ad3fbfb2201ac9904c74ee0a109e0ca1e4dfe9d5a100b842f1c22f0d",
                "45000054090400004001f988c0a87b03c0a87bc808009f76a90a0100b49c083d02a2040008090a0b"
                + "0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f30313233"
                + "343536370102030405060708090a0a04"}};
        for (String[] c : cases) {
            byte[] header = hex(c[1]);
            byte[] esp = hex(c[3]);
            byte[] icv = icv("HmacSHA1", authKey, esp, 12);
            io.netty.buffer.ByteBuf packet = io.netty.buffer.Unpooled.buffer().writeBytes(header).writeBytes(esp)
                    .writeBytes(icv);
            packet.setShort(2, packet.readableBytes()); // the outer header's length, with the ICV appended
            io.netfrag.internal.wire.Ipv4Header.updateChecksum(packet, 0, 20);
            InetAddress source = InetAddress.getByAddress(Arrays.copyOfRange(header, 12, 16));
            InetAddress dest = InetAddress.getByAddress(Arrays.copyOfRange(header, 16, 20));
            SecurityAssociation s = SecurityAssociation.builder().source(source).destination(dest)
                    .spi(java.nio.ByteBuffer.wrap(esp).getInt())
                    .mode(c[0].equals("tunnel") ? SecurityAssociation.Mode.TUNNEL : SecurityAssociation.Mode.TRANSPORT)
                    .encryption(EncryptionAlgorithm.AES_CBC, hex(c[2]))
                    .authentication(AuthenticationAlgorithm.HMAC_SHA1, authKey, 0).engine(engine).build();
            SaDatabase db = new SaDatabase();
            db.add(s);
            io.netty.channel.embedded.EmbeddedChannel ch = io.netfrag.ReceivePath.builder().sas(db).build()
                    .newEmbeddedChannel();
            ch.writeInbound(packet);
            io.netfrag.packet.IpPacket delivered = ch.readInbound();
            try {
                byte[] plaintext = hex(c[4]);
                int payloadLength = plaintext.length - (plaintext[plaintext.length - 2] & 0xff) - 2;
                byte[] payload = Arrays.copyOf(plaintext, payloadLength);
                io.netty.buffer.ByteBuf content = delivered.content();
                int upper = content.readerIndex() + delivered.upperOffset();
                byte[] got = new byte[content.writerIndex() - (c[0].equals("tunnel") ? content.readerIndex() : upper)];
                content.getBytes(c[0].equals("tunnel") ? content.readerIndex() : upper, got);
                assertArrayEquals(payload, got, c[0]);
                assertEquals(1, delivered.protocol(), "ICMP");
            } finally {
                delivered.release();
                assertFalse(ch.finishAndReleaseAll());
                db.clear();
            }
        }
    }
}
