package io.netfrag.esp;

import io.netfrag.internal.esp.AeadEngine;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;

/**
 * Published known-answer vectors for the ESP combined-mode algorithms, as data (hex), for the engine and decoder tests.
 *
 * <p>Sources (only the hex data is copied; see the comment above each vector):
 * <ul>
 *   <li>draft-mcgrew-gcm-test-01, "Test Cases for the use of Galois/Counter Mode (GCM) and Galois Message
 *       Authentication Code (GMAC) in IPsec ESP" (D. McGrew, March 2009), section 4 "Test Cases": 16 AES-GCM-ESP
 *       cases (128/192/256-bit keys, 4-octet and 8-octet (ESN) sequence numbers, all with 16-octet ICVs) and one
 *       AES-GMAC-ESP case. Text read from the copy in {@code ysoftwareab/know-your-ietf-well},
 *       {@code draft-mcgrew-gcm-test-01.txt}. Cases are numbered here in the order they appear in section 4
 *       (the draft does not number them); the page is given too.</li>
 *   <li>RFC 7634, "ChaCha20, Poly1305, and Their Use in the Internet Key Exchange Protocol (IKE) and IPsec",
 *       Appendix A "ESP Example" (key, salt, SPI, sequence number, IV, ESP plaintext, ciphertext, tag); data as
 *       reproduced in OpenBSD {@code regress/sys/crypto/chachapoly/chachapoly_test.c} ("Test vector from RFC7634
 *       Appendix A"), cross-checked against an independent copy in a public AES-GCM/ChaCha bench test-case file.</li>
 *   <li>RFC 7539, "ChaCha20 and Poly1305 for IETF Protocols", Appendix A.5 (the AEAD decryption example), whose
 *       12-byte nonce is 00000000 ‖ 0102030405060708 and whose 12-byte AAD has the ESN layout; used in this ESP
 *       form (36-byte key ‖ salt 00000000, IV 0102030405060708) by OpenBSD's chachapoly_test.c.</li>
 *   <li>Linux {@code crypto/testmgr.h} (torvalds/linux, stored version 00637a6fc1565d83204509b4cfba3437202b1963):
 *       {@code aes_gcm_rfc4106_dec_tv_template} (7 vectors "Generated using Crypto++") and
 *       {@code aes_gcm_rfc4543_dec_tv_template} (the draft-mcgrew GMAC case and a must-fail variant). In that
 *       version {@code .assoc} is SPI ‖ sequence (8 bytes, or 12 with ESN) and {@code .iv} is separate; in later
 *       kernels the associated data also ends with the 8-byte IV (test flag {@code aad_iv}), and those trailing 8
 *       bytes are not part of the AAD that ESP feeds. {@code .key} is the AES key followed by the 4-byte salt
 *       ({@code klen} 20); the template's {@code .iv} strings are 12 bytes long but only the first 8 (the ESP IV,
 *       {@code ivsize} 8) are used.</li>
 * </ul>
 *
 * <p>ESP packet layout of {@link Vector#packet()} (as section 4 of draft-mcgrew-gcm-test-01 gives it: the ESP header
 * onwards, no IP header): SPI (4) ‖ Sequence Number (4; the low 32 bits with ESN, the high 32 bits are not sent) ‖
 * IV (8) ‖ ciphertext ‖ ICV. For AES-GMAC the payload after the IV is in clear: SPI ‖ Sequence Number ‖ IV ‖ payload ‖
 * ICV. The "plaintext" of each vector is the whole ESP plaintext, i.e. payload ‖ TFC padding ‖ padding ‖ pad length ‖
 * next header. Note that the draft's plaintexts are test data, not consistent packets: in several cases the inner
 * IPv4 total length covers the ESP trailer and the next-header byte (often 01) does not describe the payload. Only
 * RFC 7634's example is a consistent tunnel-mode payload (84-byte IPv4 packet, pad 01 02, pad length 2, next header 4).
 * {@link Vector#espPacket()} assembles the same layout from the fields, for vectors whose source gives no packet.
 */
public final class EspTestVectors {

    private EspTestVectors() {
    }

    /**
     * One vector.
     *
     * @param name short name for test reports
     * @param source document and section, or file and template
     * @param algorithm the algorithm
     * @param key cipher key without salt, hex
     * @param salt 4-byte salt, hex
     * @param spi SPI as in the AAD (may be 0 in a vector: SecurityAssociation rejects 0, tests use another SPI for
     *     the SA, the engine only sees the AAD)
     * @param esn whether the AAD carries the 64-bit extended sequence number
     * @param seq sequence number (64 bits with ESN, else the low 32 bits count)
     * @param iv the 8-byte explicit IV, hex
     * @param aad the AAD as the source gives it, hex (for GMAC: SPI ‖ seq ‖ IV ‖ payload, the whole GMAC AAD)
     * @param plaintext ESP plaintext, hex
     * @param ciphertext ciphertext without ICV, hex (for GMAC the payload itself, which stays in clear)
     * @param icv the ICV (full 16-byte tag), hex
     * @param packet the ESP packet as the source gives it, hex, or {@code null}
     * @param mustVerify {@code false} for a published must-fail vector (open must return false)
     */
    public record Vector(String name, String source, AeadAlgorithm algorithm, String key, String salt, int spi,
            boolean esn, long seq, String iv, String aad, String plaintext, String ciphertext, String icv,
            String packet, boolean mustVerify) {

        /** The key bytes (without salt). */
        public byte[] keyBytes() {
            return hex(key);
        }

        /** The salt bytes. */
        public byte[] saltBytes() {
            return hex(salt);
        }

        /** The IV bytes. */
        public byte[] ivBytes() {
            return hex(iv);
        }

        /** The published AAD bytes. */
        public byte[] publishedAad() {
            return hex(aad);
        }

        /** The plaintext bytes. */
        public byte[] plaintextBytes() {
            return hex(plaintext);
        }

        /** The ciphertext bytes (payload for GMAC), without the ICV. */
        public byte[] ciphertextBytes() {
            return hex(ciphertext);
        }

        /** The full ICV. */
        public byte[] icvBytes() {
            return hex(icv);
        }

        /** Ciphertext followed by the ICV, as it sits in the packet. */
        public byte[] ciphertextAndIcv() {
            return concat(ciphertextBytes(), icvBytes());
        }

        /** The low 32 bits of the sequence number: what the ESP header carries. */
        public int seqLow() {
            return (int) seq;
        }

        /** The high 32 bits of the sequence number (ESN only). */
        public int seqHigh() {
            return (int) (seq >>> 32);
        }

        /**
         * The AAD the ESP layer builds from the header fields: SPI ‖ seq (8 bytes), or SPI ‖ seq_hi ‖ seq_lo
         * (12 bytes) with ESN. For GMAC this is the part passed to {@link AeadEngine} as {@code aad}; the engine adds
         * the IV and the payload itself.
         */
        public byte[] espAad() {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            putInt(out, spi);
            if (esn) {
                putInt(out, seqHigh());
            }
            putInt(out, seqLow());
            return out.toByteArray();
        }

        /** SPI ‖ seq_lo ‖ IV ‖ ciphertext (payload for GMAC) ‖ ICV, assembled from the fields. */
        public byte[] espPacket() {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            putInt(out, spi);
            putInt(out, seqLow());
            out.writeBytes(ivBytes());
            out.writeBytes(ciphertextBytes());
            out.writeBytes(icvBytes());
            return out.toByteArray();
        }

        /** The source's packet bytes, or {@code null}. */
        public byte[] packetBytes() {
            return packet == null ? null : hex(packet);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    /** Hex to bytes; whitespace is ignored. */
    public static byte[] hex(String s) {
        return HexFormat.of().parseHex(s.replaceAll("\\s+", ""));
    }

    /** Concatenation. */
    public static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    private static void putInt(ByteArrayOutputStream out, int v) {
        out.write(v >>> 24);
        out.write(v >>> 16);
        out.write(v >>> 8);
        out.write(v);
    }

    private static final String MCGREW = "draft-mcgrew-gcm-test-01 section 4";
    private static final String TESTMGR_4106 = "Linux crypto/testmgr.h aes_gcm_rfc4106_dec_tv_template";
    private static final String TESTMGR_4543 = "Linux crypto/testmgr.h aes_gcm_rfc4543_dec_tv_template";

    private static Vector gcm(String name, String source, String key, String salt, int spi, boolean esn, long seq,
            String iv, String aad, String plaintext, String ctextAndTag, String packet) {
        byte[] ct = hex(ctextAndTag);
        HexFormat h = HexFormat.of();
        String c = h.formatHex(ct, 0, ct.length - 16);
        String t = h.formatHex(ct, ct.length - 16, ct.length);
        return new Vector(name, source, AeadAlgorithm.AES_GCM, key, salt, spi, esn, seq, iv, aad, plaintext, c, t,
                packet, true);
    }

    /** AES-GCM-ESP (RFC 4106) vectors. */
    public static final List<Vector> AES_GCM;

    /** AES-GMAC-ESP (RFC 4543) vectors; the last one must fail verification. */
    public static final List<Vector> AES_GMAC;

    /** ChaCha20-Poly1305 for ESP (RFC 7634) vectors. */
    public static final List<Vector> CHACHA20_POLY1305;

    static {
        List<Vector> g = new ArrayList<>();

        // draft-mcgrew-gcm-test-01 section 4, case 1 (page 7): AES-128, ESN
        g.add(gcm("mcgrew case 1 (AES-128, ESN)", MCGREW + ", case 1, page 7",
                "4c80cdefbb5d10da906ac73c3613a634", "2e443b68", 0x00004321, true, 0x8765432100000000L,
                "4956ed7e3b244cfe", "000043218765432100000000",
                "45000048699a000080114db7c0a80102 c0a801010a9bf15638d3010000010000 00000000045f736970045f7564700373"
                        + " 69700963796265726369747902646b00 0021000101020201",
                "fecf537e729d5b07dc30df528dd22b76 8d1b98736696a6fd348509fa13ceac34 cfa2436f14a3f3cf65925bf1f4a13c5d"
                        + " 15b21e1884f5ff6247aeabb786b93bce 61bc17d768fd9732459018148f6cbe72 2fd04796562dfdb4",
                "00004321000000004956ed7e3b244cfe fecf537e729d5b07dc30df528dd22b76 8d1b98736696a6fd348509fa13ceac34"
                        + " cfa2436f14a3f3cf65925bf1f4a13c5d 15b21e1884f5ff6247aeabb786b93bce"
                        + " 61bc17d768fd9732459018148f6cbe72 2fd04796562dfdb4"));

        // draft-mcgrew-gcm-test-01 section 4, case 2 (page 8): AES-128
        g.add(gcm("mcgrew case 2 (AES-128)", MCGREW + ", case 2, page 8",
                "feffe9928665731c6d6a8f9467308308", "cafebabe", 0x0000a5f8, false, 0x0000000aL,
                "facedbaddecaf888", "0000a5f80000000a",
                "4500003e698f000080114dccc0a80102 c0a801010a980035002a2343b2d00100 00010000000000000373697009637962"
                        + " 65726369747902646b00000100010001",
                "deb22cd9b07c72c16e3a65beeb8df304 a5a5897d33ae530f1ba76d5d114d2a5c 3de81827c10e9a4f51330d0eec416642"
                        + " cfbb85a5b47e48a4ec3b9ba95d918bd1 83b70d3aa8bc6ee4c309e9d85a41ad4a",
                "0000a5f80000000afacedbaddecaf888 deb22cd9b07c72c16e3a65beeb8df304 a5a5897d33ae530f1ba76d5d114d2a5c"
                        + " 3de81827c10e9a4f51330d0eec416642 cfbb85a5b47e48a4ec3b9ba95d918bd1"
                        + " 83b70d3aa8bc6ee4c309e9d85a41ad4a"));

        // draft-mcgrew-gcm-test-01 section 4, case 3 (page 9): AES-256
        g.add(gcm("mcgrew case 3 (AES-256)", MCGREW + ", case 3, page 9",
                "abbccddef00112233445566778899aab abbccddef00112233445566778899aab", "11223344", 0x4a2cbfe3, false,
                0x00000002L, "0102030405060708", "4a2cbfe300000002",
                "4500003069a6400080062690c0a80102 9389155e0a9e008b2dc57ee000000000 7002400020bf0000020405b401010402"
                        + " 01020201",
                "ff425c9b724599df7a3bcd510194e00d 6a78107f1b0b1cbf06efae9d65a5d763 748a637985771d347f0545659f14e99d"
                        + " ef842d8eb335f4eecfdbf831824b4c49 15956c96",
                "4a2cbfe3000000020102030405060708 ff425c9b724599df7a3bcd510194e00d 6a78107f1b0b1cbf06efae9d65a5d763"
                        + " 748a637985771d347f0545659f14e99d ef842d8eb335f4eecfdbf831824b4c49 15956c96"));

        // draft-mcgrew-gcm-test-01 section 4, case 4 (page 10): AES-128, all-zero key, salt, IV, SPI 0
        g.add(gcm("mcgrew case 4 (AES-128, SPI 0)", MCGREW + ", case 4, page 10",
                "00000000000000000000000000000000", "00000000", 0x00000000, false, 0x00000001L,
                "0000000000000000", "0000000000000001",
                "4500003c99c500008001cb7a40679318 010101010800075c0200440061626364 65666768696a6b6c6d6e6f7071727374"
                        + " 75767761626364656667686901020201",
                "4688daf2f973a392732909c331d56d60 f694abaa414b5e7ff5fdcdfff5e9a284 456476492719ffb64de7d9dca1e1d894"
                        + " bc3bd57873ed4d181d19d4d5c8c18af3 f821d496eeb096e98ad2b69e4799c71d",
                "00000000000000010000000000000000 4688daf2f973a392732909c331d56d60 f694abaa414b5e7ff5fdcdfff5e9a284"
                        + " 456476492719ffb64de7d9dca1e1d894 bc3bd57873ed4d181d19d4d5c8c18af3"
                        + " f821d496eeb096e98ad2b69e4799c71d"));

        // draft-mcgrew-gcm-test-01 section 4, case 5 (page 11): AES-128, ESN
        g.add(gcm("mcgrew case 5 (AES-128, ESN)", MCGREW + ", case 5, page 11",
                "3de09874b388e6491988d0c3607eae1f", "57690e43", 0x42f67e3f, true, 0x1010101010101010L,
                "4e280000a2fca1a3", "42f67e3f1010101010101010",
                "4500003c99c300008001cb7c40679318 010101010800085c0200430061626364 65666768696a6b6c6d6e6f7071727374"
                        + " 75767761626364656667686901020201",
                "fba2caa4853cf9f0f22cb10d86dd83b0 fec75691cf1a04b00d1138ec9c357917 65acbd8701ad79845bf9fe3fba487bc9"
                        + " 1755e6662b4c8d0d1f5e22739530320a e0d731cc978ecafaeae88f00e80d6e48",
                "42f67e3f101010104e280000a2fca1a3 fba2caa4853cf9f0f22cb10d86dd83b0 fec75691cf1a04b00d1138ec9c357917"
                        + " 65acbd8701ad79845bf9fe3fba487bc9 1755e6662b4c8d0d1f5e22739530320a"
                        + " e0d731cc978ecafaeae88f00e80d6e48"));

        // draft-mcgrew-gcm-test-01 section 4, case 6 (page 12, first): AES-128, ESN, 28-byte plaintext
        g.add(gcm("mcgrew case 6 (AES-128, ESN)", MCGREW + ", case 6, page 12",
                "3de09874b388e6491988d0c3607eae1f", "57690e43", 0x42f67e3f, true, 0x1010101010101010L,
                "4e280000a2fca1a3", "42f67e3f1010101010101010",
                "4500001c42a200008001441f406793b6 e00000020a00f5ff01020201",
                "fba2ca845e5df9f0f22c3e6e86dd831e 1fc65792cd1af9130e1379ed369f071f 35e034be95f112e4e7d05d35",
                "42f67e3f101010104e280000a2fca1a3 fba2ca845e5df9f0f22c3e6e86dd831e 1fc65792cd1af9130e1379ed369f071f"
                        + " 35e034be95f112e4e7d05d35"));

        // draft-mcgrew-gcm-test-01 section 4, case 7 (page 12, second): AES-192
        g.add(gcm("mcgrew case 7 (AES-192)", MCGREW + ", case 7, page 12",
                "feffe9928665731c6d6a8f9467308308 feffe9928665731c", "cafebabe", 0x0000a5f8, false, 0x0000000aL,
                "facedbaddecaf888", "0000a5f80000000a",
                "45000028a4ad4000400678800a01038f 0a010612802306b8cb712602dd6bb03e 501016d075680001",
                "a5b1f8066029aea40e598b8122de0242 0938b3ab33f828e687b8858b5bfbdbd0 315b27452144cc7795457b9652037f53"
                        + " 18027b5b4cd7a636",
                "0000a5f80000000afacedbaddecaf888 a5b1f8066029aea40e598b8122de0242 0938b3ab33f828e687b8858b5bfbdbd0"
                        + " 315b27452144cc7795457b9652037f53 18027b5b4cd7a636"));

        // draft-mcgrew-gcm-test-01 section 4, case 8 (page 13): AES-128, ESN (high 32 bits 0)
        g.add(gcm("mcgrew case 8 (AES-128, ESN)", MCGREW + ", case 8, page 13",
                "abbccddef00112233445566778899aab", "decaf888", 0x00000100, true, 0x0000000000000001L,
                "cafedebaceface74", "000001000000000000000001",
                "4500004933ba00007f119106c3fb1d10 c2b1d326c02831ce0035dd7b800302d5 00004e20001e8c18d75b81dc91baa047"
                        + " 6b91b924b280389d92c963bac046ec95 9b6266c04722b14923010101",
                "18a6fd42f72cbf4ab2a2ea901f73d814 e3e7f243d95412e1c349c1d2fbec168f 9190feebaf2cb01984e65863965d7472"
                        + " b79da345e0e780191f0d2f0e0f496c22 6f2127b27db35724e7845d68651f57e6 5f354f75ff17015769623436",
                "0000010000000001cafedebaceface74 18a6fd42f72cbf4ab2a2ea901f73d814 e3e7f243d95412e1c349c1d2fbec168f"
                        + " 9190feebaf2cb01984e65863965d7472 b79da345e0e780191f0d2f0e0f496c22"
                        + " 6f2127b27db35724e7845d68651f57e6 5f354f75ff17015769623436"));

        // draft-mcgrew-gcm-test-01 section 4, case 9 (page 14): AES-256, ESN
        g.add(gcm("mcgrew case 9 (AES-256, ESN)", MCGREW + ", case 9, page 14",
                "abbccddef00112233445566778899aab abbccddef00112233445566778899aab", "73616c74", 0x17405e67, true,
                0x156f3126dd0db99bL, "616e640169766563", "17405e67156f3126dd0db99b",
                "45080028732c00004006e9f90a010612 0a01038f06b88023dd6bafbecb712602 50101f646d540001",
                "f2d69ecdbd5a0d5b8d5ef38bad4da58d 1f278fde98ef67549d524a3018d9a57f f4d3a31ce673119e451626c2415771e3"
                        + " b7eebca614c89b35",
                "17405e67dd0db99b616e640169766563 f2d69ecdbd5a0d5b8d5ef38bad4da58d 1f278fde98ef67549d524a3018d9a57f"
                        + " f4d3a31ce673119e451626c2415771e3 b7eebca614c89b35"));

        // draft-mcgrew-gcm-test-01 section 4, case 10 (page 15): AES-128, ESN
        g.add(gcm("mcgrew case 10 (AES-128, ESN)", MCGREW + ", case 10, page 15",
                "3de09874b388e6491988d0c3607eae1f", "57690e43", 0x42f67e3f, true, 0x1010101010101010L,
                "4e280000a2fca1a3", "42f67e3f1010101010101010",
                "45000049333e00007f119182c3fb1d10 c2b1d326c02831ce0035cb458003025b 000001e0001e8c18d65759d52284a035"
                        + " 2c71475c8880391c764d6e5ee0496b32 5ae270c03899493915010101",
                "fba2cad12fc1f9f00d3cebf305410db8 3d7784b607323d220f24b0a97d541828 00cadb0f68d99ef0e0c0c89ae9bea888"
                        + " 4e52d65bc1afd0740f742444747b5b39 ab533163aad4550ee5160975cdb608c5 769189609763b8e18caa81e2",
                "42f67e3f101010104e280000a2fca1a3 fba2cad12fc1f9f00d3cebf305410db8 3d7784b607323d220f24b0a97d541828"
                        + " 00cadb0f68d99ef0e0c0c89ae9bea888 4e52d65bc1afd0740f742444747b5b39"
                        + " ab533163aad4550ee5160975cdb608c5 769189609763b8e18caa81e2"));

        // draft-mcgrew-gcm-test-01 section 4, case 11 (page 16): AES-256, ESN
        g.add(gcm("mcgrew case 11 (AES-256, ESN)", MCGREW + ", case 11, page 16",
                "abbccddef00112233445566778899aab abbccddef00112233445566778899aab", "73616c74", 0x17405e67, true,
                0x156f3126dd0db99bL, "616e640169766563", "17405e67156f3126dd0db99b",
                "636973636f0172756c65730174686501 6e6574776501646566696e6501746865 746563686e6f6c6f6769657301746861"
                        + " 7477696c6c01646566696e65746f6d6f 72726f7701020201",
                "d4b7ed86a1777f2ea13d6973d324c69e 7b43f826fb56831226508bebd2dceb18 d0a6df10e5487df074113e14c641024e"
                        + " 3e6773d91a62ee429b043a10e3efe6b0 12a49363412364f8c0cac587f249e56b 11e24f30e44ccc76",
                "17405e67dd0db99b616e640169766563 d4b7ed86a1777f2ea13d6973d324c69e 7b43f826fb56831226508bebd2dceb18"
                        + " d0a6df10e5487df074113e14c641024e 3e6773d91a62ee429b043a10e3efe6b0"
                        + " 12a49363412364f8c0cac587f249e56b 11e24f30e44ccc76"));

        // draft-mcgrew-gcm-test-01 section 4, case 12 (page 17, first): AES-128, 4-byte plaintext, seq ffffffff
        g.add(gcm("mcgrew case 12 (AES-128, 4-byte plaintext)", MCGREW + ", case 12, page 17",
                "7d773d00c144c525ac619d18c84a3f47", "d9664267", 0x335467ae, false, 0xffffffffL,
                "43457e9182443bc6", "335467aeffffffff",
                "01020201",
                "437f866bcb3f699fe9b0822bac961c45 04bef270",
                "335467aeffffffff43457e9182443bc6 437f866bcb3f699fe9b0822bac961c45 04bef270"));

        // draft-mcgrew-gcm-test-01 section 4, case 13 (page 17, second): AES-128, ESN, 20-byte plaintext
        g.add(gcm("mcgrew case 13 (AES-128, ESN)", MCGREW + ", case 13, page 17",
                "abbccddef00112233445566778899aab", "decaf888", 0x00000100, true, 0x0000000000000001L,
                "cafedebaceface74", "000001000000000000000001",
                "746f016265016f72016e6f7401746f01 62650001",
                "29c9fc69a197d038ccdd14e2ddfcaa05 43332164412503524303ed3c6c5f2838 43af8c3e",
                "0000010000000001cafedebaceface74 29c9fc69a197d038ccdd14e2ddfcaa05 43332164412503524303ed3c6c5f2838"
                        + " 43af8c3e"));

        // draft-mcgrew-gcm-test-01 section 4, case 14 (page 18): AES-256, ESN ffffffffffffffff
        g.add(gcm("mcgrew case 14 (AES-256, ESN)", MCGREW + ", case 14, page 18",
                "6c6567616c697a656d6172696a75616e 61616e64646f69746265666f72656961", "7475726e", 0x796b6963, true,
                0xffffffffffffffffL, "333021696765746d", "796b6963ffffffffffffffff",
                "45000030da3a00008001df3bc0a80005 c0a800010800c6cd0200070061626364 65666768696a6b6c6d6e6f7071727374"
                        + " 01020201",
                "f97ab2aa356d8edce17644ac8c78e25d d24dedbb29ebf1b64a274b39b49c3a86 4cd3d78ca4ae68a32b42458fb57dbe82"
                        + " 1dcc63b9d0937ba2945f669368661a32 9fb4c053",
                "796b6963ffffffff333021696765746d f97ab2aa356d8edce17644ac8c78e25d d24dedbb29ebf1b64a274b39b49c3a86"
                        + " 4cd3d78ca4ae68a32b42458fb57dbe82 1dcc63b9d0937ba2945f669368661a32 9fb4c053"));

        // (case 15 of section 4, page 19, is the AES-GMAC-ESP case: see AES_GMAC below)

        // draft-mcgrew-gcm-test-01 section 4, case 16 (page 20): AES-128, ESN
        g.add(gcm("mcgrew case 16 (AES-128, ESN)", MCGREW + ", case 16, page 20",
                "3de09874b388e6491988d0c3607eae1f", "57690e43", 0x3f7ef642, true, 0x1010101010101010L,
                "4e280000a2fca1a3", "3f7ef6421010101010101010",
                "45000030da3a00008001df3bc0a80005 c0a800010800c6cd0200070061626364 65666768696a6b6c6d6e6f7071727374"
                        + " 01020201",
                "fba2caa8c6c5f9f0f22ca54a061210ad 3f6e5791cf1aca210d117cec9c357917 65acbd8701ad79845bf9fe3fba487bc9"
                        + " 6321930684eecadb56912546e7a95c97 40d7cb05",
                "3f7ef642101010104e280000a2fca1a3 fba2caa8c6c5f9f0f22ca54a061210ad 3f6e5791cf1aca210d117cec9c357917"
                        + " 65acbd8701ad79845bf9fe3fba487bc9 6321930684eecadb56912546e7a95c97 40d7cb05"));

        // draft-mcgrew-gcm-test-01 section 4, case 17 (page 21): AES-128, ESN
        g.add(gcm("mcgrew case 17 (AES-128, ESN)", MCGREW + ", case 17, page 21",
                "4c80cdefbb5d10da906ac73c3613a634", "22433c64", 0x00004321, true, 0x8765432100000007L,
                "4855ec7d3a234bfd", "000043218765432100000007",
                "0800c6cd020007006162636465666768 696a6b6c6d6e6f707172737401020201",
                "74752e8aeb5d873cd7c0f4acc36c4bff 84b7d7b98f0ca8b6acda6894bc619069 ef9cbc28fe1b56a7c4e0d58c86cd2bc0",
                "00004321000000074855ec7d3a234bfd 74752e8aeb5d873cd7c0f4acc36c4bff 84b7d7b98f0ca8b6acda6894bc619069"
                        + " ef9cbc28fe1b56a7c4e0d58c86cd2bc0"));

        // Linux crypto/testmgr.h, aes_gcm_rfc4106_dec_tv_template[0] ("Generated using Crypto++"): key, salt, IV
        // and AAD all zero (AAD = SPI 0 ‖ seq 0)
        g.add(gcm("testmgr rfc4106 #1 (zero key)", TESTMGR_4106 + "[0]",
                "00000000000000000000000000000000", "00000000", 0, false, 0L, "0000000000000000",
                "0000000000000000", "00000000000000000000000000000000",
                "0388DACE60B6A392F328C2B971B2FE78 97FE4C23374201E0819F8DC5D741A01B", null));

        // Linux crypto/testmgr.h, aes_gcm_rfc4106_dec_tv_template[1]
        g.add(gcm("testmgr rfc4106 #2", TESTMGR_4106 + "[1]",
                "feffe9928665731c6d6a8f9467308308", "00000000", 0, false, 0L, "0000000000000001",
                "0000000000000000", "00000000000000000000000000000000",
                "C00D8B420F8F341888B1C5BCC5B6D628 6A9DDF115EFE5E9D2F704492F7F2E3EF", null));

        // Linux crypto/testmgr.h, aes_gcm_rfc4106_dec_tv_template[2]
        g.add(gcm("testmgr rfc4106 #3", TESTMGR_4106 + "[2]",
                "feffe9928665731c6d6a8f9467308308", "00000000", 0, false, 0L, "0000000000000000",
                "0000000000000000", "01010101010101010101010101010101",
                "4BB1B5E3257170DE7FC99CA51419F2AC 0B8F886917E6B43CB168FD14526461B2", null));

        // Linux crypto/testmgr.h, aes_gcm_rfc4106_dec_tv_template[3] (AAD 0101010101010101)
        g.add(gcm("testmgr rfc4106 #4", TESTMGR_4106 + "[3]",
                "feffe9928665731c6d6a8f9467308308", "00000000", 0x01010101, false, 0x01010101L, "0000000000000000",
                "0101010101010101", "01010101010101010101010101010101",
                "4BB1B5E3257170DE7FC99CA51419F2AC 9092B7E35FA39A637ED71FD8D37C4BF5", null));

        // Linux crypto/testmgr.h, aes_gcm_rfc4106_dec_tv_template[4]
        g.add(gcm("testmgr rfc4106 #5", TESTMGR_4106 + "[4]",
                "feffe9928665731c6d6a8f9467308308", "00000000", 0x01010101, false, 0x01010101L, "0000000000000001",
                "0101010101010101", "01010101010101010101010101010101",
                "C10C8A430E8E351989B0C4BDC4B7D729 6450F93213FB7461F4ED52D3C510553C", null));

        // Linux crypto/testmgr.h, aes_gcm_rfc4106_dec_tv_template[5] (64-byte plaintext)
        g.add(gcm("testmgr rfc4106 #6 (64 bytes)", TESTMGR_4106 + "[5]",
                "feffe9928665731c6d6a8f9467308308", "00000000", 0x01010101, false, 0x01010101L, "0000000000000001",
                "0101010101010101", "01".repeat(64),
                "C10C8A430E8E351989B0C4BDC4B7D729 9814A1423780FD90681201A89189B983 5B1177129BFF2489945F1812BA270939"
                        + " 99967642151CCDCBDCD3DA6573AF80CD D2B6C24A76C29285BDCF62985814E5BD", null));

        // Linux crypto/testmgr.h, aes_gcm_rfc4106_dec_tv_template[6] (192-byte plaintext, 12-byte AAD aa..aa, taken
        // here as SPI aaaaaaaa with ESN aaaaaaaaaaaaaaaa)
        g.add(gcm("testmgr rfc4106 #7 (192 bytes, 12-byte AAD)", TESTMGR_4106 + "[6]",
                "000102030405060708090a0b0c0d0e0f", "00000000", 0xaaaaaaaa, true, 0xaaaaaaaaaaaaaaaaL,
                "0000456789abcdef", "aaaaaaaaaaaaaaaaaaaaaaaa", "ff".repeat(192),
                "C1763385E29B5FDE DE893D42E7C9698A 446DC388462EC201 5EF60C39F0C4A582"
                        + " CDE831CC0A4CE444 41A9826F22A1231A A8E316FD315C2731 F17F0163A3AF70A1"
                        + " CF07574167D0C442 DB18C64C4CE03D9F 0507FB137D4ACA5B F0BF647E05B172EE"
                        + " 7C3BD4CD1403B22C D3A9EEFA17FC9CDF C77540FFAEAD1E59 2F3024FBAD6B10FA"
                        + " 6C9F5BE725D5D025 AC4A4BDAFC7A851B 7E1306820817A435 ECC58D6396810A8F"
                        + " A3053895201A4704 6F6DDA8FEFC17635 6BC74D0F9412CA3E 2ED5032E867EAA3B"
                        + " 37081CCFBA5D7146 8072B04C820D603C", null));

        AES_GCM = Collections.unmodifiableList(g);

        List<Vector> m = new ArrayList<>();
        String gmacPayload = "45000030da3a00008001df3bc0a80005 c0a800010800c6cd0200070061626364"
                + " 65666768696a6b6c6d6e6f7071727374 01020201";

        // draft-mcgrew-gcm-test-01 section 4, case 15 (page 19): AES-GMAC-ESP, AES-128. The draft lists the GMAC AAD
        // (SPI ‖ seq ‖ IV ‖ payload, 68 octets), an empty GCM plaintext and the packet; the tag is the packet's last
        // 16 octets. Also Linux crypto/testmgr.h aes_gcm_rfc4543_dec_tv_template[0] ("From draft-mcgrew-gcm-test-01").
        m.add(new Vector("mcgrew case 15 (AES-GMAC-128)", MCGREW + ", case 15, page 19; " + TESTMGR_4543 + "[0]",
                AeadAlgorithm.AES_GMAC, "4c80cdefbb5d10da906ac73c3613a634", "22433c64", 0x00004321, false, 0x00000007L,
                "0000000000000000",
                "00004321000000070000000000000000 45000030da3a00008001df3bc0a80005 c0a800010800c6cd0200070061626364"
                        + " 65666768696a6b6c6d6e6f7071727374 01020201",
                gmacPayload, gmacPayload, "f2a9a836e155106aa8dcd618e4099aaa",
                "00004321000000070000000000000000 45000030da3a00008001df3bc0a80005 c0a800010800c6cd0200070061626364"
                        + " 65666768696a6b6c6d6e6f7071727374 01020201f2a9a836e155106aa8dcd618 e4099aaa",
                true));

        // Linux crypto/testmgr.h aes_gcm_rfc4543_dec_tv_template[1] ("nearly same as previous, but should fail"):
        // the last 4 tag bytes are zero; open must return false
        m.add(new Vector("testmgr rfc4543 #2 (must fail)", TESTMGR_4543 + "[1]",
                AeadAlgorithm.AES_GMAC, "4c80cdefbb5d10da906ac73c3613a634", "22433c64", 0x00004321, false, 0x00000007L,
                "0000000000000000",
                "00004321000000070000000000000000 45000030da3a00008001df3bc0a80005 c0a800010800c6cd0200070061626364"
                        + " 65666768696a6b6c6d6e6f7071727374 01020201",
                gmacPayload, gmacPayload, "f2a9a836e155106aa8dcd61800000000", null, false));

        AES_GMAC = Collections.unmodifiableList(m);

        List<Vector> c = new ArrayList<>();

        // RFC 7634 Appendix A "ESP Example": tunnel-mode ESP, SPI 0x01020304, sequence number 5, key 80..9f, salt
        // a0a1a2a3, IV 1011121314151617; plaintext = 84-byte IPv4/ICMP packet ‖ pad 01 02 ‖ pad length 02 ‖ next
        // header 04. (Data as in OpenBSD regress chachapoly_test.c, "Test vector from RFC7634 Appendix A".) The RFC's
        // packet is not reproduced here; espPacket() assembles SPI ‖ seq ‖ IV ‖ ciphertext ‖ tag from these fields.
        c.add(new Vector("RFC 7634 Appendix A", "RFC 7634 Appendix A (ESP Example)", AeadAlgorithm.CHACHA20_POLY1305,
                "808182838485868788898a8b8c8d8e8f 909192939495969798999a9b9c9d9e9f",
                "a0a1a2a3", 0x01020304, false, 5L, "1011121314151617", "0102030400000005",
                "45000054a6f200004001e778c6336405 c000020508005b7a3a080000553bec10 0007362708090a0b0c0d0e0f10111213"
                        + " 1415161718191a1b1c1d1e1f20212223 2425262728292a2b2c2d2e2f30313233"
                        + " 3435363701020204",
                "24039428b97f417e3c13753a4f05087b 67c352e6a7fab1b982d466ef407ae5c6 14ee8099d52844eb61aa95dfab4c02f7"
                        + " 2aa71e7c4c4f64c9befe2facc638e8f3 cbec163fac469b502773f6fb94e664da"
                        + " 9165b82829f641e0",
                "76aaa8266b7fb0f7b11b369907e1ad43", null, true));

        // RFC 7539 Appendix A.5 (AEAD decryption example) in ESP form: nonce 00000000 ‖ 0102030405060708 = salt ‖ IV;
        // the 12-byte AAD f3338886 00000000 00004e91 has the ESN layout (SPI f3338886, seq_hi 0, seq_lo 0x4e91).
        // Same data in OpenBSD regress chachapoly_test.c ("Test vector from RFC7539 Appendix A.5", 36-byte key ‖ salt).
        c.add(new Vector("RFC 7539 A.5 (ESP form, 12-byte AAD)", "RFC 7539 Appendix A.5",
                AeadAlgorithm.CHACHA20_POLY1305,
                "1c9240a5eb55d38af333888604f6b5f0 473917c1402b80099dca5cbc207075c0",
                "00000000", 0xf3338886, true, 0x4e91L, "0102030405060708", "f33388860000000000004e91",
                "496e7465726e65742d44726166747320 61726520647261667420646f63756d65 6e74732076616c696420666f72206120"
                        + " 6d6178696d756d206f6620736978206d 6f6e74687320616e64206d6179206265"
                        + " 20757064617465642c207265706c6163 65642c206f72206f62736f6c65746564"
                        + " 206279206f7468657220646f63756d65 6e747320617420616e792074696d652e"
                        + " 20497420697320696e617070726f7072 6961746520746f2075736520496e7465"
                        + " 726e65742d4472616674732061732072 65666572656e6365206d617465726961"
                        + " 6c206f7220746f206369746520746865 6d206f74686572207468616e20617320"
                        + " 2fe2809c776f726b20696e2070726f67 726573732e2fe2809d",
                "64a0861575861af460f062c79be643bd 5e805cfd345cf389f108670ac76c8cb2 4c6cfc18755d43eea09ee94e382d26b0"
                        + " bdb7b73c321b0100d4f03b7f355894cf 332f830e710b97ce98c8a84abd0b9481"
                        + " 14ad176e008d33bd60f982b1ff37c855 9797a06ef4f0ef61c186324e2b350638"
                        + " 3606907b6a7c02b0f9f6157b53c867e4 b9166c767b804d46a59b5216cde7a4e9"
                        + " 9040c5a40433225ee282a1b0a06c523e af4534d7f83fa1155b0047718cbc546a"
                        + " 0d072b04b3564eea1b422273f548271a 0bb2316053fa76991955ebd63159434e"
                        + " cebb4e466dae5a1073a6727627097a10 49e617d91d361094fa68f0ff77987130"
                        + " 305beaba2eda04df997b714d6c6f2c29 a6ad5cb4022b02709b",
                "eead9d67890cbb22392336fea1851f38", null, true));

        CHACHA20_POLY1305 = Collections.unmodifiableList(c);
    }

    /** Every vector. */
    public static List<Vector> all() {
        List<Vector> all = new ArrayList<>(AES_GCM);
        all.addAll(AES_GMAC);
        all.addAll(CHACHA20_POLY1305);
        return all;
    }
}
