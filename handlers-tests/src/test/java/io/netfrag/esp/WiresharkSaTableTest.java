package io.netfrag.esp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Wireshark's {@code esp_sa} table: its algorithm names per suite and ICV, keys as Linux keeps them, the rest left out. */
class WiresharkSaTableTest {
    private static final String ID = "src 10.0.0.1 dst 10.0.0.2 proto esp spi ";

    @Test
    void everySuiteWiresharkKnowsAndTheOthersLeftOut() {
        List<SecurityAssociation> sas = List.of(
                XfrmStateParser.parse(ID + "0x1 aead 'rfc4106(gcm(aes))' 0x" + "0a".repeat(20) + " 64"),
                XfrmStateParser.parse(ID + "0x2 aead 'rfc4106(gcm(aes))' 0x" + "0a".repeat(36) + " 96"),
                XfrmStateParser.parse("src fc00::1 dst fc00::2 proto esp spi 0x3 enc 'rfc3686(ctr(aes))' 0x"
                        + "0b".repeat(16) + "01020304 auth 'hmac(sha1)' 0x" + "0c".repeat(20)),
                XfrmStateParser.parse("dst 10.0.0.2 proto esp spi 0x4 enc 'ecb(cipher_null)' \"\" auth "
                        + "'hmac(sha256)' 0x" + "0d".repeat(32)),
                XfrmStateParser.parse(ID + "0x5 enc 'cbc(aes)' 0x" + "0e".repeat(32) + " auth 'hmac(sha512)' 0x0f"),
                XfrmStateParser.parse(ID + "0x6 enc 'cbc(aes)' 0x" + "0e".repeat(16) + " auth-trunc 'hmac(sha384)' 0x0f"
                        + " 128"),
                XfrmStateParser.parse(ID + "0x7 enc 'cbc(aes)' 0x" + "0e".repeat(16) + " auth-trunc 'hmac(sha1)' 0x0f"
                        + " 160"),
                XfrmStateParser.parse(ID + "0x8 aead 'rfc7539esp(chacha20,poly1305)' 0x" + "01".repeat(36) + " 128"),
                XfrmStateParser.parse(ID + "0x9 aead 'rfc4543(gcm(aes))' 0x" + "01".repeat(20) + " 128"));
        StringBuilder out = new StringBuilder();
        List<String> leftOut = WiresharkSaTable.write(sas, out);
        List<String> lines = out.toString().lines().toList();
        assertTrue(lines.get(0).startsWith("# "), "a comment first");
        assertEquals(List.of(
                "\"IPv4\",\"10.0.0.1\",\"10.0.0.2\",\"0x00000001\",\"AES-GCM with 8 octet ICV [RFC4106]\",\"0x"
                        + "0a".repeat(20) + "\",\"NULL\",\"\"",
                "\"IPv4\",\"10.0.0.1\",\"10.0.0.2\",\"0x00000002\",\"AES-GCM with 12 octet ICV [RFC4106]\",\"0x"
                        + "0a".repeat(36) + "\",\"NULL\",\"\"",
                "\"IPv6\",\"fc00::1\",\"fc00::2\",\"0x00000003\",\"AES-CTR [RFC3686]\",\"0x" + "0b".repeat(16)
                        + "01020304\",\"HMAC-SHA-1-96 [RFC2404]\",\"0x" + "0c".repeat(20) + "\"",
                "\"IPv4\",\"*\",\"10.0.0.2\",\"0x00000004\",\"NULL\",\"\",\"HMAC-SHA-256-96 "
                        + "[draft-ietf-ipsec-ciph-sha-256-00]\",\"0x" + "0d".repeat(32) + "\"",
                "\"IPv4\",\"10.0.0.1\",\"10.0.0.2\",\"0x00000005\",\"AES-CBC [RFC3602]\",\"0x" + "0e".repeat(32)
                        + "\",\"HMAC-SHA-512-256 [RFC4868]\",\"0x0f\"",
                "\"IPv4\",\"10.0.0.1\",\"10.0.0.2\",\"0x00000006\",\"AES-CBC [RFC3602]\",\"0x" + "0e".repeat(16)
                        + "\",\"ANY 128 bit authentication [no checking]\",\"0x0f\""), lines.subList(1, lines.size()));
        assertEquals(3, leftOut.size(), leftOut.toString());
        assertTrue(leftOut.get(0).contains("hmac(sha1) with a 160-bit ICV"), leftOut.get(0));
        assertTrue(leftOut.get(1).contains("rfc7539esp(chacha20,poly1305)"), leftOut.get(1));
        assertTrue(leftOut.get(2).contains("rfc4543(gcm(aes))"), leftOut.get(2));
    }
}
