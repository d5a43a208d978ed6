package io.netfrag.fuzz;

import static io.netfrag.fuzz.FuzzSupport.check;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netfrag.esp.EspDecoder;
import io.netfrag.internal.esp.ReplayWindow;
import io.netfrag.esp.SaDatabase;
import io.netfrag.internal.wire.IpProtocols;
import io.netfrag.internal.wire.Ipv4Header;
import io.netfrag.ipv4.Ipv4FragmentReassembler;
import io.netfrag.ipv6.Ipv6FragmentReassembler;
import io.netfrag.packet.IcmpErrorSink;
import io.netfrag.packet.IpPacket;
import io.netfrag.packet.IpPacketDecoder;
import io.netfrag.packet.LocalAddresses;
import io.netfrag.reassembly.CoalescePolicy;
import io.netfrag.reassembly.ReassemblyLimits;
import io.netfrag.udp.UdpDeliver;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.ReferenceCountUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Fuzzes {@link EspDecoder} in the full receive path ({@link IpPacketDecoder}, both reassemblers, ESP,
 * {@link UdpDeliver}) with fixed SAs: the demo's transport SA ({@code spi 0x1000}, {@code rfc4106(gcm(aes))}, a
 * 20-byte key = 16-byte AES-128 key + 4-byte salt, 96-bit ICV, replay window 64), a tunnel-mode ESN SA with a
 * 128-bit ICV ({@code spi 0x1002}) and an IPv4 transport SA ({@code spi 0x1001}) — and, for the raw target, AES-CBC
 * with HMAC-SHA-256 ({@code spi 0x1003}) and an ESN ESP-NULL tunnel SA with HMAC-SHA-1 ({@code spi 0x1004}); engine
 * (JCA or Bouncy Castle),
 * coalesce policy (in place or COPY), heap or direct input buffers and nesting limit are fuzzed.
 *
 * <ul>
 *   <li>{@link #raw}: one to four packets with a valid outer IPv6 or IPv4 header (sometimes with a Destination
 *       Options header, sometimes ESP-in-UDP on port 4500) and a fuzzed SPI (mostly one of ours) and sequence
 *       number, followed by arbitrary bytes.</li>
 *   <li>{@link #encrypted}: one to four packets <em>properly encrypted</em> with the SA's key (javax.crypto AES/GCM,
 *       RFC 4106: nonce = salt ‖ IV, AAD = SPI ‖ sequence, or SPI ‖ high ‖ low bits under ESN) around a fuzzed
 *       plaintext: inner UDP (transport) or inner IPv6/IPv4 UDP packet (tunnel) with fuzzed lengths and checksums,
 *       fuzzed padding, pad length and next header (59 included), fuzzed sequence numbers (next, repeated, old,
 *       zero, arbitrary), sometimes a flipped ciphertext/ICV bit or a truncated packet — so that the checks after
 *       decryption are reached.</li>
 * </ul>
 *
 * <p>Properties checked on every input: no exception escapes a handler; no leak (every input buffer and every
 * buffer allocated through the channel is released); delivered IP packets are consistent
 * ({@link FuzzSupport#checkIpPacket}); a delivered UDP datagram carries bytes that were in a plaintext this input
 * encrypted (nothing unauthenticated leaks out); and, as a completeness check, a packet that an independent model
 * says is valid (authentic, accepted by the replay window, correct trailer, next header and inner UDP) is delivered
 * with exactly its payload, sender and recipient.
 */
class EspDecoderFuzzTest {
    private static final byte[] KEY_A = hex("0b".repeat(20));
    private static final byte[] KEY_B = hex("0c".repeat(16) + "01020304");
    private static final String[] LINES = {
        "src fc00:1::1 dst fc00:2::1 proto esp spi 0x1000 aead 'rfc4106(gcm(aes))' 0x" + "0b".repeat(20)
            + " 96 mode transport replay-window 64",
        "src fc00:1::1 dst fc00:2::1 proto esp spi 0x1002 aead 'rfc4106(gcm(aes))' 0x" + "0c".repeat(16)
            + "01020304 128 mode tunnel replay-window 32 flag esn",
        "src 10.200.1.1 dst 10.200.1.2 proto esp spi 0x1001 aead 'rfc4106(gcm(aes))' 0x" + "0b".repeat(20)
            + " 96 mode transport replay-window 64",
        "src fc00:1::1 dst fc00:2::1 proto esp spi 0x1003 enc 'cbc(aes)' 0x" + "0d".repeat(16)
            + " auth-trunc 'hmac(sha256)' 0x" + "0e".repeat(32) + " 128 mode transport replay-window 64",
        "src 10.200.1.1 dst 10.200.1.2 proto esp spi 0x1004 enc 'ecb(cipher_null)' \"\" auth 'hmac(sha1)' 0x"
            + "0e".repeat(20) + " mode tunnel replay-window 32 flag esn"};
    /** The same SAs on the Bouncy Castle engine. */
    private static final String[] BC_LINES = Arrays.stream(LINES).map(l -> l + " engine bc").toArray(String[]::new);

    private static final byte[] OUTER6_SRC = addr("fc00:1::1");
    private static final byte[] OUTER6_DST = addr("fc00:2::1");
    private static final byte[] OUTER4_SRC = addr("10.200.1.1");
    private static final byte[] OUTER4_DST = addr("10.200.1.2");
    private static final byte[] INNER6_SRC = addr("fc00:3::1");
    private static final byte[] INNER6_DST = addr("fc00:4::1");
    private static final byte[] INNER4_SRC = addr("10.9.0.1");
    private static final byte[] INNER4_DST = addr("10.9.0.2");
    private static final int[] SPIS = {0x1000, 0x1002, 0x1001};
    /** The raw target's SPIs: the AEAD SAs' and the cipher-with-integrity SAs' (CBC + HMAC, ESP-NULL + HMAC). */
    private static final int[] RAW_SPIS = {0x1000, 0x1002, 0x1001, 0x1003, 0x1004};

    private static byte[] addr(String s) {
        try {
            return InetAddress.getByName(s).getAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(s, e);
        }
    }

    private static byte[] hex(String s) {
        return ByteBufUtil.decodeHexDump(s);
    }

    @FuzzTest
    void raw(FuzzedDataProvider data) {
        new Run(data).run(false);
    }

    @FuzzTest
    void encrypted(FuzzedDataProvider data) {
        new Run(data).run(true);
    }

    /** An expected delivery. */
    private record Delivery(byte[] payload, InetSocketAddress sender, InetSocketAddress recipient) {
    }

    private static final class Run {
        private final FuzzedDataProvider data;
        private final FuzzSupport.TrackingAllocator alloc = new FuzzSupport.TrackingAllocator();
        private final FuzzSupport.FailOnException tail = new FuzzSupport.FailOnException();
        private final List<ByteBuf> inputs = new ArrayList<>();
        private final List<byte[]> plaintexts = new ArrayList<>();
        /** The model of each SA's replay window (index as {@link #SPIS}). */
        private final ReplayWindow[] windows = {new ReplayWindow(64, false), new ReplayWindow(32, true),
            new ReplayWindow(64, false)};
        private final long[] lastSequence = new long[3];
        private boolean direct;
        private int maxDepth;
        private long ivCounter;
        private EmbeddedChannel ch;

        Run(FuzzedDataProvider data) {
            this.data = data;
        }

        void run(boolean encrypted) {
            // fresh SAs per input: an SA's replay window is its own (shared by every decoder that meets it), and each
            // input starts its sequence numbers afresh
            SaDatabase db = SaDatabase.of(data.consumeBoolean() ? BC_LINES : LINES);
            CoalescePolicy policy = CoalescePolicy.values()[data.consumeInt(0, 3)];
            maxDepth = data.consumeInt(0, 4);
            direct = data.consumeBoolean();
            EspDecoder esp = new EspDecoder(db, policy, EspDecoder.DEFAULT_ENCAP_PORT, maxDepth, LocalAddresses.ALL);
            ch = FuzzSupport.channel(alloc, tail, new IpPacketDecoder(),
                    new Ipv6FragmentReassembler(CoalescePolicy.COPY,
                            ReassemblyLimits.defaults(Ipv6FragmentReassembler.DEFAULT_TIMEOUT), IcmpErrorSink.DISCARD),
                    new Ipv4FragmentReassembler(CoalescePolicy.COPY,
                            ReassemblyLimits.defaults(Ipv4FragmentReassembler.DEFAULT_TIMEOUT), IcmpErrorSink.DISCARD),
                    esp, new UdpDeliver());
            try {
                int packets = data.consumeInt(1, 4);
                for (int i = 0; i < packets && data.remainingBytes() > 0; i++) {
                    Delivery expected = encrypted ? encryptedPacket() : rawPacket();
                    tail.check(ch);
                    boolean found = false;
                    for (Object o; (o = ch.readInbound()) != null;) {
                        try {
                            if (o instanceof DatagramPacket d) {
                                byte[] got = ByteBufUtil.getBytes(d.content());
                                if (expected != null && Arrays.equals(got, expected.payload)
                                        && d.sender().equals(expected.sender)
                                        && d.recipient().equals(expected.recipient)) {
                                    found = true;
                                } else {
                                    check(fromPlaintext(got), "delivered bytes that were in no plaintext: "
                                            + ByteBufUtil.hexDump(got) + " " + d.sender() + " > " + d.recipient());
                                }
                            } else {
                                check(o instanceof IpPacket, "pipeline emitted " + o.getClass());
                                FuzzSupport.checkIpPacket((IpPacket) o);
                            }
                        } finally {
                            ReferenceCountUtil.release(o);
                        }
                    }
                    FuzzSupport.verbose("esp packet " + i + ": expected " + (expected != null) + ", delivered "
                            + found);
                    check(expected == null || found, "valid ESP packet not delivered: expected "
                            + ByteBufUtil.hexDump(expected == null ? new byte[0] : expected.payload) + "; esp "
                            + esp.stats());
                }
            } finally {
                ch.finishAndReleaseAll();
            }
            tail.check(ch);
            for (int i = 0; i < inputs.size(); i++) {
                check(inputs.get(i).refCnt() == 0, "input buffer #" + i + " not released");
            }
            alloc.assertAllReleased("after the channel finished");
        }

        private boolean fromPlaintext(byte[] got) {
            for (byte[] p : plaintexts) {
                outer:
                for (int i = 0; i + got.length <= p.length; i++) {
                    for (int j = 0; j < got.length; j++) {
                        if (p[i + j] != got[j]) {
                            continue outer;
                        }
                    }
                    return true;
                }
            }
            return false;
        }

        /** A packet of arbitrary bytes after a valid outer header, SPI and sequence number. */
        private Delivery rawPacket() {
            boolean v6 = data.consumeBoolean();
            int spiChoice = data.consumeInt(0, RAW_SPIS.length);
            int spi = spiChoice < RAW_SPIS.length ? RAW_SPIS[spiChoice] : data.consumeInt();
            int sequence = data.consumeInt(0, 3) == 0 ? data.consumeInt() : data.consumeInt(0, 100);
            boolean udp = data.consumeInt(0, 3) == 0;
            boolean dstOpts = v6 && data.consumeInt(0, 3) == 0;
            byte[] body = data.consumeBytes(data.consumeInt(0, 400));
            byte[] esp = new byte[8 + body.length];
            putInt(esp, 0, spi);
            putInt(esp, 4, sequence);
            System.arraycopy(body, 0, esp, 8, body.length);
            plaintexts.add(esp); // an IKE (non-ESP marker) datagram may legitimately be delivered as UDP
            write(outer(v6, dstOpts, udp, esp));
            return null;
        }

        /** A packet encrypted with the SA's key around a fuzzed plaintext. */
        private Delivery encryptedPacket() {
            int sa = data.consumeInt(0, 2);
            boolean v6 = sa != 2;
            boolean tunnel = sa == 1;
            boolean esn = sa == 1;
            int icv = sa == 1 ? 16 : 12;
            byte[] key = sa == 1 ? KEY_B : KEY_A;
            boolean udpEncap = data.consumeInt(0, 3) == 0;
            boolean dstOpts = v6 && data.consumeInt(0, 3) == 0;

            // sequence number
            ReplayWindow window = windows[sa];
            int mode = data.consumeInt(0, 7);
            long low;
            switch (mode) {
                case 0:
                    low = lastSequence[sa]; // a replay (or 0)
                    break;
                case 1:
                    low = 0;
                    break;
                case 2:
                    low = data.consumeInt() & 0xffffffffL;
                    break;
                case 3:
                    low = Math.max(0, lastSequence[sa] - data.consumeInt(1, 100));
                    break;
                default:
                    low = (lastSequence[sa] + 1 + (mode == 4 ? data.consumeInt(0, 70) : 0)) & 0xffffffffL;
            }
            long full = window.check((int) low);
            boolean accepted = full != ReplayWindow.REJECT;
            long authenticated = accepted ? full : low;

            // plaintext: inner data, padding, pad length, next header
            byte[] inner;
            int innerNext;
            Delivery delivery;
            boolean innerValid;
            int innerChoice = data.consumeInt(0, 7);
            int sport = data.consumeInt(0, 65535);
            int dport = data.consumeInt(1, 65535);
            byte[] payload = data.consumeBytes(data.consumeInt(0, 300));
            boolean goodUdp = innerChoice != 0;
            if (tunnel) {
                boolean inner6 = innerChoice % 2 == 1 || innerChoice == 0;
                inner = innerPacket(inner6, sport, dport, payload, goodUdp);
                innerNext = inner6 ? IpProtocols.IPV6 : IpProtocols.IPV4;
                delivery = new Delivery(payload, sock(inner6 ? INNER6_SRC : INNER4_SRC, sport),
                        sock(inner6 ? INNER6_DST : INNER4_DST, dport));
                innerValid = goodUdp && maxDepth >= 1;
            } else {
                byte[] src = v6 ? OUTER6_SRC : OUTER4_SRC;
                byte[] dst = v6 ? OUTER6_DST : OUTER4_DST;
                inner = udp(src, dst, sport, dport, payload, goodUdp);
                innerNext = IpProtocols.UDP;
                delivery = new Delivery(payload, sock(src, sport), sock(dst, dport));
                innerValid = goodUdp;
            }
            if (innerChoice == 7) {
                inner = data.consumeBytes(data.consumeInt(0, 100)); // arbitrary bytes as the inner data
                innerValid = false;
            }
            int padMode = data.consumeInt(0, 3);
            int padLength = padMode == 0 ? data.consumeInt(0, 255) : (4 - ((inner.length + 2) & 3)) & 3;
            byte[] padBytes = padMode == 1 ? data.consumeBytes(padLength) : null;
            int padField = data.consumeInt(0, 15) == 0 ? data.consumeInt(0, 255) : padLength;
            int nextField = data.consumeInt(0, 15) == 0 ? data.consumeInt(0, 255) : innerNext;
            byte[] plain = new byte[inner.length + padLength + 2];
            System.arraycopy(inner, 0, plain, 0, inner.length);
            for (int i = 0; i < padLength; i++) {
                plain[inner.length + i] = padBytes != null && i < padBytes.length ? padBytes[i] : (byte) (i + 1);
            }
            plain[plain.length - 2] = (byte) padField;
            plain[plain.length - 1] = (byte) nextField;
            plaintexts.add(plain);

            // encrypt (RFC 4106)
            byte[] iv = new byte[8];
            putInt(iv, 0, 0x5a5a0000 | sa);
            putInt(iv, 4, (int) ++ivCounter);
            int spi = SPIS[sa];
            byte[] aad = esn ? new byte[12] : new byte[8];
            putInt(aad, 0, spi);
            if (esn) {
                putInt(aad, 4, (int) (authenticated >>> 32));
                putInt(aad, 8, (int) authenticated);
            } else {
                putInt(aad, 4, (int) authenticated);
            }
            byte[] sealed;
            try {
                Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
                byte[] nonce = new byte[12];
                System.arraycopy(key, 16, nonce, 0, 4);
                System.arraycopy(iv, 0, nonce, 4, 8);
                cipher.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, 0, 16, "AES"),
                        new GCMParameterSpec(icv * 8, nonce));
                cipher.updateAAD(aad);
                sealed = cipher.doFinal(plain);
            } catch (GeneralSecurityException e) {
                throw new AssertionError(e);
            }
            boolean corrupt = data.consumeInt(0, 15) == 0;
            if (corrupt && sealed.length > 0) {
                int at = data.consumeInt(0, sealed.length - 1);
                sealed[at] ^= (byte) (1 << data.consumeInt(0, 7));
            }
            int cut = data.consumeInt(0, 15) == 0 ? data.consumeInt(1, 20) : 0;
            byte[] esp = new byte[16 + sealed.length - Math.min(cut, sealed.length)];
            putInt(esp, 0, spi);
            putInt(esp, 4, (int) low);
            System.arraycopy(iv, 0, esp, 8, 8);
            System.arraycopy(sealed, 0, esp, 16, esp.length - 16);
            write(outer(v6, dstOpts, udpEncap, esp));

            boolean authentic = !corrupt && cut == 0 && accepted;
            // as the decoder (and Linux's esp_input_done2 / xfrm_input): the window advances only after the ICV
            // verified and the trailer left a payload; a garbage trailer leaves it where it was
            boolean garbage = padField + 2 >= plain.length;
            if (authentic && !garbage) {
                window.advance(full);
                lastSequence[sa] = full & 0xffffffffL;
            }
            boolean valid = authentic && padField == padLength && nextField == innerNext && innerValid;
            return valid ? delivery : null;
        }

        private static InetSocketAddress sock(byte[] address, int port) {
            try {
                return new InetSocketAddress(InetAddress.getByAddress(address), port);
            } catch (UnknownHostException e) {
                throw new AssertionError(e);
            }
        }

        /** A UDP datagram with a right (or, when not {@code good}, wrong) length and checksum. */
        private byte[] udp(byte[] src, byte[] dst, int sport, int dport, byte[] payload, boolean good) {
            int length = 8 + payload.length;
            byte[] u = new byte[length];
            putShort(u, 0, sport);
            putShort(u, 2, dport);
            putShort(u, 4, good ? length : data.consumeInt(0, 65535));
            System.arraycopy(payload, 0, u, 8, payload.length);
            long pseudo = pseudo(src) + pseudo(dst) + IpProtocols.UDP + length;
            int sum = ~FuzzSupport.referenceChecksum(u, 0, length, pseudo) & 0xffff;
            putShort(u, 6, good ? (sum == 0 ? 0xffff : sum) : data.consumeInt(0, 65535));
            return u;
        }

        private byte[] innerPacket(boolean v6, int sport, int dport, byte[] payload, boolean good) {
            byte[] src = v6 ? INNER6_SRC : INNER4_SRC;
            byte[] dst = v6 ? INNER6_DST : INNER4_DST;
            byte[] u = udp(src, dst, sport, dport, payload, good);
            ByteBuf b = io.netty.buffer.Unpooled.buffer();
            try {
                if (v6) {
                    b.writeInt(6 << 28).writeShort(u.length).writeByte(IpProtocols.UDP).writeByte(64).writeBytes(src)
                            .writeBytes(dst);
                } else {
                    b.writeByte(0x45).writeByte(0).writeShort(20 + u.length).writeShort(7).writeShort(0)
                            .writeByte(64).writeByte(IpProtocols.UDP).writeShort(0).writeBytes(src).writeBytes(dst);
                    Ipv4Header.updateChecksum(b, 0, 20);
                }
                b.writeBytes(u);
                return ByteBufUtil.getBytes(b);
            } finally {
                b.release();
            }
        }

        /** The outer packet around an ESP header and what follows it. */
        private static byte[] outer(boolean v6, boolean dstOpts, boolean udpEncap, byte[] esp) {
            ByteBuf b = io.netty.buffer.Unpooled.buffer();
            try {
                int udpLength = 8 + esp.length;
                int upper = udpEncap ? udpLength : esp.length;
                int proto = udpEncap ? IpProtocols.UDP : IpProtocols.ESP;
                if (v6) {
                    b.writeInt(6 << 28).writeShort(upper + (dstOpts ? 8 : 0))
                            .writeByte(dstOpts ? IpProtocols.DESTINATION_OPTIONS : proto).writeByte(64)
                            .writeBytes(OUTER6_SRC).writeBytes(OUTER6_DST);
                    if (dstOpts) {
                        b.writeByte(proto).writeByte(0).writeByte(1).writeByte(4).writeInt(0);
                    }
                } else {
                    b.writeByte(0x45).writeByte(0).writeShort(20 + upper).writeShort(9).writeShort(0).writeByte(64)
                            .writeByte(proto).writeShort(0).writeBytes(OUTER4_SRC).writeBytes(OUTER4_DST);
                    Ipv4Header.updateChecksum(b, 0, 20);
                }
                if (udpEncap) {
                    b.writeShort(4500).writeShort(EspDecoder.DEFAULT_ENCAP_PORT).writeShort(udpLength).writeShort(0);
                }
                b.writeBytes(esp);
                return ByteBufUtil.getBytes(b);
            } finally {
                b.release();
            }
        }

        private void write(byte[] packet) {
            ByteBuf b = direct ? alloc.directBuffer(packet.length) : alloc.heapBuffer(packet.length);
            b.writeBytes(packet);
            inputs.add(b);
            ch.writeInbound(b);
        }

        private static long pseudo(byte[] address) {
            long sum = 0;
            for (int i = 0; i < address.length; i += 2) {
                sum += ((address[i] & 0xff) << 8) | (address[i + 1] & 0xff);
            }
            return sum;
        }

        private static void putShort(byte[] b, int i, int v) {
            b[i] = (byte) (v >>> 8);
            b[i + 1] = (byte) v;
        }

        private static void putInt(byte[] b, int i, int v) {
            putShort(b, i, v >>> 16);
            putShort(b, i + 2, v);
        }
    }
}
