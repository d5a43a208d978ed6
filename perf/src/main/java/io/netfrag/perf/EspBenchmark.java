package io.netfrag.perf;

import com.amazon.corretto.crypto.provider.AmazonCorrettoCryptoProvider;
import io.netfrag.internal.esp.AeadEngine;
import io.netfrag.internal.esp.BouncyCastleAeadEngine;
import io.netfrag.internal.esp.JcaAeadEngine;
import io.netfrag.esp.EspDecoder;
import io.netfrag.esp.EspEncoder;
import io.netfrag.esp.SaDatabase;
import io.netfrag.esp.SecurityAssociation;
import io.netfrag.esp.XfrmStateParser;
import io.netfrag.internal.wire.Ipv6Header;
import io.netfrag.packet.IpPacket;
import io.netfrag.packet.IpPacketDecoder;
import io.netfrag.packet.LocalAddresses;
import io.netfrag.reassembly.CoalescePolicy;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.concurrent.FastThreadLocalThread;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.crypto.InvalidCipherTextException;
import org.bouncycastle.crypto.engines.AESEngine;
import org.bouncycastle.crypto.modes.AEADCipher;
import org.bouncycastle.crypto.modes.GCMBlockCipher;
import org.bouncycastle.crypto.params.AEADParameters;
import org.bouncycastle.crypto.params.KeyParameter;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * ESP decryption (rfc4106(gcm(aes)), 128-bit key, 128-bit ICV, transport mode over IPv6) through {@link EspDecoder},
 * against the bare AEAD engine and the bare JCA and Bouncy Castle ciphers on the same ciphertext.
 *
 * <p><b>One operation = one ESP packet</b>: an IPv6 packet fc00:1::1 → fc00:2::1 carrying ESP (SPI 0x1000, replay
 * window 0, so the same packet can be opened again and again) around a UDP datagram of {@code udpPayload} bytes:
 * 1318 (→ a 1400-byte ESP packet, 1328 bytes of ciphertext) or 65,000 (→ 65,084 bytes, 65,012 of ciphertext). Built
 * once per trial with {@link EspEncoder#protectTransport}.
 *
 * <p>Every variant decrypts in place, so every operation first restores the ciphertext into its working buffer (a
 * copy of the packet, or of the ciphertext + ICV for the bare ones); {@link #restore} measures that copy alone.
 *
 * <ul>
 *   <li>{@link #decoder}: {@code IpPacketDecoder → EspDecoder(SaDatabase, policy, 4500, 4, ALL)} in an
 *       {@link EmbeddedChannel}; the input buffer (pooled direct, or heap: {@code input}) is retained and fired with
 *       {@code pipeline().fireChannelRead}, the decrypted {@link IpPacket} read out and released. Policy
 *       {@code ADAPTIVE} (the default): in place — a heap buffer's array is decrypted where it is, a direct buffer's
 *       bytes go through the decoder's scratch array and back; {@code COPY}: the plaintext goes into a new direct
 *       buffer from the channel's allocator.
 *   <li>{@link #engine}: the SA's AEAD engine ({@code JcaAeadEngine} or {@code BouncyCastleAeadEngine}, as the decoder
 *       creates it) {@code open(...)} on a {@code byte[]}.
 *   <li>{@link #rawJca}: {@code Cipher("AES/GCM/NoPadding")}: init, AAD, {@code doFinal} in place on a
 *       {@code byte[]}; {@link #rawAccp}: the same from Amazon Corretto Crypto Provider; {@link #rawBc}: Bouncy
 *       Castle {@code GCMBlockCipher(AESEngine)} the same way.
 *   <li>{@link #rawJcaDirectInPlace} and {@link #rawJcaDirectToNew}: the JCA cipher on direct {@code ByteBuffer}s
 *       (in place, and into a second direct buffer), to see whether the decoder needs its scratch-array round trip
 *       for direct input.
 * </ul>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {
        "-Dio.netty.leakDetection.level=disabled",
        "-Djmh.executor=CUSTOM", "-Djmh.executor.class=io.netfrag.perf.FastThreadLocalExecutor",
        "-Xms1g", "-Xmx1g"})
public class EspBenchmark {
    /** The benchmark SA; the engine is appended. Key 16 × 0x0b, salt 4 × 0x0b. */
    static final String SA_LINE = "src fc00:1::1 dst fc00:2::1 proto esp spi 0x1000 replay-window 0"
            + " aead 'rfc4106(gcm(aes))' 0x0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b 128 engine ";
    static final int SPI = 0x1000;
    static final int ICV = 16;
    /** IPv6 header + ESP header (SPI, sequence) + explicit IV: where the ciphertext starts. */
    static final int CIPHERTEXT_INDEX = Ipv6Header.LENGTH + 8 + 8;

    static byte[] keyBytes() {
        byte[] k = new byte[16];
        Arrays.fill(k, (byte) 0x0b);
        return k;
    }

    /** The ESP packet and the pieces the bare ciphers need. */
    @State(Scope.Thread)
    public static class Packet {
        /** UDP payload bytes: 1318 gives a 1400-byte ESP packet. */
        @Param({"1318", "65000"})
        public int udpPayload;

        byte[] plain;
        byte[] esp;
        /** Ciphertext + ICV, the pristine copy. */
        byte[] ciphertext;
        /** Working copy for the bare variants. */
        byte[] work;
        byte[] iv = new byte[8];
        byte[] nonce = new byte[12];
        byte[] aad = new byte[8];
        Cipher jca;
        SecretKeySpec jcaKey;
        /** Direct memory for the JCA-on-ByteBuffer variants. */
        ByteBuffer directIn;
        ByteBuffer directOut;
        AEADCipher bc;
        KeyParameter bcKey;

        @Setup(Level.Trial)
        public void setUp() throws GeneralSecurityException, InvalidCipherTextException {
            plain = PerfPackets.ipv6Udp(PerfPackets.random(udpPayload, 6));
            EspEncoder encoder = new EspEncoder(XfrmStateParser.parse(SA_LINE + "jca"));
            ByteBuf p = Unpooled.wrappedBuffer(plain);
            ByteBuf e = encoder.protectTransport(p, UnpooledByteBufAllocator.DEFAULT);
            esp = PerfPackets.bytes(e);
            e.release();
            ciphertext = Arrays.copyOfRange(esp, CIPHERTEXT_INDEX, esp.length);
            work = ciphertext.clone();
            System.arraycopy(esp, Ipv6Header.LENGTH, aad, 0, 8); // SPI ‖ sequence
            System.arraycopy(esp, Ipv6Header.LENGTH + 8, iv, 0, 8);
            Arrays.fill(nonce, 0, 4, (byte) 0x0b); // salt
            System.arraycopy(iv, 0, nonce, 4, 8);
            jca = Cipher.getInstance("AES/GCM/NoPadding");
            jcaKey = new SecretKeySpec(keyBytes(), "AES");
            bc = GCMBlockCipher.newInstance(AESEngine.newInstance());
            bcKey = new KeyParameter(keyBytes());
            // the bare ciphers must give back the plaintext the encoder sealed
            checkPlain(this, "raw JCA", openJca(this));
            directIn = ByteBuffer.allocateDirect(ciphertext.length);
            directOut = ByteBuffer.allocateDirect(ciphertext.length);
            for (boolean inPlace : new boolean[] {true, false}) {
                Arrays.fill(work, (byte) 0);
                int n = openJcaDirect(this, inPlace);
                (inPlace ? directIn : directOut).duplicate().position(0).get(work, 0, n);
                checkPlain(this, "raw JCA on direct ByteBuffers, in place " + inPlace, n);
            }
            checkPlain(this, "raw BC", openBc(this));
        }
    }

    static void checkPlain(Packet p, String what, int n) {
        // ESP payload = UDP datagram + padding + pad length + next header
        byte[] udp = Arrays.copyOfRange(p.plain, Ipv6Header.LENGTH, p.plain.length);
        PerfPackets.check(what, udp, Arrays.copyOf(p.work, udp.length));
        if (n != p.ciphertext.length - ICV) {
            throw new IllegalStateException(what + ": " + n + " bytes of plaintext");
        }
    }

    /** The SA's engine kind. */
    @State(Scope.Thread)
    public static class Engine {
        /** {@code engine jca} (JDK, AES-NI) or {@code engine bc} (Bouncy Castle, pure Java). */
        @Param({"jca", "bc"})
        public String engine;

        SecurityAssociation sa;
        AeadEngine aead;

        @Setup(Level.Trial)
        public void setUp(Packet p) {
            sa = XfrmStateParser.parse(SA_LINE + engine);
            byte[] key = new byte[16];
            byte[] salt = new byte[4];
            java.util.Arrays.fill(key, (byte) 0x0b);
            java.util.Arrays.fill(salt, (byte) 0x0b);
            aead = engine.equals("bc") ? new BouncyCastleAeadEngine(sa.aead(), key, salt, sa.icvLength())
                    : new JcaAeadEngine(sa.aead(), key, salt, sa.icvLength());
            if (!aead.open(p.iv, 0, p.aad, 8, p.work, 0, restoreWork(p))) {
                throw new IllegalStateException("engine " + engine + ": ICV failed");
            }
            checkPlain(p, "engine " + engine, p.work.length - ICV);
        }
    }

    /** A channel with the decoder and an input buffer. */
    @State(Scope.Thread)
    public static class Decoder {
        /** {@code ADAPTIVE}: in place (the default); {@code COPY}: plaintext into a new buffer. */
        @Param({"ADAPTIVE", "COPY"})
        public CoalescePolicy policy;
        /** Input buffer: pooled {@code direct} or {@code heap} (from the same allocator). */
        @Param({"direct", "heap"})
        public String input;
        /** Allocator of the channel and the input buffer. */
        @Param({"adaptive"})
        public String allocator;

        EmbeddedChannel channel;
        ChannelPipeline pipeline;
        ByteBuf in;
        EspDecoder decoder;

        @Setup(Level.Trial)
        public void setUp(Packet p, Engine e) {
            if (!FastThreadLocalThread.currentThreadWillCleanupFastThreadLocals()) {
                throw new IllegalStateException("not on a FastThreadLocalThread");
            }
            ByteBufAllocator alloc = PerfPackets.allocator(allocator);
            SaDatabase db = new SaDatabase();
            db.add(e.sa);
            decoder = new EspDecoder(db, policy, EspDecoder.DEFAULT_ENCAP_PORT, EspDecoder.DEFAULT_MAX_DEPTH,
                    LocalAddresses.ALL);
            channel = new EmbeddedChannel(new IpPacketDecoder(), decoder);
            channel.config().setAllocator(alloc);
            pipeline = channel.pipeline();
            int n = p.esp.length;
            switch (input) {
                case "direct":
                    in = alloc.directBuffer(n, n);
                    break;
                case "heap":
                    in = alloc.heapBuffer(n, n);
                    break;
                default:
                    throw new IllegalArgumentException("input: " + input);
            }
            for (int i = 0; i < 2; i++) { // twice: replay window 0 lets the same packet through again
                IpPacket out = decrypt(p, this);
                try {
                    PerfPackets.check("EspDecoder output", p.plain, PerfPackets.bytes(out.content()));
                } finally {
                    out.release();
                }
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            if (channel.finish()) {
                throw new IllegalStateException("messages left in the channel");
            }
            if (in.refCnt() != 1) {
                throw new IllegalStateException("input refCnt " + in.refCnt());
            }
            in.release();
            if (decoder.stats().totalDrops() != 0) {
                throw new IllegalStateException("decoder dropped packets: " + decoder.stats());
            }
        }
    }

    static int restoreWork(Packet p) {
        System.arraycopy(p.ciphertext, 0, p.work, 0, p.ciphertext.length);
        return p.ciphertext.length;
    }

    static IpPacket decrypt(Packet p, Decoder d) {
        ByteBuf in = d.in;
        in.setBytes(0, p.esp);
        in.setIndex(0, p.esp.length);
        in.retain();
        d.pipeline.fireChannelRead(in);
        IpPacket out = d.channel.readInbound();
        if (out == null) {
            throw new IllegalStateException("no packet decrypted: " + d.decoder.stats());
        }
        return out;
    }

    /** EspDecoder in a channel; the decrypted packet is released. */
    @Benchmark
    public int decoder(Packet p, Engine e, Decoder d) {
        IpPacket out = decrypt(p, d);
        int n = out.content().readableBytes();
        out.release();
        return n;
    }

    /** The decoder's engine alone: {@code AeadEngine.open} in place on a {@code byte[]}. */
    @Benchmark
    public boolean engine(Packet p, Engine e) {
        int n = restoreWork(p);
        return e.aead.open(p.iv, 0, p.aad, 8, p.work, 0, n);
    }

    /** JCA {@code AES/GCM/NoPadding} in place on a {@code byte[]}. */
    @Benchmark
    public int rawJca(Packet p) throws GeneralSecurityException {
        return openJca(p);
    }

    static int openJca(Packet p) throws GeneralSecurityException {
        return open(p, p.jca);
    }

    static int open(Packet p, Cipher cipher) throws GeneralSecurityException {
        int n = restoreWork(p);
        cipher.init(Cipher.DECRYPT_MODE, p.jcaKey, new GCMParameterSpec(ICV * 8, p.nonce));
        cipher.updateAAD(p.aad, 0, 8);
        return cipher.doFinal(p.work, 0, n, p.work, 0);
    }

    /** Amazon Corretto Crypto Provider's {@code AES/GCM/NoPadding} (AWS-LC); its setup fails where it cannot load. */
    @State(Scope.Thread)
    public static class Accp {
        Cipher cipher;

        @Setup(Level.Trial)
        public void setUp(Packet p) throws GeneralSecurityException {
            Throwable error = AmazonCorrettoCryptoProvider.INSTANCE.getLoadingError();
            if (error != null) {
                throw new IllegalStateException("Amazon Corretto Crypto Provider cannot load here", error);
            }
            cipher = Cipher.getInstance("AES/GCM/NoPadding", AmazonCorrettoCryptoProvider.INSTANCE);
            checkPlain(p, "raw ACCP", open(p, cipher));
        }
    }

    /** {@link #rawJca} with Amazon Corretto Crypto Provider's cipher: what netfrag's JCA engine gets with it preferred. */
    @Benchmark
    public int rawAccp(Packet p, Accp a) throws GeneralSecurityException {
        return open(p, a.cipher);
    }

    /**
     * JCA on direct {@code ByteBuffer}s, in place ({@code doFinal(buf, buf.duplicate())}): what the decoder could do on
     * a direct input buffer instead of its copy to a scratch array and back.
     */
    @Benchmark
    public int rawJcaDirectInPlace(Packet p) throws GeneralSecurityException {
        return openJcaDirect(p, true);
    }

    /**
     * JCA from one direct {@code ByteBuffer} into another: what the decoder's COPY policy could do (decrypt straight
     * into the new buffer).
     */
    @Benchmark
    public int rawJcaDirectToNew(Packet p) throws GeneralSecurityException {
        return openJcaDirect(p, false);
    }

    static int openJcaDirect(Packet p, boolean inPlace) throws GeneralSecurityException {
        ByteBuffer in = p.directIn;
        in.clear();
        in.put(p.ciphertext).flip(); // restore, as every variant does
        ByteBuffer out = inPlace ? in.duplicate() : p.directOut;
        out.clear();
        p.jca.init(Cipher.DECRYPT_MODE, p.jcaKey, new GCMParameterSpec(ICV * 8, p.nonce));
        p.jca.updateAAD(p.aad, 0, 8);
        return p.jca.doFinal(in, out);
    }

    /** Bouncy Castle {@code GCMBlockCipher(AESEngine)} in place on a {@code byte[]}. */
    @Benchmark
    public int rawBc(Packet p) throws InvalidCipherTextException {
        return openBc(p);
    }

    static int openBc(Packet p) throws InvalidCipherTextException {
        int n = restoreWork(p);
        p.bc.init(false, new AEADParameters(p.bcKey, ICV * 8, p.nonce));
        p.bc.processAADBytes(p.aad, 0, 8);
        int out = p.bc.processBytes(p.work, 0, n, p.work, 0);
        return out + p.bc.doFinal(p.work, out);
    }

    /** Harness: the per-operation restore of the ciphertext alone (the bare variants' copy). */
    @Benchmark
    public byte[] restore(Packet p) {
        restoreWork(p);
        return p.work;
    }
}
