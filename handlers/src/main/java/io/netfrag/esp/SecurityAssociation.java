package io.netfrag.esp;

import static io.netty.util.internal.ObjectUtil.checkNotNull;

import io.netfrag.internal.esp.AeadEngine;
import io.netfrag.internal.esp.AeadTransform;
import io.netfrag.internal.esp.BouncyCastleAeadEngine;
import io.netfrag.internal.esp.BouncyCastleCipherAuthTransform;
import io.netfrag.internal.esp.EspTransform;
import io.netfrag.internal.esp.JcaAeadEngine;
import io.netfrag.internal.esp.JcaCipherAuthTransform;
import io.netfrag.internal.esp.ReplayWindow;
import java.net.InetAddress;
import java.util.Arrays;

/**
 * One inbound ESP security association: what {@code ip xfrm state add} describes. Its configuration is immutable; its
 * runtime state — the inbound anti-replay window and the lifetime usage — belongs to the SA object and is shared by
 * every decoder (every event loop) that meets it, updated under the window's lock as Linux updates an
 * {@code xfrm_state} (a decoder given a database another one used continues its windows: replaying a capture again
 * needs the SAs built again). The key material is zeroed by {@link #destroy()} (the {@link SaDatabase} does so when
 * the SA is removed).
 *
 * <p>Lookup identity is (destination address, SPI) for protocol ESP, as Linux {@code xfrm_state_lookup}.
 */
public final class SecurityAssociation {
    /** Largest anti-replay window, in packets (Linux's {@code XFRMA_REPLAY_ESN_VAL} allows up to 4096 here). */
    public static final int MAX_REPLAY_WINDOW = ReplayWindow.MAX_WINDOW;

    /** ESP mode. */
    public enum Mode {
        /** The IP header is kept; the payload is the upper-layer protocol. */
        TRANSPORT,
        /** The payload is a whole inner IPv4 or IPv6 packet. */
        TUNNEL
    }

    /** Which provider's implementation decrypts this SA's packets. */
    public enum EngineKind {
        /**
         * The JCA: the JVM's preferred provider of the algorithm, the JDK's own (AES-NI intrinsics) unless another is
         * installed ahead of it (Amazon Corretto Crypto Provider's AES-GCM is faster); the default.
         */
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
    /** The combined-mode algorithm, or {@code null} for a cipher with a separate integrity algorithm. */
    private final AeadAlgorithm aead;
    private final EncryptionAlgorithm encryption;
    private final AuthenticationAlgorithm authentication;
    /** The cipher key: AEAD without its salt; AES-CTR with its nonce; empty for ESP-NULL. */
    private final byte[] key;
    /** The AEAD salt; empty otherwise. */
    private final byte[] salt;
    /** The integrity key; empty for AEAD. */
    private final byte[] authenticationKey;
    private final int icvLength;
    private final Selector selector;
    private final int encapSourcePort;
    private final int encapDestinationPort;
    private final EngineKind engine;
    private final long replaySequence;
    private final long[] replayHistory;
    private final long outboundSequence;
    private final SaLifetime lifetime;
    /** What the decoders processed for this SA (shared by every event loop), for the lifetime limits. */
    final Usage usage = new Usage();
    /** The inbound anti-replay window, shared by every decoder (every event loop) that meets this SA. */
    final ReplayWindow inboundWindow;
    private volatile boolean destroyed;

    /** Bytes and packets processed and the lifetime clocks, updated from any event loop. */
    static final class Usage {
        final java.util.concurrent.atomic.AtomicLong bytes = new java.util.concurrent.atomic.AtomicLong();
        final java.util.concurrent.atomic.AtomicLong packets = new java.util.concurrent.atomic.AtomicLong();
        /** Ticker time of the first packet any decoder met for the SA, {@link Long#MIN_VALUE} before. */
        volatile long addedNanos = Long.MIN_VALUE;
        /** Ticker time of the first authenticated packet, {@link Long#MIN_VALUE} before. */
        volatile long firstUseNanos = Long.MIN_VALUE;
        final java.util.concurrent.atomic.AtomicBoolean softReached = new java.util.concurrent.atomic.AtomicBoolean();
        final java.util.concurrent.atomic.AtomicBoolean hardReached = new java.util.concurrent.atomic.AtomicBoolean();
    }

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

    private SecurityAssociation(Builder b) {
        this.source = b.source;
        this.destination = checkNotNull(b.destination, "destination");
        this.spi = b.spi;
        this.reqid = b.reqid;
        this.mode = checkNotNull(b.mode, "mode");
        if (b.replayWindow < 0 || b.replayWindow > MAX_REPLAY_WINDOW) {
            throw new IllegalArgumentException("replay window must be in [0, " + MAX_REPLAY_WINDOW + "]: "
                    + b.replayWindow);
        }
        if (b.esn && b.replayWindow == 0) {
            throw new IllegalArgumentException("flag esn needs a replay window > 0");
        }
        this.replayWindow = b.replayWindow;
        this.esn = b.esn;
        if (b.spi == 0) {
            throw new IllegalArgumentException("SPI 0 is reserved (RFC 4303 §2.1)");
        }
        if (source != null && source.getAddress().length != destination.getAddress().length) {
            throw new IllegalArgumentException("source and destination must be of the same address family");
        }
        this.aead = b.aead;
        this.encryption = b.encryption;
        this.authentication = b.authentication;
        if (aead != null) {
            if (encryption != null || authentication != null) {
                throw new IllegalArgumentException("an AEAD algorithm does not combine with enc or auth");
            }
            if (!aead.validKeyLength(b.key.length)) {
                throw new IllegalArgumentException(aead.xfrmName() + " needs a "
                        + (aead == AeadAlgorithm.CHACHA20_POLY1305 ? "256" : "128, 192 or 256") + "-bit key, got "
                        + b.key.length * 8 + " bits");
            }
            if (b.salt.length != aead.saltLength()) {
                throw new IllegalArgumentException(aead.xfrmName() + " needs a " + aead.saltLength()
                        + "-byte salt, got " + b.salt.length);
            }
            if (!aead.validIcvLength(b.icvLength)) {
                throw new IllegalArgumentException("ICV of " + b.icvLength * 8 + " bits is not valid for "
                        + aead.xfrmName());
            }
            this.icvLength = b.icvLength;
        } else {
            if (encryption == null || authentication == null) {
                throw new IllegalArgumentException(encryption == null && authentication == null
                        ? "no algorithm: an SA needs aead, or enc with auth"
                        : encryption == null ? "auth without enc (ESP-NULL is enc 'ecb(cipher_null)' \"\" with auth)"
                        : "enc without auth: netfrag does not accept ESP without integrity (RFC 8221 §3)");
            }
            int keyLength = b.key.length - encryption.nonceLength();
            if (keyLength < 0 || !encryption.validKeyLength(keyLength)) {
                throw new IllegalArgumentException(encryption.xfrmName() + " needs "
                        + (encryption == EncryptionAlgorithm.NULL ? "an empty key"
                        : "a 128, 192 or 256-bit key" + (encryption.nonceLength() > 0 ? " followed by a "
                                + encryption.nonceLength() + "-byte nonce" : ""))
                        + ", got " + b.key.length + " bytes");
            }
            if (b.authenticationKey.length == 0) {
                throw new IllegalArgumentException(authentication.xfrmName() + " needs a key");
            }
            int icv = b.icvLength == 0 ? authentication.defaultIcvBits() / 8 : b.icvLength;
            if (icv * 8 < AuthenticationAlgorithm.MIN_ICV_BITS || icv * 8 > authentication.fullBits()) {
                throw new IllegalArgumentException("ICV of " + icv * 8 + " bits is not valid for "
                        + authentication.xfrmName() + " (expected " + AuthenticationAlgorithm.MIN_ICV_BITS + " to "
                        + authentication.fullBits() + " bits)");
            }
            this.icvLength = icv;
        }
        checkNotNull(b.engine, "engine");
        boolean needsBouncyCastle = b.engine == EngineKind.BOUNCY_CASTLE
                || aead != null && (icvLength < 12 || aead == AeadAlgorithm.AES_CCM);
        if (needsBouncyCastle && !BOUNCY_CASTLE_PRESENT) {
            // Bouncy Castle is an optional dependency: say so here, at configuration time, not per packet
            throw new IllegalArgumentException((b.engine == EngineKind.BOUNCY_CASTLE ? "engine bc"
                    : aead == AeadAlgorithm.AES_CCM ? "rfc4309(ccm(aes)) (the JDK has no AES-CCM)"
                    : "a " + icvLength * 8 + "-bit ICV (the JDK's GCM takes 96 bits and more)")
                    + " needs Bouncy Castle: add org.bouncycastle:bcprov-jdk18on to the class path");
        }
        this.key = b.key.clone();
        this.salt = b.salt.clone();
        this.authenticationKey = b.authenticationKey.clone();
        this.selector = checkNotNull(b.selector, "selector");
        if ((b.encapSourcePort == 0) != (b.encapDestinationPort == 0) || (b.encapSourcePort & ~0xffff) != 0
                || (b.encapDestinationPort & ~0xffff) != 0) {
            throw new IllegalArgumentException("encapsulation ports must both be 1 to 65535, or both 0: "
                    + b.encapSourcePort + ", " + b.encapDestinationPort);
        }
        this.encapSourcePort = b.encapSourcePort;
        this.encapDestinationPort = b.encapDestinationPort;
        this.engine = b.engine;
        if (!esn && (b.replaySequence >>> 32 != 0 || b.outboundSequence >>> 32 != 0)) {
            throw new IllegalArgumentException("sequence numbers above 32 bits need flag esn");
        }
        if (b.replaySequence < 0 || b.outboundSequence < 0) {
            throw new IllegalArgumentException("sequence numbers must not be negative");
        }
        this.replaySequence = b.replaySequence;
        this.replayHistory = b.replayHistory.clone();
        this.inboundWindow = new ReplayWindow(replayWindow, esn);
        inboundWindow.start(replaySequence, replayHistory);
        this.outboundSequence = b.outboundSequence;
        this.lifetime = checkNotNull(b.lifetime, "lifetime");
    }

    /** A builder; the destination, the SPI and an algorithm are required. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this SA's settings (and a copy of its keys), to derive another SA. */
    public Builder toBuilder() {
        Builder b = new Builder().source(source).destination(destination).spi(spi).reqid(reqid).mode(mode)
                .replayWindow(replayWindow).esn(esn).selector(selector)
                .encapsulation(encapSourcePort, encapDestinationPort).engine(engine).replaySequence(replaySequence)
                .replayHistory(replayHistory).outboundSequence(outboundSequence).lifetime(lifetime);
        if (aead != null) {
            b.aead(aead, key, salt, icvLength * 8);
        } else {
            b.encryption(encryption, key).authentication(authentication, authenticationKey, icvLength * 8);
        }
        return b;
    }

    /**
     * Builds a {@link SecurityAssociation}. Key arrays are copied when set; the SA copies them again, and
     * {@link #clearKeys()} zeroes the builder's copies.
     */
    public static final class Builder {
        private InetAddress source;
        private InetAddress destination;
        private int spi;
        private int reqid;
        private Mode mode = Mode.TRANSPORT;
        private int replayWindow = 64;
        private boolean esn;
        private AeadAlgorithm aead;
        private EncryptionAlgorithm encryption;
        private AuthenticationAlgorithm authentication;
        private byte[] key = new byte[0];
        private byte[] salt = new byte[0];
        private byte[] authenticationKey = new byte[0];
        private int icvLength;
        private Selector selector = Selector.ANY;
        private int encapSourcePort;
        private int encapDestinationPort;
        private EngineKind engine = EngineKind.JCA;
        private long replaySequence;
        private long[] replayHistory = new long[0];
        private long outboundSequence;
        private SaLifetime lifetime = SaLifetime.NONE;

        private Builder() {
        }

        /**
         * Where the inbound anti-replay window starts: the highest sequence number already received (as
         * {@code replay-seq} and {@code replay-seq-hi} say; 64 bits under ESN), so that a capture taken in the middle
         * of an SA's life verifies. Default 0: a fresh SA.
         */
        public Builder replaySequence(long sequence) {
            this.replaySequence = sequence;
            return this;
        }

        /**
         * Which packets of the window below the {@link #replaySequence} were already received (what an SA listing's
         * replay bitmap says): bit {@code i} (word {@code i / 64}, bit {@code i % 64}) set means sequence number
         * {@code replaySequence - i} was. Default: none.
         */
        public Builder replayHistory(long[] history) {
            this.replayHistory = checkNotNull(history, "history").clone();
            return this;
        }

        /**
         * The last outbound sequence number sent ({@code replay-oseq}, {@code replay-oseq-hi}): {@link EspEncoder}
         * continues after it. Default 0.
         */
        public Builder outboundSequence(long sequence) {
            this.outboundSequence = sequence;
            return this;
        }

        /** Lifetime limits; default {@link SaLifetime#NONE}. */
        public Builder lifetime(SaLifetime lifetime) {
            this.lifetime = checkNotNull(lifetime, "lifetime");
            return this;
        }

        /** The outer source address, or {@code null} for any (the default). */
        public Builder source(InetAddress source) {
            this.source = source;
            return this;
        }

        /** The outer destination address: with the SPI, what packets are matched by. */
        public Builder destination(InetAddress destination) {
            this.destination = checkNotNull(destination, "destination");
            return this;
        }

        /** The SPI, not 0. */
        public Builder spi(int spi) {
            this.spi = spi;
            return this;
        }

        /** The request id (informational). */
        public Builder reqid(int reqid) {
            this.reqid = reqid;
            return this;
        }

        /** Transport (the default) or tunnel. */
        public Builder mode(Mode mode) {
            this.mode = checkNotNull(mode, "mode");
            return this;
        }

        /** The anti-replay window in packets, 0 (no check, as Linux) to {@link #MAX_REPLAY_WINDOW}; default 64. */
        public Builder replayWindow(int packets) {
            this.replayWindow = packets;
            return this;
        }

        /** Extended (64-bit) sequence numbers (RFC 4303 Appendix A); needs a replay window. */
        public Builder esn(boolean esn) {
            this.esn = esn;
            return this;
        }

        /**
         * A combined-mode algorithm.
         *
         * @param algorithm the algorithm
         * @param key the key without the salt; copied
         * @param salt the salt (4 bytes; 3 for AES-CCM); copied
         * @param icvBits the ICV length in bits
         */
        public Builder aead(AeadAlgorithm algorithm, byte[] key, byte[] salt, int icvBits) {
            if (icvBits <= 0 || icvBits % 8 != 0) {
                throw new IllegalArgumentException("ICV length must be a whole number of bytes: " + icvBits + " bits");
            }
            this.aead = checkNotNull(algorithm, "algorithm");
            this.key = checkNotNull(key, "key").clone();
            this.salt = checkNotNull(salt, "salt").clone();
            this.icvLength = icvBits / 8;
            return this;
        }

        /**
         * A cipher, with {@link #authentication}.
         *
         * @param algorithm the cipher
         * @param key the key, as {@code ip xfrm} takes it (AES-CTR: the AES key followed by the 4-byte nonce; ESP-NULL:
         *     empty); copied
         */
        public Builder encryption(EncryptionAlgorithm algorithm, byte[] key) {
            this.encryption = checkNotNull(algorithm, "algorithm");
            this.key = checkNotNull(key, "key").clone();
            return this;
        }

        /**
         * An integrity algorithm, with {@link #encryption}.
         *
         * @param algorithm the algorithm
         * @param key the HMAC key, not empty; copied
         * @param icvBits the ICV length in bits, or 0 for Linux's default for the algorithm
         *     ({@link AuthenticationAlgorithm#defaultIcvBits()})
         */
        public Builder authentication(AuthenticationAlgorithm algorithm, byte[] key, int icvBits) {
            if (icvBits < 0 || icvBits % 8 != 0) {
                throw new IllegalArgumentException("ICV length must be a whole number of bytes: " + icvBits + " bits");
            }
            this.authentication = checkNotNull(algorithm, "algorithm");
            this.authenticationKey = checkNotNull(key, "key").clone();
            this.icvLength = icvBits / 8;
            return this;
        }

        /** The transport-mode selector; default {@link Selector#ANY}. */
        public Builder selector(Selector selector) {
            this.selector = checkNotNull(selector, "selector");
            return this;
        }

        /** RFC 3948 UDP encapsulation ports, both 1 to 65535; both 0 (the default) for none. */
        public Builder encapsulation(int sourcePort, int destinationPort) {
            this.encapSourcePort = sourcePort;
            this.encapDestinationPort = destinationPort;
            return this;
        }

        /** Which engine decrypts; default {@link EngineKind#JCA}. */
        public Builder engine(EngineKind engine) {
            this.engine = checkNotNull(engine, "engine");
            return this;
        }

        /** Zeroes the builder's copies of the keys. */
        public Builder clearKeys() {
            Arrays.fill(key, (byte) 0);
            Arrays.fill(salt, (byte) 0);
            Arrays.fill(authenticationKey, (byte) 0);
            return this;
        }

        /**
         * Builds the SA.
         *
         * @throws IllegalArgumentException naming what is missing or invalid (never quoting key material)
         */
        public SecurityAssociation build() {
            if (destination == null) {
                throw new IllegalArgumentException("no destination address");
            }
            return new SecurityAssociation(this);
        }
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

    /** The combined-mode algorithm, or {@code null} for a cipher with a separate integrity algorithm. */
    public AeadAlgorithm aead() {
        return aead;
    }

    /** The cipher, or {@code null} for a combined-mode algorithm. */
    public EncryptionAlgorithm encryption() {
        return encryption;
    }

    /** The integrity algorithm, or {@code null} for a combined-mode algorithm. */
    public AuthenticationAlgorithm authentication() {
        return authentication;
    }

    /** Bytes of IV each packet carries. */
    public int ivLength() {
        return aead != null ? aead.ivLength() : encryption.ivLength();
    }

    /** The algorithms as {@code ip xfrm} names them, e.g. {@code cbc(aes)+hmac(sha256)}. */
    public String suite() {
        return aead != null ? aead.xfrmName() : encryption.xfrmName() + '+' + authentication.xfrmName();
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

    /** The highest inbound sequence number already received when the SA was set up (0 for a fresh SA). */
    public long replaySequence() {
        return replaySequence;
    }

    /** The packets below {@link #replaySequence()} already received when the SA was set up; see the builder. */
    public long[] replayHistory() {
        return replayHistory.clone();
    }

    /** The last outbound sequence number sent when the SA was set up (0 for a fresh SA). */
    public long outboundSequence() {
        return outboundSequence;
    }

    /** The lifetime limits. */
    public SaLifetime lifetime() {
        return lifetime;
    }

    /** Whether a decoder found the SA past a hard lifetime limit: it no longer accepts packets. */
    public boolean expired() {
        return usage.hardReached.get();
    }

    /** Which engine decrypts. */
    public EngineKind engine() {
        return engine;
    }

    /** A copy of this SA with another engine. */
    public SecurityAssociation withEngine(EngineKind kind) {
        Builder b = toBuilder().engine(kind);
        try {
            return b.build();
        } finally {
            b.clearKeys();
        }
    }

    /** A new AEAD engine for this combined-mode SA (the engine kind picks JCA or Bouncy Castle). */
    AeadEngine newEngine() {
        if (aead == null) {
            throw new IllegalStateException(suite() + " is not a combined-mode algorithm");
        }
        return engine == EngineKind.BOUNCY_CASTLE ? new BouncyCastleAeadEngine(aead, key, salt, icvLength)
                : new JcaAeadEngine(aead, key, salt, icvLength);
    }

    /**
     * A new transform for this SA (the engine kind picks JCA or Bouncy Castle); one per SA per event loop. The
     * transform holds its own copies of the keys.
     *
     * @throws IllegalStateException when the SA was destroyed (removed from its database), also while the transform
     *     was being built: its keys may already be zeros
     */
    EspTransform newTransform() {
        EspTransform t;
        if (aead != null) {
            t = new AeadTransform(newEngine(), esn);
        } else {
            t = engine == EngineKind.BOUNCY_CASTLE
                    ? new BouncyCastleCipherAuthTransform(encryption, key, authentication, authenticationKey,
                            icvLength, esn)
                    : new JcaCipherAuthTransform(encryption, key, authentication, authenticationKey, icvLength, esn);
        }
        // destroy() sets the flag before it zeroes the keys: not destroyed now means the copies were taken intact
        if (destroyed) {
            throw new IllegalStateException(this + " was destroyed");
        }
        return t;
    }

    /** The key (without salt). Package-private: only engines read it. Zeroed after {@link #destroy()}. */
    byte[] key() {
        return key;
    }

    /** The integrity key (empty for AEAD). Zeroed after {@link #destroy()}. */
    byte[] authenticationKey() {
        return authenticationKey;
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
        Arrays.fill(authenticationKey, (byte) 0);
    }

    @Override
    public String toString() {
        // never prints key material
        return "SA(spi 0x" + Integer.toHexString(spi) + " dst " + destination.getHostAddress() + ' '
                + mode.name().toLowerCase(java.util.Locale.ROOT) + ' ' + suite() + " icv "
                + icvLength * 8 + " replay-window " + replayWindow + (esn ? " esn" : "") + ')';
    }
}
