package io.netfrag.fuzz;

import io.netfrag.internal.wire.IpProtocols;
import io.netfrag.pcap.LinkLayer;
import io.netfrag.pcap.PcapReader;
import io.netfrag.pcap.PcapRecord;
import io.netfrag.testing.TestPackets;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes the committed seed corpus of the fuzz tests in this package, in Jazzer's JUnit layout:
 * {@code src/test/resources/io/netfrag/fuzz/<TestClass>Inputs/<method>/seed-*}. Not a test; run by hand after
 * changing how a target reads its input (the {@code FuzzedDataProvider} targets consume their input in a fixed order,
 * which the scripts below mirror):
 *
 * <pre>
 * java -cp handlers/target/test-classes:handlers/target/classes:$(deps) io.netfrag.fuzz.FuzzSeeds handlers
 * </pre>
 *
 * <p>Seeds for {@code byte[]} targets are real packets, captures and xfrm lines (partly taken from
 * {@code src/test/resources/captures}); seeds for {@code FuzzedDataProvider} targets are encoded the way Jazzer's
 * provider decodes them: bytes requested with {@code consumeBytes} from the front, integers from the back (most
 * significant byte last in the file), {@code consumeInt(min, max)} taking as many bytes as {@code max - min} needs.
 */
public final class FuzzSeeds {
    private final Path root;

    private FuzzSeeds(Path module) {
        this.root = module.resolve("src/test/resources/io/netfrag/fuzz");
    }

    public static void main(String[] args) throws IOException {
        FuzzSeeds s = new FuzzSeeds(Paths.get(args.length > 0 ? args[0] : "."));
        s.packets();
        s.pcap(s.root.getParent().getParent().getParent().resolve("captures"));
        s.xfrm();
        s.udp();
        s.reassembler();
        s.esp();
    }

    private void write(String test, String method, String name, byte[] bytes) throws IOException {
        Path dir = root.resolve(test + "Inputs").resolve(method);
        Files.createDirectories(dir);
        Files.write(dir.resolve("seed-" + name), bytes);
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    /** An encoder for Jazzer's FuzzedDataProvider: the inverse of its consume methods. */
    static final class Fdp {
        private final ByteArrayOutputStream front = new ByteArrayOutputStream();
        private final List<Byte> back = new ArrayList<>();

        /** The value {@code consumeInt(min, max)} / {@code consumeLong(min, max)} is to return. */
        Fdp i(long value, long min, long max) {
            if (value < min || value > max) {
                throw new IllegalArgumentException(value + " not in [" + min + ", " + max + ']');
            }
            long range = max - min;
            long r = value - min;
            int n = 0;
            while (n < 8 && (range >>> (8 * n)) > 0) {
                n++;
            }
            for (int k = n - 1; k >= 0; k--) {
                back.add((byte) (r >>> (8 * k)));
            }
            return this;
        }

        /** {@code consumeInt()}: four bytes. */
        Fdp i32(int value) {
            for (int k = 3; k >= 0; k--) {
                back.add((byte) (value >>> (8 * k)));
            }
            return this;
        }

        /** {@code consumeBoolean()}. */
        Fdp b(boolean value) {
            back.add((byte) (value ? 1 : 0));
            return this;
        }

        /** {@code consumeBytes(n)} with exactly these bytes available. */
        Fdp bytes(byte[] value) {
            front.writeBytes(value);
            return this;
        }

        byte[] toBytes() {
            byte[] f = front.toByteArray();
            byte[] out = new byte[f.length + back.size()];
            System.arraycopy(f, 0, out, 0, f.length);
            for (int k = 0; k < back.size(); k++) {
                out[out.length - 1 - k] = back.get(k);
            }
            return out;
        }
    }

    // ---- PacketFuzzTest ---------------------------------------------------------------------------------------------

    private void packets() throws IOException {
        byte[] udp6 = TestPackets.udp6(TestPackets.payload(64));
        byte[] udp4 = TestPackets.udp4(0x0ac80101, 0x0ac80102, 4000, 5000, TestPackets.payload(40), true);
        ByteBuf f6 = TestPackets.fragment(ByteBufAllocator.DEFAULT, TestPackets.udp6(TestPackets.payload(200)), 0, 96,
                true, 0x1234);
        ByteBuf f4 = TestPackets.fragment(ByteBufAllocator.DEFAULT, TestPackets.udp4(0x0ac80101, 0x0ac80102, 1, 2,
                TestPackets.payload(100), true), 24, 48, true, 77);
        byte[] frag6 = ByteBufUtil.getBytes(f6);
        byte[] frag4 = ByteBufUtil.getBytes(f4);
        f6.release();
        f4.release();
        byte[] chain = extensionChain();
        byte[] truncated = java.util.Arrays.copyOf(chain, 40 + 8 + 16 + 8 + 4);
        truncated[5] = (byte) (truncated.length - 40);
        write("PacketFuzzTest", "decode", "udp6", concat(new byte[] {0x10, 0}, udp6));
        write("PacketFuzzTest", "decode", "udp4-composite", concat(new byte[] {0x21, 7}, udp4));
        write("PacketFuzzTest", "decode", "frag6-datagram", concat(new byte[] {0x04, 0}, frag6));
        write("PacketFuzzTest", "decode", "frag4-slice", concat(new byte[] {0x32, 3}, frag4));
        write("PacketFuzzTest", "decode", "exthdrs-forwarding", concat(new byte[] {0x08, 41}, chain));
        write("PacketFuzzTest", "decode", "chain-truncated", concat(new byte[] {0x01, 50}, truncated));
        write("PacketFuzzTest", "headerViews", "udp6", concat(new byte[] {0, 40, 9, 0x0c}, udp6));
        write("PacketFuzzTest", "headerViews", "udp4-at-3", concat(new byte[] {3, 20, (byte) 0x85, 0x05},
                new byte[3], udp4));
        write("PacketFuzzTest", "headerViews", "frag6", concat(new byte[] {40, 1, 33, 0x0a}, frag6));
        write("PacketFuzzTest", "headerChain", "exthdrs", concat(new byte[] {0}, chain));
        write("PacketFuzzTest", "headerChain", "frag6", concat(new byte[] {0}, frag6));
        write("PacketFuzzTest", "headerChain", "truncated-at-2", concat(new byte[] {2, 0x60, 0}, truncated));
        byte[] nonFirst = frag6.clone();
        nonFirst[42] = 0;
        nonFirst[43] = 0x61; // offset 96, M
        write("PacketFuzzTest", "headerChain", "non-first", concat(new byte[] {0}, nonFirst));
    }

    /** IPv6: Hop-by-Hop, Routing, Fragment (first, M), Destination Options, then UDP. */
    private static byte[] extensionChain() {
        ByteBuf b = Unpooled.buffer();
        b.writeInt(6 << 28).writeShort(0).writeByte(IpProtocols.HOP_BY_HOP).writeByte(64);
        b.writeBytes(TestPackets.SRC.getAddress()).writeBytes(TestPackets.DST.getAddress());
        b.writeByte(IpProtocols.ROUTING).writeByte(0).writeByte(1).writeByte(4).writeInt(0);
        b.writeByte(IpProtocols.FRAGMENT).writeByte(2).writeByte(0).writeByte(0).writeInt(0).writeLong(0)
                .writeLong(0);
        b.writeByte(IpProtocols.DESTINATION_OPTIONS).writeByte(0).writeShort(1).writeInt(0x11223344);
        b.writeByte(IpProtocols.UDP).writeByte(0).writeByte(1).writeByte(4).writeInt(0);
        b.writeShort(1000).writeShort(2000).writeShort(24).writeShort(0x1234).writeBytes(TestPackets.payload(16));
        b.setShort(4, b.readableBytes() - 40);
        byte[] out = ByteBufUtil.getBytes(b);
        b.release();
        return out;
    }

    // ---- PcapReaderFuzzTest -----------------------------------------------------------------------------------------

    private void pcap(Path captures) throws IOException {
        String[] files = {"nf4_ether_padding.pcap", "nf6_udp_len.pcap", "nf4_udp.pcap", "nf6_sll.pcap",
            "nf6_sll2.pcap", "nf_raw101.pcap", "nf6_bigendian.pcap", "nf6_nanosecond.pcap", "nf6_pcapng.pcapng",
            "nf6_pcapng_be.pcapng"};
        int option = 0;
        for (String f : files) {
            byte[] file = Files.readAllBytes(captures.resolve(f));
            // alternate the tracking allocator (0x80) and trickle chunk sizes
            byte opt = (byte) ((option++ % 2 == 0 ? 0x80 : 0) | (option * 5 % 64));
            write("PcapReaderFuzzTest", "read", f.replace('.', '-'), concat(new byte[] {opt}, file));
            if (f.equals("nf4_udp.pcap")) {
                // also a raw IPv4 packet for the decoder seeds
                try (PcapReader r = PcapReader.open(captures.resolve(f))) {
                    PcapRecord rec = r.next();
                    ByteBuf ip = LinkLayer.ipPacket(rec.linkType(), rec.content());
                    write("PacketFuzzTest", "decode", "pcap-nf4-udp", concat(new byte[] {0x40, 0},
                            ByteBufUtil.getBytes(ip)));
                    rec.release();
                }
            }
        }
        byte[] cut = Files.readAllBytes(captures.resolve("nf6_pcapng.pcapng"));
        write("PcapReaderFuzzTest", "read", "pcapng-cut", concat(new byte[] {3},
                java.util.Arrays.copyOf(cut, cut.length / 2 + 3)));
    }

    // ---- XfrmStateParserFuzzTest ------------------------------------------------------------------------------------

    private void xfrm() throws IOException {
        String key = "0x" + "0b".repeat(20);
        String[] lines = {
            "src fc00:1::1 dst fc00:2::1 proto esp spi 0x1000 aead 'rfc4106(gcm(aes))' " + key
                + " 96 mode transport replay-window 64",
            "ip xfrm state add src 10.200.1.1 dst 10.200.1.2 proto esp spi 4097 reqid 7 mode tunnel "
                + "aead \"rfc4106(gcm(aes))\" " + key + " 128 replay-window 128 flag esn flag 0x10 "
                + "sel src 10.9.0.0/24 dst 10.9.0.2 proto udp dport 5000 encap espinudp 4500 4500 0.0.0.0",
            "dst fc00:2::1 proto esp spi 012 aead rfc7539esp(chacha20,poly1305) 0x" + "11".repeat(36)
                + " 128 engine bc if_id 3 dir in",
            "src fc00:1::1 dst fc00:2::1 proto esp spi 0x2000 aead rfc4543(gcm(aes)) " + "22".repeat(36)
                + " 128 mode transport replay-window 0",
            "# SAs\nsrc fc00:1::1 dst fc00:2::1 \\\n  proto esp spi 0x1000 aead 'rfc4106(gcm(aes))' " + key
                + " 64\n\n   # end\n",
            "src fc00:1::1 dst fc00:2::1 proto ah spi 0x1000 auth sha1 0x00 mark 7",
        };
        for (int i = 0; i < lines.length; i++) {
            write("XfrmStateParserFuzzTest", "parse", "line" + i, lines[i].getBytes(StandardCharsets.UTF_8));
        }
    }

    // ---- UdpDeliverFuzzTest -----------------------------------------------------------------------------------------

    /** One packet for {@code UdpDeliverFuzzTest.writeOne}, in its consumption order. */
    private static void udpPacket(Fdp w, boolean v6, int src, int dst, int sport, int dport, int lengthMode,
            int checksumMode, int extra, int tos, byte[] payload) {
        w.b(v6).i(src, 0, 2).i(dst, 0, 3).i(sport, 0, 65535).i(dport, 0, 65535).i(lengthMode, 0, 7)
                .i(checksumMode, 0, 7).i(1, 0, 15).i(extra, 0, 3).i(1, 0, 3).i(tos, 0, 255).i(0, 0, 65535)
                .i(0, 0, 65535).i(0, -9, 9).i(payload.length, 0, 1500).bytes(payload);
    }

    private void udp() throws IOException {
        Fdp w = new Fdp().i(1, 0, 7).i(2, 1, 4);
        udpPacket(w, true, 0, 1, 40001, 5000, 0, 0, 0, 0, TestPackets.payload(32));
        udpPacket(w, false, 0, 1, 40002, 5001, 0, 5, 2, 1, TestPackets.payload(17));
        write("UdpDeliverFuzzTest", "deliver", "v6-and-v4", w.toBytes());
        w = new Fdp().i(1, 0, 7).i(3, 1, 4);
        udpPacket(w, true, 1, 0, 53, 53, 5, 0, 1, 0, TestPackets.payload(9)); // length 0 over IPv6, DstOpts
        udpPacket(w, true, 0, 1, 1, 2, 0, 5, 2, 0, TestPackets.payload(3)); // zero checksum over IPv6: dropped
        udpPacket(w, false, 1, 2, 7, 9, 0, 0, 3, 0, new byte[0]); // IPv4 options, empty payload
        write("UdpDeliverFuzzTest", "deliver", "edge-cases", w.toBytes());
        w = new Fdp().i(0, 0, 7).i(1, 1, 4);
        udpPacket(w, false, 0, 3, 9, 9, 6, 6, 0, 0, TestPackets.payload(100)); // bad length and checksum, no verify
        write("UdpDeliverFuzzTest", "deliver", "no-verify", w.toBytes());
    }

    // ---- ReassemblerFuzzTest ----------------------------------------------------------------------------------------

    /** The configuration part of {@code ReassemblerFuzzTest.Run.run}. */
    private static Fdp reasmConfig(int version, int policy, int overlap, long high, long low, int timeoutSeconds,
            int budget, int hold, int localMode, boolean expireAtEnd) {
        Fdp w = new Fdp().i(policy, 0, 3).i(overlap, 0, 7).i(1, 0, 3).i(high, 256, 256 * 1024).i(low, 0, high)
                .i(timeoutSeconds, 1, 61).i(budget, 1, 20).i(hold, 0, 2).i(localMode, 0, 2);
        if (version == 4) {
            w.i(64, 0, 70);
        }
        return w.b(expireAtEnd);
    }

    /**
     * One in-order fragment event ({@code offsetMode} 0) of datagram {@code id}; {@code total} is given on the first
     * fragment of a datagram only.
     */
    private static void reasmFragment(Fdp w, int version, int id, int total, int length, int writeKind) {
        reasmFragment(w, version, id, total, length, writeKind, false);
    }

    /** As above; {@code atZero}: offset mode 3 (offset 0, M set) instead of in order. */
    private static void reasmFragment(Fdp w, int version, int id, int total, int length, int writeKind,
            boolean atZero) {
        w.i(3, 0, 15).i(id, 0, 3).i(1, 0, 7).i(0, 0, version == 6 ? 2 : 1);
        if (total > 0) {
            w.i(1, 0, 15).i(total, 1, 4000);
        }
        w.i(atZero ? 3 : 0, 0, 3).i(length, 0, 1500).i(1, 0, 3);
        if (atZero) {
            w.b(true);
        }
        w.i(1, 0, 15).i(1, 0, 7).i(1, 0, 15).i(1, 0, 15);
        if (version == 6) {
            w.i(1, 0, 7);
        } else {
            w.i(1, 0, 15).i(1, 0, 3).i(1, 0, 31);
        }
        w.i(writeKind, 0, 3).i(1, 0, 3);
        if (writeKind == 1) {
            w.i(3000, 0, 8192);
        } else if (writeKind == 3) {
            w.i(100, 0, 2048).i(1000, 0, 2048);
        }
    }

    private static void reasmTime(Fdp w, int step) {
        w.i(0, 0, 15).i(step, 0, 8);
    }

    private void reassembler() throws IOException {
        for (int version : new int[] {6, 4}) {
            String method = version == 6 ? "ipv6" : "ipv4";
            // two datagrams, in order, interleaved, under each policy
            for (int policy = 0; policy < 4; policy++) {
                Fdp w = reasmConfig(version, policy, 0, 64 * 1024, 48 * 1024, 30, 17, 1, 0, policy % 2 == 0);
                reasmFragment(w, version, 0, 1000, 400, policy);
                reasmFragment(w, version, 1, 96, 96, 0);
                reasmFragment(w, version, 0, 0, 400, (policy + 1) % 4);
                reasmFragment(w, version, 0, 0, 400, 2);
                write("ReassemblerFuzzTest", method, "inorder-policy" + policy, w.toBytes());
            }
            // a stalled datagram, then time passes beyond the adaptive hold and the timeout
            Fdp w = reasmConfig(version, 3, 0, 64 * 1024, 48 * 1024, 30, 17, 1, 0, false);
            reasmFragment(w, version, 2, 2000, 1000, 3);
            reasmTime(w, 1);
            reasmFragment(w, version, 2, 0, 500, 3);
            reasmTime(w, 7);
            reasmFragment(w, version, 3, 64, 64, 0);
            write("ReassemblerFuzzTest", method, "stalled-timeout", w.toBytes());
            // tiny memory thresholds: eviction and the no-new-queue rule
            w = reasmConfig(version, 1, 0, 2048, 1024, 30, 2, 0, 1, true);
            reasmFragment(w, version, 0, 3000, 800, 1);
            reasmFragment(w, version, 1, 3000, 800, 3);
            reasmFragment(w, version, 2, 3000, 800, 1);
            reasmFragment(w, version, 0, 0, 800, 0);
            write("ReassemblerFuzzTest", method, "memory-limit", w.toBytes());
            // a target-based overlap policy with a duplicate first fragment
            w = reasmConfig(version, 2, 6, 64 * 1024, 0, 5, 17, 2, 0, false);
            reasmFragment(w, version, 1, 200, 96, 0, true);
            reasmFragment(w, version, 1, 0, 48, 2, true);
            reasmFragment(w, version, 1, 0, 104, 1);
            reasmFragment(w, version, 1, 0, 104, 3);
            write("ReassemblerFuzzTest", method, "overlap-windows", w.toBytes());
        }
    }

    // ---- EspDecoderFuzzTest -----------------------------------------------------------------------------------------

    private static Fdp espConfig(boolean bc, int policy, int maxDepth, boolean direct, int packets) {
        return new Fdp().b(bc).i(policy, 0, 3).i(maxDepth, 0, 4).b(direct).i(packets, 1, 4);
    }

    /** One {@code encryptedPacket} with a correct trailer; {@code sequenceMode} as in the target. */
    private static void espPacket(Fdp w, int sa, boolean udpEncap, boolean dstOpts, int sequenceMode, int innerChoice,
            int sport, int dport, byte[] payload) {
        w.i(sa, 0, 2).i(udpEncap ? 0 : 1, 0, 3);
        if (sa != 2) {
            w.i(dstOpts ? 0 : 1, 0, 3);
        }
        w.i(sequenceMode, 0, 7);
        if (sequenceMode == 4) {
            w.i(0, 0, 70);
        }
        w.i(innerChoice, 0, 7).i(sport, 0, 65535).i(dport, 1, 65535).i(payload.length, 0, 300).bytes(payload);
        w.i(2, 0, 3).i(1, 0, 15).i(1, 0, 15).i(1, 0, 15).i(1, 0, 15);
    }

    private void esp() throws IOException {
        Fdp w = espConfig(false, 3, 4, false, 3);
        espPacket(w, 0, false, false, 5, 1, 40001, 5000, TestPackets.payload(100));
        espPacket(w, 0, false, true, 5, 2, 40001, 5001, TestPackets.payload(33));
        espPacket(w, 0, false, false, 0, 1, 40001, 5002, TestPackets.payload(10)); // replay: dropped
        write("EspDecoderFuzzTest", "encrypted", "transport-v6", w.toBytes());
        w = espConfig(true, 2, 1, true, 2);
        espPacket(w, 1, false, false, 5, 1, 1000, 2000, TestPackets.payload(64)); // tunnel, inner IPv6
        espPacket(w, 1, true, false, 4, 2, 1001, 2001, TestPackets.payload(20)); // tunnel, inner IPv4, ESP-in-UDP
        write("EspDecoderFuzzTest", "encrypted", "tunnel-esn-bc-copy", w.toBytes());
        w = espConfig(false, 0, 2, true, 2);
        espPacket(w, 2, false, false, 5, 3, 7, 9, TestPackets.payload(48));
        espPacket(w, 2, true, false, 5, 3, 7, 9, TestPackets.payload(1));
        write("EspDecoderFuzzTest", "encrypted", "transport-v4", w.toBytes());

        for (int spi = 0; spi < 3; spi++) {
            w = espConfig(spi == 1, spi, 4, spi == 2, 2);
            for (int p = 0; p < 2; p++) {
                boolean v6 = spi != 2;
                byte[] body = TestPackets.payload(40 + 30 * p);
                w.b(v6).i(spi, 0, 4).i(1, 0, 3).i(1 + p, 0, 100).i(p == 1 ? 0 : 1, 0, 3);
                if (v6) {
                    w.i(1, 0, 3);
                }
                w.i(body.length, 0, 400).bytes(body);
            }
            write("EspDecoderFuzzTest", "raw", "spi" + spi, w.toBytes());
        }
    }
}
