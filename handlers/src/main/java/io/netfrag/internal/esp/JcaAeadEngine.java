package io.netfrag.internal.esp;

import io.netfrag.esp.AeadAlgorithm;
import java.security.GeneralSecurityException;
import java.security.spec.AlgorithmParameterSpec;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * {@link AeadEngine} on the JCA: {@code AES/GCM/NoPadding} and {@code ChaCha20-Poly1305} from the JVM's preferred
 * provider for each ({@code Cipher.getInstance} without a provider): the JDK's SunJCE (AES-NI intrinsics on x86) unless
 * a faster one is installed ahead of it, such as Amazon Corretto Crypto Provider. The only per-packet allocation is the
 * parameter spec the JCA API requires for a new nonce. The default engine.
 *
 * <p>The JDK's GCM accepts tags of 96 to 128 bits only; RFC 4106 also allows a 64-bit ICV, so an SA with
 * {@code rfc4106(gcm(aes))} and ICV 64 is served by Bouncy Castle's GCM inside this engine ({@link #delegate()} tells);
 * so is AES-CCM ({@code rfc4309(ccm(aes))}), which the JDK does not implement.
 */
public final class JcaAeadEngine implements AeadEngine {
    private final AeadAlgorithm algorithm;
    private final Cipher cipher;
    private final SecretKeySpec key;
    private final byte[] salt;
    private final int icvLength;
    private final byte[] nonce = new byte[12];
    private final byte[] previousNonce = new byte[12];
    private boolean initialized;

    private final AeadEngine delegate;

    /**
     * An engine for one SA's algorithm and keying material.
     *
     * @param algorithm the SA's algorithm
     * @param key the key without the salt; copied
     * @param salt the 4-byte salt (nonce prefix); copied
     * @param icvLength the ICV length in bytes
     */
    public JcaAeadEngine(AeadAlgorithm algorithm, byte[] key, byte[] salt, int icvLength) {
        // the JDK has no AES-CCM and takes GCM tags of 96 bits and more: Bouncy Castle serves the rest
        this.delegate = icvLength < 12 || algorithm == AeadAlgorithm.AES_CCM
                ? new BouncyCastleAeadEngine(algorithm, key, salt, icvLength) : null;
        this.algorithm = algorithm;
        this.icvLength = icvLength;
        this.salt = salt.clone();
        try {
            if (algorithm == AeadAlgorithm.CHACHA20_POLY1305) {
                this.cipher = Cipher.getInstance("ChaCha20-Poly1305");
                this.key = new SecretKeySpec(key.clone(), "ChaCha20");
            } else {
                this.cipher = Cipher.getInstance("AES/GCM/NoPadding");
                this.key = new SecretKeySpec(key.clone(), "AES");
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("JCA lacks " + algorithm.xfrmName() + ": " + e.getMessage(), e);
        }
    }

    private AlgorithmParameterSpec spec(byte[] iv, int ivOffset) {
        System.arraycopy(salt, 0, nonce, 0, 4);
        System.arraycopy(iv, ivOffset, nonce, 4, 8);
        return algorithm == AeadAlgorithm.CHACHA20_POLY1305 ? new IvParameterSpec(nonce)
                : new GCMParameterSpec(icvLength * 8, nonce);
    }

    /**
     * Initializes the cipher. The JDK's ChaCha20-Poly1305 refuses an initialization with the key and nonce of the one
     * just before it, even to decrypt; a duplicate or a forgery can repeat an IV, so such a packet first passes
     * through a throw-away nonce (the JDK compares with the previous initialization only).
     */
    private void init(int mode, byte[] iv, int ivOffset) throws GeneralSecurityException {
        AlgorithmParameterSpec spec = spec(iv, ivOffset);
        if (algorithm == AeadAlgorithm.CHACHA20_POLY1305) {
            if (initialized && java.util.Arrays.equals(nonce, previousNonce)) {
                byte[] other = nonce.clone();
                other[11] ^= 1;
                cipher.init(mode, key, new IvParameterSpec(other));
            }
            System.arraycopy(nonce, 0, previousNonce, 0, 12);
            initialized = true;
        }
        cipher.init(mode, key, spec);
    }

    /**
     * Who opens this engine's packets: the name of the JCA provider of its cipher ({@code Cipher.getProvider()}), or
     * Bouncy Castle's lightweight API when {@link #delegate()} serves them.
     */
    public String providerName() {
        return delegate != null ? "Bouncy Castle (lightweight API)" : cipher.getProvider().getName();
    }

    /** The engine that serves ICVs the JDK cannot (64-bit GCM tags), or {@code null}. */
    AeadEngine delegate() {
        return delegate;
    }

    @Override
    public boolean open(byte[] iv, int ivOffset, byte[] aad, int aadLength, byte[] data, int offset, int length) {
        if (delegate != null) {
            return delegate.open(iv, ivOffset, aad, aadLength, data, offset, length);
        }
        if (length < icvLength) {
            return false;
        }
        try {
            init(Cipher.DECRYPT_MODE, iv, ivOffset);
            cipher.updateAAD(aad, 0, aadLength);
            if (algorithm == AeadAlgorithm.AES_GMAC) {
                // RFC 4543 §3.2: IV and payload are additional data; the "ciphertext" is the tag alone
                cipher.updateAAD(iv, ivOffset, 8);
                cipher.updateAAD(data, offset, length - icvLength);
                cipher.doFinal(data, offset + length - icvLength, icvLength);
            } else {
                cipher.doFinal(data, offset, length, data, offset);
            }
            return true;
        } catch (AEADBadTagException e) {
            return false;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("JCA failure on " + algorithm.xfrmName(), e);
        }
    }

    @Override
    public int seal(byte[] iv, int ivOffset, byte[] aad, int aadLength, byte[] data, int offset, int length) {
        if (delegate != null) {
            return delegate.seal(iv, ivOffset, aad, aadLength, data, offset, length);
        }
        try {
            init(Cipher.ENCRYPT_MODE, iv, ivOffset);
            cipher.updateAAD(aad, 0, aadLength);
            if (algorithm == AeadAlgorithm.AES_GMAC) {
                cipher.updateAAD(iv, ivOffset, 8);
                cipher.updateAAD(data, offset, length);
                return length + cipher.doFinal(data, offset + length);
            }
            return cipher.doFinal(data, offset, length, data, offset);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("JCA failure on " + algorithm.xfrmName(), e);
        }
    }

    @Override
    public int icvLength() {
        return icvLength;
    }
}
