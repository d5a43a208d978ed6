package io.netfrag.esp;

/**
 * The ESP ciphers netfrag decrypts with a separate integrity algorithm ({@link AuthenticationAlgorithm}), named as in
 * {@code ip xfrm state} ({@code enc NAME KEY}).
 */
public enum EncryptionAlgorithm {
    /** AES-CBC (RFC 3602): key 16/24/32 bytes; a 16-byte IV per packet; ciphertext in 16-byte blocks. */
    AES_CBC("cbc(aes)", 0, 16, 16),
    /**
     * AES-CTR (RFC 3686): key 16/24/32 bytes followed by a 4-byte nonce ({@code rfc3686(ctr(aes))} takes them as one
     * key, as Linux); an 8-byte IV per packet.
     */
    AES_CTR("rfc3686(ctr(aes))", 4, 8, 1),
    /** No encryption (RFC 2410, ESP-NULL): integrity only; an empty key, no IV. */
    NULL("ecb(cipher_null)", 0, 0, 1);

    private final String xfrmName;
    private final int nonceLength;
    private final int ivLength;
    private final int blockSize;

    EncryptionAlgorithm(String xfrmName, int nonceLength, int ivLength, int blockSize) {
        this.xfrmName = xfrmName;
        this.nonceLength = nonceLength;
        this.ivLength = ivLength;
        this.blockSize = blockSize;
    }

    /** The name {@code ip xfrm} uses. */
    public String xfrmName() {
        return xfrmName;
    }

    /** Bytes of nonce at the end of the key material (AES-CTR), else 0. */
    public int nonceLength() {
        return nonceLength;
    }

    /** Bytes of IV each packet carries. */
    public int ivLength() {
        return ivLength;
    }

    /** The cipher's block size: the ciphertext is a whole number of blocks (and of 4-byte words, RFC 4303 §2.4). */
    public int blockSize() {
        return blockSize;
    }

    /** Whether {@code bytes} is a valid key length (nonce not included). */
    public boolean validKeyLength(int bytes) {
        return this == NULL ? bytes == 0 : bytes == 16 || bytes == 24 || bytes == 32;
    }

    /** The algorithm with this {@code ip xfrm} name, or {@code null}. */
    public static EncryptionAlgorithm byXfrmName(String name) {
        for (EncryptionAlgorithm a : values()) {
            if (a.xfrmName.equals(name)) {
                return a;
            }
        }
        return null;
    }
}
