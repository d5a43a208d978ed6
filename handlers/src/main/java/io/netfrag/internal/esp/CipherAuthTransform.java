package io.netfrag.internal.esp;

import io.netfrag.esp.AuthenticationAlgorithm;
import io.netfrag.esp.EncryptionAlgorithm;

/**
 * A cipher with a separate integrity algorithm (AES-CBC or AES-CTR or ESP-NULL with HMAC-SHA-1/2) as an
 * {@link EspTransform}. The ICV is the MAC over SPI ‖ sequence number ‖ IV ‖ ciphertext, with ESN followed by the
 * high sequence bits (RFC 4303 §2.2.1, as Linux's {@code authencesn}), truncated to the SA's length; it is checked in
 * constant time before the ciphertext is decrypted (RFC 4303 §3.4.4). AES-CTR's counter block is nonce ‖ IV ‖ 1
 * (RFC 3686 §4). Subclasses supply the MAC and the cipher from one provider.
 */
public abstract class CipherAuthTransform implements EspTransform {
    /** The cipher. */
    protected final EncryptionAlgorithm encryption;
    /** The integrity algorithm. */
    protected final AuthenticationAlgorithm authentication;
    private final int icvLength;
    private final boolean esn;
    private final byte[] mac;
    private final byte[] sequenceHighBytes = new byte[4];

    /**
     * @param encryption the cipher
     * @param authentication the integrity algorithm
     * @param icvLength the ICV length in bytes (at most the MAC's length)
     * @param esn whether the SA uses extended sequence numbers
     */
    protected CipherAuthTransform(EncryptionAlgorithm encryption, AuthenticationAlgorithm authentication,
            int icvLength, boolean esn) {
        this.encryption = encryption;
        this.authentication = authentication;
        this.icvLength = icvLength;
        this.esn = esn;
        this.mac = new byte[authentication.fullBits() / 8];
    }

    @Override
    public final int ivLength() {
        return encryption.ivLength();
    }

    @Override
    public final int icvLength() {
        return icvLength;
    }

    @Override
    public final int alignment() {
        return encryption.blockSize(); // CBC decrypts whole blocks only (RFC 3602 §3)
    }

    /**
     * Computes the full MAC of {@code data[offset, offset + length)} followed by {@code trailer} (null for none) into
     * {@code out}.
     */
    protected abstract void mac(byte[] data, int offset, int length, byte[] trailer, byte[] out);

    /**
     * Encrypts or decrypts {@code data[offset, offset + length)} in place with the IV (CBC) or the counter block's
     * IV part (CTR) at {@code iv[ivOffset]}. Not called for ESP-NULL.
     */
    protected abstract void crypt(boolean encrypt, byte[] iv, int ivOffset, byte[] data, int offset, int length);

    @Override
    public final boolean open(byte[] packet, int esp, int length, int sequenceHigh) {
        int authenticated = length - icvLength;
        int data = esp + 8 + ivLength();
        int ciphertext = authenticated - 8 - ivLength();
        if (ciphertext < 0) {
            return false;
        }
        mac(packet, esp, authenticated, esn ? sequenceHighBytes(sequenceHigh) : null, mac);
        // constant time: every ICV byte is compared whatever the first difference
        int difference = 0;
        for (int i = 0; i < icvLength; i++) {
            difference |= mac[i] ^ packet[esp + authenticated + i];
        }
        if (difference != 0) {
            return false;
        }
        if (encryption != EncryptionAlgorithm.NULL) {
            crypt(false, packet, esp + 8, packet, data, ciphertext);
        }
        return true;
    }

    @Override
    public final int seal(byte[] packet, int esp, int plaintextLength, int sequenceHigh) {
        int data = esp + 8 + ivLength();
        if (encryption != EncryptionAlgorithm.NULL) {
            crypt(true, packet, esp + 8, packet, data, plaintextLength);
        }
        int authenticated = 8 + ivLength() + plaintextLength;
        mac(packet, esp, authenticated, esn ? sequenceHighBytes(sequenceHigh) : null, mac);
        System.arraycopy(mac, 0, packet, esp + authenticated, icvLength);
        return authenticated + icvLength;
    }

    private byte[] sequenceHighBytes(int sequenceHigh) {
        sequenceHighBytes[0] = (byte) (sequenceHigh >>> 24);
        sequenceHighBytes[1] = (byte) (sequenceHigh >>> 16);
        sequenceHighBytes[2] = (byte) (sequenceHigh >>> 8);
        sequenceHighBytes[3] = (byte) sequenceHigh;
        return sequenceHighBytes;
    }
}
