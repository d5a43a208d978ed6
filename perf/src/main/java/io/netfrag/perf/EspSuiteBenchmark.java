package io.netfrag.perf;

import io.netfrag.esp.AuthenticationAlgorithm;
import io.netfrag.esp.EncryptionAlgorithm;
import io.netfrag.esp.EspEncoder;
import io.netfrag.esp.XfrmStateParser;
import io.netfrag.internal.esp.AeadTransform;
import io.netfrag.internal.esp.EspTransform;
import io.netfrag.internal.esp.JcaAeadEngine;
import io.netfrag.internal.esp.JcaCipherAuthTransform;
import io.netfrag.internal.wire.Ipv6Header;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * The ESP suites beside AES-GCM, as the decoder runs them: one operation verifies and decrypts one ESP packet (IPv6
 * transport mode, a UDP payload of {@code udpPayload} bytes: 1318 gives a packet of about 1400 bytes) in place on a
 * {@code byte[]} through the SA's transform ({@link #transform}), after restoring the packet from a pristine copy
 * ({@link #restore} measures that copy alone). {@link #rawCbcHmacSha256} is the yardstick for {@code cbc-sha256}: the
 * JDK's {@code HmacSHA256} over SPI ‖ sequence ‖ IV ‖ ciphertext and {@code AES/CBC/NoPadding} decrypting the same
 * bytes, nothing else — the target is the transform at ≥ 70 % of it.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {
        "-Dio.netty.leakDetection.level=disabled",
        "-Djmh.executor=CUSTOM", "-Djmh.executor.class=io.netfrag.perf.FastThreadLocalExecutor",
        "-Xms1g", "-Xmx1g"})
public class EspSuiteBenchmark {
    static final String ID = "src fc00:1::1 dst fc00:2::1 proto esp spi 0x1000 replay-window 0 ";
    static final byte[] CBC_KEY = filled(16, 0x0d);
    static final byte[] HMAC_KEY = filled(32, 0x0e);

    static byte[] filled(int n, int v) {
        byte[] b = new byte[n];
        Arrays.fill(b, (byte) v);
        return b;
    }

    static String hex(byte[] b) {
        return io.netty.buffer.ByteBufUtil.hexDump(b);
    }

    /** The SA's suite and the packet it protects. */
    @State(Scope.Thread)
    public static class Suite {
        /** The suite: AES-CBC or AES-CTR with HMAC-SHA-256-128, AES-CCM or AES-GCM with a 128-bit ICV. */
        @Param({"cbc-sha256", "ctr-sha256", "ccm", "gcm"})
        public String suite;

        /** UDP payload bytes. */
        @Param({"1318", "65000"})
        public int udpPayload;


        EspTransform transform;
        /** The ESP packet from its SPI, pristine. */
        byte[] esp;
        byte[] work;

        @Setup(Level.Trial)
        public void setUp() {
            String algorithms = switch (suite) {
                case "cbc-sha256" -> "enc 'cbc(aes)' 0x" + hex(CBC_KEY) + " auth-trunc 'hmac(sha256)' 0x"
                        + hex(HMAC_KEY) + " 128";
                case "ctr-sha256" -> "enc 'rfc3686(ctr(aes))' 0x" + hex(CBC_KEY) + "01020304 auth-trunc "
                        + "'hmac(sha256)' 0x" + hex(HMAC_KEY) + " 128";
                case "ccm" -> "aead 'rfc4309(ccm(aes))' 0x" + hex(CBC_KEY) + "a0a1a2 128";
                case "gcm" -> "aead 'rfc4106(gcm(aes))' 0x" + hex(CBC_KEY) + "a0a1a2a3 128";
                default -> throw new IllegalArgumentException(suite);
            };
            var sa = XfrmStateParser.parse(ID + algorithms);
            byte[] plain = PerfPackets.ipv6Udp(PerfPackets.random(udpPayload, 6));
            ByteBuf p = Unpooled.wrappedBuffer(plain);
            ByteBuf e = new EspEncoder(sa).protectTransport(p, UnpooledByteBufAllocator.DEFAULT);
            byte[] packet = PerfPackets.bytes(e);
            e.release();
            esp = Arrays.copyOfRange(packet, Ipv6Header.LENGTH, packet.length);
            work = esp.clone();
            // the transform the decoder builds for this SA (SecurityAssociation keeps that factory to itself)
            byte[] salt = suite.equals("ccm") ? new byte[] {(byte) 0xa0, (byte) 0xa1, (byte) 0xa2}
                    : new byte[] {(byte) 0xa0, (byte) 0xa1, (byte) 0xa2, (byte) 0xa3};
            byte[] ctrKey = Arrays.copyOf(CBC_KEY, 20);
            System.arraycopy(new byte[] {1, 2, 3, 4}, 0, ctrKey, 16, 4);
            transform = switch (suite) {
                case "cbc-sha256" -> new JcaCipherAuthTransform(EncryptionAlgorithm.AES_CBC, CBC_KEY,
                        AuthenticationAlgorithm.HMAC_SHA256, HMAC_KEY, 16, false);
                case "ctr-sha256" -> new JcaCipherAuthTransform(EncryptionAlgorithm.AES_CTR, ctrKey,
                        AuthenticationAlgorithm.HMAC_SHA256, HMAC_KEY, 16, false);
                default -> new AeadTransform(new JcaAeadEngine(sa.aead(), CBC_KEY, salt, 16), false);
            };
            if (!transform.open(work, 0, work.length, 0)) {
                throw new IllegalStateException(suite + ": the packet the encoder sealed does not verify");
            }
            byte[] udp = Arrays.copyOfRange(plain, Ipv6Header.LENGTH, plain.length);
            PerfPackets.check(suite, udp, Arrays.copyOfRange(work, 8 + transform.ivLength(),
                    8 + transform.ivLength() + udp.length));
        }
    }

    /** The raw JCA pieces for {@code cbc-sha256}. */
    @State(Scope.Thread)
    public static class Raw {
        Cipher cbc;
        SecretKeySpec key;
        Mac hmac;
        byte[] mac = new byte[32];

        @Setup(Level.Trial)
        public void setUp() throws GeneralSecurityException {
            cbc = Cipher.getInstance("AES/CBC/NoPadding");
            key = new SecretKeySpec(CBC_KEY, "AES");
            hmac = Mac.getInstance("HmacSHA256");
            hmac.init(new SecretKeySpec(HMAC_KEY, "HmacSHA256"));
        }
    }

    static int restoreWork(Suite s) {
        System.arraycopy(s.esp, 0, s.work, 0, s.esp.length);
        return s.esp.length;
    }

    /** Harness: restoring the packet alone. */
    @Benchmark
    public int restore(Suite s) {
        return restoreWork(s);
    }

    /** The SA's transform: verify and decrypt in place. */
    @Benchmark
    public boolean transform(Suite s) {
        int n = restoreWork(s);
        return s.transform.open(s.work, 0, n, 0);
    }

    /** JCA HMAC-SHA-256 over the authenticated bytes, then AES-CBC decryption of the ciphertext (cbc-sha256 only). */
    @Benchmark
    public int rawCbcHmacSha256(Suite s, Raw r) throws GeneralSecurityException {
        if (!s.suite.equals("cbc-sha256")) {
            return 0;
        }
        int n = restoreWork(s);
        int authenticated = n - 16;
        r.hmac.update(s.work, 0, authenticated);
        r.hmac.doFinal(r.mac, 0);
        r.cbc.init(Cipher.DECRYPT_MODE, r.key, new IvParameterSpec(s.work, 8, 16));
        return r.cbc.doFinal(s.work, 24, authenticated - 24, s.work, 24) + r.mac[0];
    }
}
