package io.netfrag.internal.esp;

/**
 * Internal (not API): opens (verifies and decrypts) the combined-mode payload of one ESP packet for one SA; the SA
 * creates its engines ({@code SecurityAssociation}'s engine kind picks the implementation). One instance per SA per event
 * loop: engines keep cipher state and are not thread-safe.
 *
 * <p>The ESP framing is the caller's; an engine gets the 12-byte nonce input pieces and the AAD (SPI ‖ sequence, 8
 * bytes, or SPI ‖ high sequence ‖ low sequence, 12 bytes, with ESN) and works in place on a byte array: the JDK's
 * JCA is several times faster on arrays than on direct buffers, and Bouncy Castle works on arrays only.
 *
 * <p>For AES-GMAC (RFC 4543) nothing is encrypted: the IV and the payload are authenticated as additional data and
 * the payload is left as it is.
 */
public interface AeadEngine {

    /**
     * Verifies the ICV and decrypts in place.
     *
     * @param iv the packet's 8-byte explicit IV at {@code ivOffset}; borrowed
     * @param aad the additional authenticated data; borrowed
     * @param data ciphertext followed by the ICV at {@code offset}, {@code length} bytes in all; on success
     *     {@code data[offset, offset + length - icvLength)} holds the plaintext; on failure its contents are
     *     unspecified (possibly unverified plaintext) and must be discarded
     * @return whether the ICV verified
     */
    boolean open(byte[] iv, int ivOffset, byte[] aad, int aadLength, byte[] data, int offset, int length);

    /**
     * Encrypts in place and appends the ICV (for the sending side and tests).
     *
     * @param data plaintext at {@code offset} with room for the ICV after it
     * @return bytes written: {@code length + icvLength}
     */
    int seal(byte[] iv, int ivOffset, byte[] aad, int aadLength, byte[] data, int offset, int length);

    /** ICV length in bytes. */
    int icvLength();
}
