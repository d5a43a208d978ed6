package io.netfrag.esp;

/**
 * The combined-mode ESP algorithms netfrag decrypts, named as in {@code ip xfrm state} ({@code aead NAME KEY ICVBITS}).
 */
public enum AeadAlgorithm {
    /** AES-GCM for ESP (RFC 4106): key 16/24/32 bytes + 4-byte salt; ICV 8, 12 or 16 bytes; 8-byte IV. */
    AES_GCM("rfc4106(gcm(aes))", 4),
    /** AES-GMAC for ESP (RFC 4543): authentication only; key 16/24/32 bytes + 4-byte salt; ICV 16; 8-byte IV. */
    AES_GMAC("rfc4543(gcm(aes))", 4),
    /** ChaCha20-Poly1305 for ESP (RFC 7634): key 32 bytes + 4-byte salt; ICV 16; 8-byte IV. */
    CHACHA20_POLY1305("rfc7539esp(chacha20,poly1305)", 4),
    /** AES-CCM for ESP (RFC 4309): key 16/24/32 bytes + 3-byte salt; ICV 8, 12 or 16 bytes; 8-byte IV. */
    AES_CCM("rfc4309(ccm(aes))", 3);

    private final String xfrmName;
    private final int saltLength;

    AeadAlgorithm(String xfrmName, int saltLength) {
        this.xfrmName = xfrmName;
        this.saltLength = saltLength;
    }

    /** The name {@code ip xfrm} uses. */
    public String xfrmName() {
        return xfrmName;
    }

    /** Bytes of salt at the end of the key material. */
    public int saltLength() {
        return saltLength;
    }

    /** Length of the explicit IV carried in each packet. */
    public int ivLength() {
        return 8;
    }

    /** Whether {@code bytes} is a valid ICV length. */
    public boolean validIcvLength(int bytes) {
        return this == AES_GCM || this == AES_CCM ? bytes == 8 || bytes == 12 || bytes == 16 : bytes == 16;
    }

    /** Whether {@code bytes} is a valid key length (salt not included). */
    public boolean validKeyLength(int bytes) {
        return this == CHACHA20_POLY1305 ? bytes == 32 : bytes == 16 || bytes == 24 || bytes == 32;
    }

    /** Whether the payload is encrypted (GMAC only authenticates). */
    public boolean encrypts() {
        return this != AES_GMAC;
    }

    /** The algorithm with this {@code ip xfrm} name, or {@code null}. */
    public static AeadAlgorithm byXfrmName(String name) {
        for (AeadAlgorithm a : values()) {
            if (a.xfrmName.equals(name)) {
                return a;
            }
        }
        return null;
    }
}
