package io.netfrag.internal.esp;

import io.netfrag.esp.AuthenticationAlgorithm;
import io.netfrag.esp.EncryptionAlgorithm;
import java.security.GeneralSecurityException;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * {@link CipherAuthTransform} on the JCA: {@code AES/CBC/NoPadding} or {@code AES/CTR/NoPadding} and
 * {@code HmacSHA1/256/384/512} from the JVM's preferred provider of each (the JDK's, with AES-NI intrinsics on x86,
 * unless another is installed ahead of it). The default engine.
 */
public final class JcaCipherAuthTransform extends CipherAuthTransform {
    private final Mac hmac;
    private final Cipher cipher;
    private final SecretKeySpec key;
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
    public JcaCipherAuthTransform(EncryptionAlgorithm encryption, byte[] encryptionKey,
            AuthenticationAlgorithm authentication, byte[] authenticationKey, int icvLength, boolean esn) {
        super(encryption, authentication, icvLength, esn);
        try {
            hmac = Mac.getInstance(authentication.jcaName());
            hmac.init(new SecretKeySpec(authenticationKey, authentication.jcaName()));
            int keyLength = encryptionKey.length - encryption.nonceLength();
            switch (encryption) {
                case AES_CBC -> cipher = Cipher.getInstance("AES/CBC/NoPadding");
                case AES_CTR -> {
                    cipher = Cipher.getInstance("AES/CTR/NoPadding");
                    System.arraycopy(encryptionKey, keyLength, counterBlock, 0, 4);
                    counterBlock[15] = 1;
                }
                default -> cipher = null;
            }
            key = cipher == null ? null : new SecretKeySpec(encryptionKey, 0, keyLength, "AES");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("JCA lacks " + encryption.xfrmName() + " or "
                    + authentication.xfrmName() + ": " + e.getMessage(), e);
        }
    }

    @Override
    protected void mac(byte[] data, int offset, int length, byte[] trailer, byte[] out) {
        hmac.update(data, offset, length);
        if (trailer != null) {
            hmac.update(trailer);
        }
        try {
            hmac.doFinal(out, 0);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("JCA failure on " + authentication.xfrmName(), e);
        }
    }

    @Override
    protected void crypt(boolean encrypt, byte[] iv, int ivOffset, byte[] data, int offset, int length) {
        try {
            int mode = encrypt ? Cipher.ENCRYPT_MODE : Cipher.DECRYPT_MODE;
            if (encryption == EncryptionAlgorithm.AES_CTR) {
                System.arraycopy(iv, ivOffset, counterBlock, 4, 8);
                cipher.init(mode, key, new IvParameterSpec(counterBlock));
            } else {
                cipher.init(mode, key, new IvParameterSpec(iv, ivOffset, 16));
            }
            cipher.doFinal(data, offset, length, data, offset);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("JCA failure on " + encryption.xfrmName(), e);
        }
    }
}
