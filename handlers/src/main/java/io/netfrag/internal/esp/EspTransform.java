package io.netfrag.internal.esp;

/**
 * One SA's ESP cryptography, in place on a byte array that holds the ESP packet from its SPI: {@code SPI (4) ‖
 * sequence number (4) ‖ IV ‖ ciphertext ‖ ICV}. Combined-mode algorithms ({@link AeadTransform}) authenticate the
 * header as additional data; a cipher with a separate integrity algorithm ({@link CipherAuthTransform}) computes the
 * ICV over header, IV and ciphertext — with ESN, the high sequence bits appended (RFC 4303 §2.2.1) — and checks it,
 * in constant time, <b>before</b> anything is decrypted (RFC 4303 §3.4.4). Not thread-safe: one per SA per event loop.
 */
public interface EspTransform {
    /** Bytes of IV each packet carries. */
    int ivLength();

    /** Bytes of ICV. */
    int icvLength();

    /**
     * The ciphertext (payload, padding, pad length and next header) must be a whole number of these bytes to be
     * decrypted: the cipher's block size (16 for AES-CBC), 1 for counter modes. Senders also pad to 4 bytes (RFC 4303
     * §2.4).
     */
    int alignment();

    /**
     * Verifies and decrypts one packet in place.
     *
     * @param packet the ESP packet at {@code esp}, {@code length} bytes (header, IV, ciphertext, ICV); borrowed
     * @param sequenceHigh the high 32 bits of the sequence number (used only under ESN)
     * @return whether the ICV verified; then the plaintext is at {@code esp + 8 + ivLength()}, {@code length - 8 -
     *     ivLength() - icvLength()} bytes. On failure the array's contents are unspecified and must be discarded
     */
    boolean open(byte[] packet, int esp, int length, int sequenceHigh);

    /**
     * Encrypts in place and appends the ICV (the sending side and tests).
     *
     * @param packet header and IV at {@code esp}, then {@code plaintextLength} bytes of plaintext (padded to
     *     {@link #alignment()}), with room for the ICV after it; borrowed
     * @param sequenceHigh the high 32 bits of the sequence number (used only under ESN)
     * @return the packet's length: {@code 8 + ivLength() + plaintextLength + icvLength()}
     */
    int seal(byte[] packet, int esp, int plaintextLength, int sequenceHigh);
}
