package io.netfrag.internal.esp;

import io.netfrag.esp.AeadAlgorithm;
import org.bouncycastle.crypto.InvalidCipherTextException;
import org.bouncycastle.crypto.engines.AESEngine;
import org.bouncycastle.crypto.modes.AEADCipher;
import org.bouncycastle.crypto.modes.CCMBlockCipher;
import org.bouncycastle.crypto.modes.ChaCha20Poly1305;
import org.bouncycastle.crypto.modes.GCMBlockCipher;
import org.bouncycastle.crypto.params.AEADParameters;
import org.bouncycastle.crypto.params.KeyParameter;

/**
 * {@link AeadEngine} on Bouncy Castle's lightweight API (pure Java): the reference the JCA engine is cross-checked
 * against. BC's GCM writes plaintext before the tag is checked; that plaintext stays in the caller's buffer, which is
 * discarded on failure, so none of it ever leaves the decoder.
 */
public final class BouncyCastleAeadEngine implements AeadEngine {
    private final AeadAlgorithm algorithm;
    private final AEADCipher cipher;
    private final KeyParameter key;
    private final byte[] salt;
    private final int icvLength;
    private final byte[] nonce;

    /**
     * An engine for one SA's algorithm and keying material.
     *
     * @param algorithm the SA's algorithm
     * @param key the key without the salt; copied
     * @param salt the salt (nonce prefix: 4 bytes, 3 for AES-CCM); copied
     * @param icvLength the ICV length in bytes
     */
    public BouncyCastleAeadEngine(AeadAlgorithm algorithm, byte[] key, byte[] salt, int icvLength) {
        this.algorithm = algorithm;
        this.icvLength = icvLength;
        this.salt = salt.clone();
        this.nonce = new byte[salt.length + 8]; // RFC 4106/4543/7634: 4 + 8 bytes; RFC 4309 (CCM): 3 + 8
        this.key = new KeyParameter(key.clone());
        this.cipher = switch (algorithm) {
            case CHACHA20_POLY1305 -> new ChaCha20Poly1305();
            case AES_CCM -> CCMBlockCipher.newInstance(AESEngine.newInstance());
            default -> GCMBlockCipher.newInstance(AESEngine.newInstance());
        };
    }

    private void init(boolean encrypt, byte[] iv, int ivOffset) {
        System.arraycopy(salt, 0, nonce, 0, salt.length);
        System.arraycopy(iv, ivOffset, nonce, salt.length, 8);
        cipher.init(encrypt, new AEADParameters(key, icvLength * 8, nonce));
    }

    @Override
    public boolean open(byte[] iv, int ivOffset, byte[] aad, int aadLength, byte[] data, int offset, int length) {
        if (length < icvLength) {
            return false;
        }
        init(false, iv, ivOffset);
        cipher.processAADBytes(aad, 0, aadLength);
        try {
            if (algorithm == AeadAlgorithm.AES_GMAC) {
                cipher.processAADBytes(iv, ivOffset, 8);
                cipher.processAADBytes(data, offset, length - icvLength);
                byte[] out = new byte[0];
                cipher.processBytes(data, offset + length - icvLength, icvLength, out, 0);
                cipher.doFinal(out, 0);
            } else {
                int n = cipher.processBytes(data, offset, length, data, offset);
                cipher.doFinal(data, offset + n);
            }
            return true;
        } catch (InvalidCipherTextException e) {
            return false;
        }
    }

    @Override
    public int seal(byte[] iv, int ivOffset, byte[] aad, int aadLength, byte[] data, int offset, int length) {
        init(true, iv, ivOffset);
        cipher.processAADBytes(aad, 0, aadLength);
        try {
            if (algorithm == AeadAlgorithm.AES_GMAC) {
                cipher.processAADBytes(iv, ivOffset, 8);
                cipher.processAADBytes(data, offset, length);
                return length + cipher.doFinal(data, offset + length);
            }
            int n = cipher.processBytes(data, offset, length, data, offset);
            return n + cipher.doFinal(data, offset + n);
        } catch (InvalidCipherTextException e) {
            throw new IllegalStateException("Bouncy Castle failure on " + algorithm.xfrmName(), e);
        }
    }

    @Override
    public int icvLength() {
        return icvLength;
    }
}
