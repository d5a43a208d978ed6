package io.netfrag.internal.esp;

import io.netfrag.esp.AuthenticationAlgorithm;
import io.netfrag.esp.EncryptionAlgorithm;
import org.bouncycastle.crypto.BlockCipher;
import org.bouncycastle.crypto.Digest;
import org.bouncycastle.crypto.digests.SHA1Digest;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.digests.SHA384Digest;
import org.bouncycastle.crypto.digests.SHA512Digest;
import org.bouncycastle.crypto.engines.AESEngine;
import org.bouncycastle.crypto.macs.HMac;
import org.bouncycastle.crypto.modes.CBCBlockCipher;
import org.bouncycastle.crypto.modes.CBCModeCipher;
import org.bouncycastle.crypto.modes.CTRModeCipher;
import org.bouncycastle.crypto.modes.SICBlockCipher;
import org.bouncycastle.crypto.params.KeyParameter;
import org.bouncycastle.crypto.params.ParametersWithIV;

/**
 * {@link CipherAuthTransform} on Bouncy Castle's lightweight API (pure Java): the reference the JCA transform is
 * cross-checked against.
 */
public final class BouncyCastleCipherAuthTransform extends CipherAuthTransform {
    private final HMac hmac;
    private final KeyParameter key;
    private final CBCModeCipher cbc;
    private final CTRModeCipher ctr;
    /** CTR's counter block: nonce ‖ IV ‖ 0x00000001 (RFC 3686 §4). */
    private final byte[] counterBlock = new byte[16];

    /**
     * @param encryption the cipher
     * @param encryptionKey the cipher key (AES-CTR: followed by its 4-byte nonce); copied
     * @param authentication the integrity algorithm
     * @param authenticationKey the MAC key, not empty; copied
     * @param icvLength the ICV length in bytes
     * @param esn whether the SA uses extended sequence numbers
     */
    public BouncyCastleCipherAuthTransform(EncryptionAlgorithm encryption, byte[] encryptionKey,
            AuthenticationAlgorithm authentication, byte[] authenticationKey, int icvLength, boolean esn) {
        super(encryption, authentication, icvLength, esn);
        hmac = new HMac(digest(authentication));
        hmac.init(new KeyParameter(authenticationKey.clone()));
        int keyLength = encryptionKey.length - encryption.nonceLength();
        key = encryption == EncryptionAlgorithm.NULL ? null : new KeyParameter(encryptionKey, 0, keyLength);
        BlockCipher aes = AESEngine.newInstance();
        cbc = encryption == EncryptionAlgorithm.AES_CBC ? CBCBlockCipher.newInstance(aes) : null;
        ctr = encryption == EncryptionAlgorithm.AES_CTR ? SICBlockCipher.newInstance(aes) : null;
        if (ctr != null) {
            System.arraycopy(encryptionKey, keyLength, counterBlock, 0, 4);
            counterBlock[15] = 1;
        }
    }

    private static Digest digest(AuthenticationAlgorithm a) {
        return switch (a) {
            case HMAC_SHA1 -> new SHA1Digest();
            case HMAC_SHA256 -> new SHA256Digest();
            case HMAC_SHA384 -> new SHA384Digest();
            case HMAC_SHA512 -> new SHA512Digest();
        };
    }

    @Override
    protected void mac(byte[] data, int offset, int length, byte[] trailer, byte[] out) {
        hmac.update(data, offset, length);
        if (trailer != null) {
            hmac.update(trailer, 0, trailer.length);
        }
        hmac.doFinal(out, 0);
    }

    @Override
    protected void crypt(boolean encrypt, byte[] iv, int ivOffset, byte[] data, int offset, int length) {
        if (ctr != null) {
            System.arraycopy(iv, ivOffset, counterBlock, 4, 8);
            ctr.init(encrypt, new ParametersWithIV(key, counterBlock));
            ctr.processBytes(data, offset, length, data, offset);
            return;
        }
        cbc.init(encrypt, new ParametersWithIV(key, iv, ivOffset, 16));
        for (int i = 0; i < length; i += 16) {
            cbc.processBlock(data, offset + i, data, offset + i);
        }
    }
}
