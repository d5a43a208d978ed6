package io.netfrag.esp;

import static io.netty.util.internal.ObjectUtil.checkNotNull;

import io.netfrag.internal.esp.AeadEngine;
import io.netfrag.internal.esp.ReplayWindow;
import io.netfrag.internal.esp.JcaAeadEngine;
import io.netfrag.internal.esp.BouncyCastleAeadEngine;
import java.net.InetAddress;
import java.util.Arrays;

/**
 * One inbound ESP security association: what {@code ip xfrm state add} describes. Immutable apart from its key
 * material, which {@link #destroy()} zeroes (the {@link SaDatabase} does so when the SA is removed).
 *
 * <p>Lookup identity is (destination address, SPI) for protocol ESP, as Linux {@code xfrm_state_lookup}.
 */
public final class SecurityAssociation {

    /** ESP mode. */
    public enum Mode {
        /** The IP header is kept; the payload is the upper-layer protocol. */
        TRANSPORT,
        /** The payload is a whole inner IPv4 or IPv6 packet. */
        TUNNEL
    }

    /** Which {@link AeadEngine} implementation decrypts this SA's packets. */
    public enum EngineKind {
        /** The JDK's JCA provider (AES-NI intrinsics): the default. */
        JCA,
        /** Bouncy Castle's lightweight API (pure Java): the reference implementation. */
        BOUNCY_CASTLE
    }

    private final InetAddress source;
    private final InetAddress destination;
    private final int spi;
    private final int reqid;
    private final Mode mode;
    private final int replayWindow;
    private final boolean esn;
    private final AeadAlgorithm algorithm;
    private final byte[] key;
    private final byte[] salt;
    private final int icvLength;
    private final Selector selector;
    private final int encapSourcePort;
    private final int encapDestinationPort;
    private final EngineKind engine;
    private volatile boolean destroyed;

    /** Whether Bouncy Castle (an optional dependency: the {@code bc} engine, 64-bit ICVs) is on the class path. */
    static final boolean BOUNCY_CASTLE_PRESENT = present("org.bouncycastle.crypto.modes.GCMBlockCipher");

    private static boolean present(String className) {
        try {
            Class.forName(className, false, SecurityAssociation.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    /**
     * Creates an SA. Key and salt arrays are copied.
     *
     * @param source outer source address (may be {@code null}: any)
     * @param destination outer destination address (lookup key)
     * @param spi security parameter index (lookup key)
     * @param reqid request id (informational)
     * @param mode transport or tunnel
     * @param replayWindow anti-replay window in packets, 0 = no replay check (as Linux), at most
     *     {@link ReplayWindow#MAX_WINDOW}
     * @param esn extended (64-bit) sequence numbers (RFC 4303 Appendix A)
     * @param algorithm the AEAD algorithm
     * @param key cipher key without the salt
     * @param salt the 4-byte salt
     * @param icvLength ICV bytes: 8, 12 or 16 (16 only for GMAC and ChaCha20-Poly1305)
     * @param selector transport-mode selector, or {@link Selector#ANY}
     * @param encapSourcePort UDP encapsulation source port (RFC 3948), or 0 without encapsulation
     * @param encapDestinationPort UDP encapsulation destination port, or 0
     * @param engine which engine decrypts
     */
    public SecurityAssociation(InetAddress source, InetAddress destination, int spi, int reqid, Mode mode,
            int replayWindow, boolean esn, AeadAlgorithm algorithm, byte[] key, byte[] salt, int icvLength,
            Selector selector, int encapSourcePort, int encapDestinationPort, EngineKind engine) {
        this.source = source;
        this.destination = checkNotNull(destination, "destination");
        this.spi = spi;
        this.reqid = reqid;
        this.mode = checkNotNull(mode, "mode");
        if (replayWindow < 0 || replayWindow > ReplayWindow.MAX_WINDOW) {
            throw new IllegalArgumentException("replay window must be in [0, " + ReplayWindow.MAX_WINDOW + "]: "
                    + replayWindow);
        }
        if (esn && replayWindow == 0) {
            throw new IllegalArgumentException("flag esn needs a replay window > 0");
        }
        this.replayWindow = replayWindow;
        this.esn = esn;
        this.algorithm = checkNotNull(algorithm, "algorithm");
        checkNotNull(key, "key");
        checkNotNull(salt, "salt");
        if (algorithm == AeadAlgorithm.CHACHA20_POLY1305) {
            if (key.length != 32) {
                throw new IllegalArgumentException(algorithm.xfrmName() + " needs a 256-bit key, got "
                        + key.length * 8 + " bits");
            }
        } else if (key.length != 16 && key.length != 24 && key.length != 32) {
            throw new IllegalArgumentException(algorithm.xfrmName() + " needs a 128, 192 or 256-bit AES key, got "
                    + key.length * 8 + " bits");
        }
        if (salt.length != algorithm.saltLength()) {
            throw new IllegalArgumentException("salt must be " + algorithm.saltLength() + " bytes, got "
                    + salt.length);
        }
        boolean icvOk = algorithm == AeadAlgorithm.AES_GCM ? icvLength == 8 || icvLength == 12 || icvLength == 16
                : icvLength == 16;
        if (!icvOk) {
            throw new IllegalArgumentException("ICV of " + icvLength * 8 + " bits is not valid for "
                    + algorithm.xfrmName());
        }
        if (spi == 0) {
            throw new IllegalArgumentException("SPI 0 is reserved (RFC 4303 §2.1)");
        }
        checkNotNull(engine, "engine");
        if ((engine == EngineKind.BOUNCY_CASTLE || icvLength < 12) && !BOUNCY_CASTLE_PRESENT) {
            // Bouncy Castle is an optional dependency: say so here, at configuration time, not per packet
            throw new IllegalArgumentException((engine == EngineKind.BOUNCY_CASTLE ? "engine bc"
                    : "a " + icvLength * 8 + "-bit ICV (the JDK's GCM takes 96 bits and more)")
                    + " needs Bouncy Castle: add org.bouncycastle:bcprov-jdk18on to the class path");
        }
        this.key = key.clone();
        this.salt = salt.clone();
        this.icvLength = icvLength;
        this.selector = checkNotNull(selector, "selector");
        this.encapSourcePort = encapSourcePort;
        this.encapDestinationPort = encapDestinationPort;
        this.engine = checkNotNull(engine, "engine");
    }

    /** Outer source address, or {@code null} for any. */
    public InetAddress source() {
        return source;
    }

    /** Outer destination address. */
    public InetAddress destination() {
        return destination;
    }

    /** SPI. */
    public int spi() {
        return spi;
    }

    /** reqid. */
    public int reqid() {
        return reqid;
    }

    /** Transport or tunnel. */
    public Mode mode() {
        return mode;
    }

    /** Replay window in packets; 0 = no replay check. */
    public int replayWindow() {
        return replayWindow;
    }

    /** Whether extended sequence numbers are used. */
    public boolean esn() {
        return esn;
    }

    /** The algorithm. */
    public AeadAlgorithm algorithm() {
        return algorithm;
    }

    /** ICV length in bytes. */
    public int icvLength() {
        return icvLength;
    }

    /** The transport-mode selector. */
    public Selector selector() {
        return selector;
    }

    /** UDP encapsulation source port, or 0. */
    public int encapSourcePort() {
        return encapSourcePort;
    }

    /** UDP encapsulation destination port, or 0. */
    public int encapDestinationPort() {
        return encapDestinationPort;
    }

    /** Which engine decrypts. */
    public EngineKind engine() {
        return engine;
    }

    /** A copy of this SA with another engine. */
    public SecurityAssociation withEngine(EngineKind kind) {
        return new SecurityAssociation(source, destination, spi, reqid, mode, replayWindow, esn, algorithm, key, salt,
                icvLength, selector, encapSourcePort, encapDestinationPort, kind);
    }

    /** The key (without salt). Package-private: only engines read it. Zeroed after {@link #destroy()}. */
    /** A new engine for this SA (the engine kind picks JCA or Bouncy Castle); one per SA per event loop. */
    AeadEngine newEngine() {
        return engine == EngineKind.BOUNCY_CASTLE ? new BouncyCastleAeadEngine(algorithm, key, salt, icvLength)
                : new JcaAeadEngine(algorithm, key, salt, icvLength);
    }

    byte[] key() {
        return key;
    }

    /** The salt. Zeroed after {@link #destroy()}. */
    byte[] salt() {
        return salt;
    }

    /** Whether the key material has been zeroed. */
    public boolean destroyed() {
        return destroyed;
    }

    /**
     * Zeroes the key material. Engines already built keep their own key copy; {@link EspDecoder} drops the engine of
     * an SA once it is destroyed (removed from the {@link SaDatabase}).
     */
    public void destroy() {
        destroyed = true;
        Arrays.fill(key, (byte) 0);
        Arrays.fill(salt, (byte) 0);
    }

    @Override
    public String toString() {
        // never prints key material
        return "SA(spi 0x" + Integer.toHexString(spi) + " dst " + destination.getHostAddress() + ' '
                + mode.name().toLowerCase(java.util.Locale.ROOT) + ' ' + algorithm.xfrmName() + " icv "
                + icvLength * 8 + " replay-window " + replayWindow + (esn ? " esn" : "") + ')';
    }
}
