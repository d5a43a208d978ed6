package io.netfrag.esp;

import static io.netty.util.internal.ObjectUtil.checkNotNull;

import io.netty.util.NetUtil;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * Writes SAs as Wireshark's ESP SA table ({@code esp_sa}, the "ESP SAs" preference of the ESP dissector, a file in the
 * personal configuration folder), so that a capture netfrag decrypts opens decrypted in Wireshark: one line per SA,
 * {@code "IPv4|IPv6","SRC","DST","0xSPI","ENCRYPTION","0xKEY","AUTHENTICATION","0xKEY"}, with Wireshark's algorithm
 * names ({@code epan/dissectors/packet-esp.c}). Key material is written as Linux keeps it: the AEAD and CTR keys with
 * their salt or nonce appended, which is how Wireshark reads them too. An SA Wireshark cannot decrypt — AES-CCM,
 * AES-GMAC, ChaCha20-Poly1305, or an ICV length it has no entry for — is left out, and the caller is told why.
 *
 * <p>The file holds keys: keep it where the keys may be.
 */
public final class WiresharkSaTable {
    private static final Map<Integer, String> GCM_BY_ICV = Map.of(8, "AES-GCM with 8 octet ICV [RFC4106]",
            12, "AES-GCM with 12 octet ICV [RFC4106]", 16, "AES-GCM with 16 octet ICV [RFC4106]");

    private WiresharkSaTable() {
    }

    /**
     * Writes the table.
     *
     * @param sas the SAs; read (their keys too), not changed
     * @param out receives the lines
     * @return one line for each SA left out, naming it and the reason; empty when every SA was written
     * @throws UncheckedIOException when {@code out} fails
     */
    public static List<String> write(Collection<SecurityAssociation> sas, Appendable out) {
        checkNotNull(sas, "sas");
        checkNotNull(out, "out");
        List<String> leftOut = new ArrayList<>();
        HexFormat hex = HexFormat.of();
        try {
            out.append("# Wireshark ESP SAs (esp_sa), written by netfrag: they hold keys\n");
            for (SecurityAssociation sa : sas) {
                String encryption;
                String encryptionKey;
                String authentication;
                String authenticationKey = "";
                if (sa.aead() != null) {
                    encryption = sa.aead() == AeadAlgorithm.AES_GCM ? GCM_BY_ICV.get(sa.icvLength()) : null;
                    encryptionKey = hex.formatHex(sa.key()) + hex.formatHex(sa.salt());
                    authentication = "NULL";
                } else {
                    encryption = switch (sa.encryption()) {
                        case AES_CBC -> "AES-CBC [RFC3602]";
                        case AES_CTR -> "AES-CTR [RFC3686]";
                        case NULL -> "NULL";
                    };
                    encryptionKey = hex.formatHex(sa.key());
                    authentication = authentication(sa.authentication(), sa.icvLength() * 8);
                    authenticationKey = hex.formatHex(sa.authenticationKey());
                }
                if (encryption == null || authentication == null) {
                    leftOut.add(sa + ": Wireshark's ESP dissector has no " + (encryption == null ? sa.suite()
                            : sa.authentication().xfrmName() + " with a " + sa.icvLength() * 8 + "-bit ICV"));
                    continue;
                }
                String family = sa.destination().getAddress().length == 4 ? "IPv4" : "IPv6";
                String source = sa.source() == null ? "*" : NetUtil.toAddressString(sa.source());
                out.append('"').append(family).append("\",\"").append(source).append("\",\"")
                        .append(NetUtil.toAddressString(sa.destination())).append("\",\"")
                        .append(String.format("0x%08x", sa.spi())).append("\",\"").append(encryption)
                        .append("\",\"").append(encryptionKey.isEmpty() ? "" : "0x" + encryptionKey).append("\",\"")
                        .append(authentication).append("\",\"")
                        .append(authenticationKey.isEmpty() ? "" : "0x" + authenticationKey).append("\"\n");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return leftOut;
    }

    private static String authentication(AuthenticationAlgorithm a, int icvBits) {
        String exact = switch (a) {
            case HMAC_SHA1 -> icvBits == 96 ? "HMAC-SHA-1-96 [RFC2404]" : null;
            case HMAC_SHA256 -> icvBits == 96 ? "HMAC-SHA-256-96 [draft-ietf-ipsec-ciph-sha-256-00]"
                    : icvBits == 128 ? "HMAC-SHA-256-128 [RFC4868]" : null;
            case HMAC_SHA384 -> icvBits == 192 ? "HMAC-SHA-384-192 [RFC4868]" : null;
            case HMAC_SHA512 -> icvBits == 256 ? "HMAC-SHA-512-256 [RFC4868]" : null;
        };
        if (exact != null) {
            return exact;
        }
        // Wireshark can still decrypt when it knows the ICV's length, without checking it
        return switch (icvBits) {
            case 96, 128, 192, 256 -> "ANY " + icvBits + " bit authentication [no checking]";
            default -> null;
        };
    }
}
