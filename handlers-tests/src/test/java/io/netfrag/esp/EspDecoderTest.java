package io.netfrag.esp;

import io.netfrag.internal.esp.EspTransform;
import io.netfrag.testkit.Fragmenter;
import io.netfrag.testkit.Fragmenter.Piece;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netfrag.ReceivePath;
import io.netfrag.internal.wire.IpProtocols;
import io.netfrag.ipv4.Ipv4FragmentReassembler;
import io.netfrag.ipv6.Ipv6FragmentReassembler;
import io.netfrag.packet.IcmpErrorSink;
import io.netfrag.packet.IpPacketDecoder;
import io.netfrag.packet.LocalAddresses;
import io.netfrag.reassembly.CoalescePolicy;
import io.netfrag.reassembly.ReassemblyLimits;
import io.netfrag.stats.CounterSnapshot;
import io.netfrag.stats.DropReason;
import io.netfrag.stats.MibCounter;
import io.netfrag.testing.TestPackets;
import io.netfrag.udp.UdpDeliver;
import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.DatagramPacket;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * EspDecoder in the full receive path, with both engines, in place and COPY, heap and direct input buffers; and which
 * buffer the plaintext ends up in.
 */
class EspDecoderTest {
    /**
     * The suites every test runs with: AES-GCM, AES-CCM, and each cipher with a separate integrity algorithm, in
     * {@code ip xfrm} spelling (with {@code auth}, Linux's default ICV for the algorithm).
     */
    static final List<String> SUITES = List.of(
            "aead 'rfc4106(gcm(aes))' 0x0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b 128",
            "aead 'rfc4309(ccm(aes))' 0x" + "0c".repeat(32) + "a0a1a2 96",
            "enc 'cbc(aes)' 0x" + "0d".repeat(16) + " auth 'hmac(sha1)' 0x" + "0e".repeat(20),
            "enc 'cbc(aes)' 0x" + "0d".repeat(32) + " auth-trunc 'hmac(sha256)' 0x" + "0e".repeat(32) + " 128",
            "enc 'cbc(aes)' 0x" + "0d".repeat(24) + " auth 'hmac(sha512)' 0x" + "0e".repeat(64),
            "enc 'rfc3686(ctr(aes))' 0x" + "0d".repeat(16) + "01020304 auth 'hmac(sha384)' 0x" + "0e".repeat(48),
            "enc 'ecb(cipher_null)' \"\" auth 'hmac(sha256)' 0x" + "0e".repeat(32));
    private static final InetAddress OUTER_SRC = TestPackets.SRC;
    private static final InetAddress OUTER_DST = TestPackets.DST;

    private final List<ByteBuf> inputs = new ArrayList<>();
    private EmbeddedChannel ch;
    private EspDecoder esp;

    static Stream<Arguments> variants() {
        List<Arguments> a = new ArrayList<>();
        for (String suite : SUITES) {
            for (String engine : new String[] {"jca", "bc"}) {
                for (CoalescePolicy policy : new CoalescePolicy[] {CoalescePolicy.ADAPTIVE, CoalescePolicy.COPY}) {
                    for (boolean heap : new boolean[] {false, true}) {
                        a.add(Arguments.of(engine, policy, heap, suite));
                    }
                }
            }
        }
        return a.stream();
    }

    /** The variants of the first suite only, for tests whose SAs name their own algorithms. */
    static Stream<Arguments> firstSuiteVariants() {
        return variants().filter(a -> a.get()[3].equals(SUITES.get(0)));
    }

    private SaDatabase db;
    /** The suite of the SAs a test makes: one of {@link #SUITES}. */
    private String suite;
    private ByteBufAllocator inputAlloc;

    private SecurityAssociation sa(String line, String engine) {
        SecurityAssociation s = XfrmStateParser.parse(line + " engine " + engine);
        db.add(s);
        return db.lookup(s.destination() instanceof java.net.Inet4Address ? 4 : 6,
                high(s.destination()), low(s.destination()), s.spi());
    }

    private static long high(InetAddress a) {
        byte[] b = a.getAddress();
        if (b.length == 4) {
            return 0;
        }
        return io.netty.buffer.Unpooled.wrappedBuffer(b).getLong(0);
    }

    private static long low(InetAddress a) {
        byte[] b = a.getAddress();
        if (b.length == 4) {
            return io.netty.buffer.Unpooled.wrappedBuffer(b).getInt(0) & 0xffffffffL;
        }
        return io.netty.buffer.Unpooled.wrappedBuffer(b).getLong(8);
    }

    private void pipeline(CoalescePolicy policy, boolean heap, int maxDepth) {
        pipeline(policy, heap, maxDepth, CoalescePolicy.COPY);
    }

    /** The decoder with {@code policy} behind reassemblers with {@code reassemblyPolicy}. */
    private void pipeline(CoalescePolicy policy, boolean heap, int maxDepth, CoalescePolicy reassemblyPolicy) {
        inputAlloc = heap ? UnpooledByteBufAllocator.DEFAULT : PooledByteBufAllocator.DEFAULT;
        esp = new EspDecoder(db, policy, EspDecoder.DEFAULT_ENCAP_PORT, maxDepth, LocalAddresses.ALL);
        ch = new EmbeddedChannel(new IpPacketDecoder(),
                new Ipv6FragmentReassembler(reassemblyPolicy,
                        ReassemblyLimits.defaults(Ipv6FragmentReassembler.DEFAULT_TIMEOUT), IcmpErrorSink.DISCARD),
                new Ipv4FragmentReassembler(reassemblyPolicy,
                        ReassemblyLimits.defaults(Ipv4FragmentReassembler.DEFAULT_TIMEOUT), IcmpErrorSink.DISCARD),
                esp, new UdpDeliver());
    }

    private void setUp(CoalescePolicy policy, boolean heap) {
        db = new SaDatabase();
        pipeline(policy, heap, EspDecoder.DEFAULT_MAX_DEPTH);
    }

    @AfterEach
    void tearDown() {
        if (ch != null) {
            assertFalse(ch.finishAndReleaseAll(), "messages left over");
        }
        for (ByteBuf b : inputs) {
            assertEquals(0, b.refCnt(), "input not released");
        }
        if (db != null) {
            db.clear();
        }
    }

    /** Writes a copy of {@code packet} in a buffer of the chosen kind; releases the original. */
    private void write(ByteBuf packet) {
        ByteBuf in = inputAlloc.buffer(packet.readableBytes()).writeBytes(packet);
        packet.release();
        inputs.add(in);
        ch.writeInbound(in);
    }

    private DatagramPacket read() {
        return ch.readInbound();
    }

    private CounterSnapshot stats() {
        return esp.stats();
    }

    private static ByteBuf buf(byte[] b) {
        return UnpooledByteBufAllocator.DEFAULT.buffer(b.length).writeBytes(b);
    }

    private void expectPayload(byte[] payload, int dport) {
        DatagramPacket d = read();
        assertNotNull(d, "nothing delivered; esp " + stats() + " ");
        assertArrayEquals(payload, TestPackets.bytes(d.content()));
        assertEquals(dport, d.recipient().getPort());
        d.release();
    }

    @ParameterizedTest(name = "{0} {1} heap={2} {3}")
    @MethodSource("variants")
    void transportModeIpv6AndIpv4(String engine, CoalescePolicy policy, boolean heap, String suite) {
        setUp(policy, heap);
        this.suite = suite;
        EspEncoder six = new EspEncoder(sa("src fc00:1::1 dst fc00:2::1 proto esp spi 0x1000 mode transport "
                + "replay-window 32 " + suite, engine));
        EspEncoder four = new EspEncoder(sa("src 10.200.1.1 dst 10.200.1.2 proto esp spi 0x2000 mode transport "
                + "aead 'rfc4106(gcm(aes))' 0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f01020304"
                + " 96", engine));
        for (int size : new int[] {0, 1, 3, 200, 1400, 8000}) {
            byte[] payload = TestPackets.payload(size);
            ByteBuf plain = buf(TestPackets.udp6(payload));
            write(six.protectTransport(plain, UnpooledByteBufAllocator.DEFAULT));
            plain.release();
            expectPayload(payload, 5000);
            plain = buf(TestPackets.udp4(0x0ac80101, 0x0ac80102, 7, 9, payload, true));
            write(four.protectTransport(plain, UnpooledByteBufAllocator.DEFAULT));
            plain.release();
            expectPayload(payload, 9);
        }
        assertEquals(12, stats().get(MibCounter.ESP_IN_DECRYPTED));
    }

    @ParameterizedTest(name = "{0} {1} heap={2} {3}")
    @MethodSource("variants")
    void tunnelModeAllFamiliesAndInnerFragments(String engine, CoalescePolicy policy, boolean heap, String suite) {
        setUp(policy, heap);
        this.suite = suite;
        EspEncoder v6 = new EspEncoder(sa("src fc00:1::1 dst fc00:2::1 proto esp spi 0x1001 mode tunnel " + suite,
                engine));
        EspEncoder v4 = new EspEncoder(sa("src 10.0.0.1 dst 10.0.0.2 proto esp spi 0x1002 mode tunnel " + suite,
                engine));
        byte[] payload = TestPackets.payload(300);
        byte[] inner6 = TestPackets.udp6(TestPackets.addr("fd00:10::1"), TestPackets.addr("fd00:20::1"), 1, 2,
                payload, 0);
        byte[] inner4 = TestPackets.udp4(0xc0a80a01, 0xc0a81401, 3, 4, payload, true);
        ByteBuf in = buf(inner6);
        write(v6.protectTunnel(in, OUTER_SRC, OUTER_DST, UnpooledByteBufAllocator.DEFAULT));
        in.release();
        expectPayload(payload, 2);
        in = buf(inner4);
        write(v6.protectTunnel(in, OUTER_SRC, OUTER_DST, UnpooledByteBufAllocator.DEFAULT));
        in.release();
        expectPayload(payload, 4);
        in = buf(inner6);
        write(v4.protectTunnel(in, TestPackets.addr("10.0.0.1"), TestPackets.addr("10.0.0.2"),
                UnpooledByteBufAllocator.DEFAULT));
        in.release();
        expectPayload(payload, 2);
        // inner fragments: each fragment of the inner datagram travels in its own ESP packet
        byte[] big = TestPackets.udp6(TestPackets.addr("fd00:10::1"), TestPackets.addr("fd00:20::1"), 1, 2,
                TestPackets.payload(5000), 0);
        List<Piece> frags = Fragmenter.pieces(big.length - 40, 1232);
        for (int i = frags.size() - 1; i >= 0; i--) {
            ByteBuf f = TestPackets.fragment(UnpooledByteBufAllocator.DEFAULT, big, frags.get(i), 77);
            write(v6.protectTunnel(f, OUTER_SRC, OUTER_DST, UnpooledByteBufAllocator.DEFAULT));
            f.release();
            if (i > 0) {
                assertNull(read());
            }
        }
        expectPayload(TestPackets.payload(5000), 2);
    }

    @ParameterizedTest(name = "{0} {1} heap={2} {3}")
    @MethodSource("variants")
    void fragmentedEspIsReassembledThenDecrypted(String engine, CoalescePolicy policy, boolean heap, String suite) {
        setUp(policy, heap);
        this.suite = suite;
        EspEncoder e = new EspEncoder(sa("src fc00:1::1 dst fc00:2::1 proto esp spi 0x1000 " + suite, engine));
        byte[] payload = TestPackets.payload(8000);
        ByteBuf plain = buf(TestPackets.udp6(payload));
        ByteBuf protectedPacket = e.protectTransport(plain, UnpooledByteBufAllocator.DEFAULT);
        plain.release();
        byte[] espPacket = TestPackets.bytes(protectedPacket);
        protectedPacket.release();
        for (Piece f : Fragmenter.pieces(espPacket.length - 40, 1232)) {
            write(TestPackets.fragment(UnpooledByteBufAllocator.DEFAULT, espPacket, f, 5));
        }
        expectPayload(payload, 5000);
    }

    @ParameterizedTest(name = "{0} {1} heap={2} {3}")
    @MethodSource("variants")
    void esnAndReplay(String engine, CoalescePolicy policy, boolean heap, String suite) {
        setUp(policy, heap);
        this.suite = suite;
        EspEncoder e = new EspEncoder(sa("src fc00:1::1 dst fc00:2::1 proto esp spi 0x3000 replay-window 64 "
                + "flag esn " + suite, engine));
        byte[] payload = TestPackets.payload(100);
        e.nextSequence(0xfffffffeL);
        for (int i = 0; i < 4; i++) { // crosses the 32-bit wrap: the high bits move to 1
            ByteBuf plain = buf(TestPackets.udp6(payload));
            write(e.protectTransport(plain, UnpooledByteBufAllocator.DEFAULT));
            plain.release();
            expectPayload(payload, 5000);
        }
        assertEquals((1L << 32) + 1, e.lastSequence());
        // a replay of the last packet
        e.nextSequence((1L << 32) + 1);
        ByteBuf plain = buf(TestPackets.udp6(payload));
        write(e.protectTransport(plain, UnpooledByteBufAllocator.DEFAULT));
        plain.release();
        assertNull(read());
        assertEquals(1, stats().get(MibCounter.XFRM_IN_STATE_SEQ_ERROR));
        // sequence 0 in a fresh SA
        EspEncoder z = new EspEncoder(sa("src fc00:1::1 dst fc00:2::1 proto esp spi 0x3001 " + suite, engine));
        z.nextSequence(0);
        plain = buf(TestPackets.udp6(payload));
        write(z.protectTransport(plain, UnpooledByteBufAllocator.DEFAULT));
        plain.release();
        assertNull(read());
        assertEquals(2, stats().get(MibCounter.XFRM_IN_STATE_SEQ_ERROR));
    }

    @ParameterizedTest(name = "{0} {1} heap={2} {3}")
    @MethodSource("variants")
    void badPacketsAreDroppedAndCounted(String engine, CoalescePolicy policy, boolean heap, String suite) {
        setUp(policy, heap);
        this.suite = suite;
        SecurityAssociation s = sa("src fc00:1::1 dst fc00:2::1 proto esp spi 0x1000 " + suite, engine);
        EspEncoder e = new EspEncoder(s);
        byte[] payload = TestPackets.payload(64);
        // ICV tampered
        ByteBuf p = protect(e, TestPackets.udp6(payload));
        p.setByte(p.writerIndex() - 1, p.getByte(p.writerIndex() - 1) ^ 1);
        write(p);
        // ciphertext tampered
        p = protect(e, TestPackets.udp6(payload));
        p.setByte(60, p.getByte(60) ^ 0x80);
        write(p);
        assertEquals(2, stats().drops(DropReason.ESP_ICV_FAILED));
        assertEquals(2, stats().get(MibCounter.XFRM_IN_STATE_PROTO_ERROR));
        // unknown SPI
        p = protect(e, TestPackets.udp6(payload));
        p.setInt(40, 0x9999);
        write(p);
        assertEquals(1, stats().get(MibCounter.XFRM_IN_NO_STATES));
        // truncated: ESP header only
        p = protect(e, TestPackets.udp6(payload));
        p.writerIndex(46);
        p.setShort(4, 6);
        write(p);
        assertEquals(1, stats().get(MibCounter.XFRM_IN_HDR_ERROR));
        // bad pad length and a dummy packet (next header 59), sealed by hand
        write(handMade(s, 200, IpProtocols.UDP, 40));
        assertEquals(1, stats().drops(DropReason.ESP_BAD_PADDING));
        // padding and trailer exactly fill the plaintext: no payload, garbage to Linux's esp_input_done2 too
        write(handMade(s, 14, IpProtocols.UDP, 42));
        assertEquals(2, stats().drops(DropReason.ESP_BAD_PADDING));
        write(handMade(s, 0, IpProtocols.NO_NEXT_HEADER, 41));
        assertEquals(1, stats().get(MibCounter.ESP_IN_DUMMY));
        assertNull(read());
        // the SA still works after all that
        write(protect(e, TestPackets.udp6(payload)));
        expectPayload(payload, 5000);
        // a packet whose trailer was garbage did not move the window (as Linux): its sequence number is still free
        e.nextSequence(42);
        write(protect(e, TestPackets.udp6(payload)));
        expectPayload(payload, 5000);
    }

    /** Protects a copy of {@code packet} in transport mode. */
    private static ByteBuf protect(EspEncoder e, byte[] packet) {
        ByteBuf plain = buf(packet);
        try {
            return e.protectTransport(plain, UnpooledByteBufAllocator.DEFAULT);
        } finally {
            plain.release();
        }
    }

    /** An ESP transport packet whose plaintext is 14 zero bytes with the given pad length and next header. */
    private static ByteBuf handMade(SecurityAssociation s, int padLength, int next, int sequence) {
        EspTransform transform = s.newTransform();
        int iv = transform.ivLength();
        byte[] esp = new byte[8 + iv + 16 + transform.icvLength()];
        io.netty.buffer.Unpooled.wrappedBuffer(esp).setInt(0, s.spi()).setInt(4, sequence);
        for (int i = 0; i < iv; i++) {
            esp[8 + i] = (byte) (i + sequence);
        }
        esp[8 + iv + 14] = (byte) padLength;
        esp[8 + iv + 15] = (byte) next;
        int n = transform.seal(esp, 0, 16, 0);
        ByteBuf b = UnpooledByteBufAllocator.DEFAULT.buffer();
        b.writeInt(6 << 28).writeShort(n).writeByte(IpProtocols.ESP).writeByte(64)
                .writeBytes(TestPackets.SRC.getAddress()).writeBytes(TestPackets.DST.getAddress());
        b.writeBytes(esp, 0, n);
        return b;
    }

    @ParameterizedTest(name = "{0} {1} heap={2} {3}")
    @MethodSource("variants")
    void udpEncapsulationKeepaliveIkeAndEsp(String engine, CoalescePolicy policy, boolean heap, String suite) {
        setUp(policy, heap);
        this.suite = suite;
        EspEncoder e = new EspEncoder(sa("src 10.200.1.1 dst 10.200.1.2 proto esp spi 0x4000 mode transport "
                + "encap espinudp 4500 4500 0.0.0.0 " + suite, engine));
        byte[] payload = TestPackets.payload(500);
        ByteBuf plain = buf(TestPackets.udp4(0x0ac80101, 0x0ac80102, 1234, 5678, payload, true));
        write(e.protectTransport(plain, UnpooledByteBufAllocator.DEFAULT));
        plain.release();
        expectPayload(payload, 5678);
        // NAT keepalive: one 0xff byte to port 4500 — consumed
        write(buf(TestPackets.udp4(0x0ac80101, 0x0ac80102, 4500, 4500, new byte[] {(byte) 0xff}, true)));
        assertNull(read());
        assertEquals(1, stats().get(MibCounter.ESP_IN_NAT_KEEPALIVES));
        // IKE: non-ESP marker — passed on to UDP delivery untouched
        byte[] ike = {0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
        write(buf(TestPackets.udp4(0x0ac80101, 0x0ac80102, 4500, 4500, ike, true)));
        expectPayload(ike, 4500);
    }

    @ParameterizedTest(name = "{0} {1} heap={2} {3}")
    @MethodSource("variants")
    void nestedTunnelsStopAtTheDepthLimit(String engine, CoalescePolicy policy, boolean heap, String suite) {
        db = new SaDatabase();
        pipeline(policy, heap, 1);
        this.suite = suite;
        EspEncoder outer = new EspEncoder(sa("src fc00:1::1 dst fc00:2::1 proto esp spi 0x1001 mode tunnel " + suite,
                engine));
        EspEncoder innerSa = new EspEncoder(sa("src fc00:1::1 dst fc00:2::1 proto esp spi 0x1002 mode tunnel " + suite,
                engine));
        byte[] payload = TestPackets.payload(10);
        ByteBuf inner = buf(TestPackets.udp6(payload));
        ByteBuf once = innerSa.protectTunnel(inner, OUTER_SRC, OUTER_DST, UnpooledByteBufAllocator.DEFAULT);
        innerSa.nextSequence(2);
        ByteBuf onceMore = innerSa.protectTunnel(inner, OUTER_SRC, OUTER_DST, UnpooledByteBufAllocator.DEFAULT);
        ByteBuf twice = outer.protectTunnel(onceMore, OUTER_SRC, OUTER_DST, UnpooledByteBufAllocator.DEFAULT);
        onceMore.release();
        inner.release();
        write(once);
        expectPayload(payload, 5000);
        write(twice);
        assertNull(read());
        assertEquals(1, stats().drops(DropReason.ESP_NESTING_TOO_DEEP));
    }

    @ParameterizedTest(name = "{0} {1} heap={2} {3}")
    @MethodSource("variants")
    void transportSelectorIsEnforced(String engine, CoalescePolicy policy, boolean heap, String suite) {
        setUp(policy, heap);
        this.suite = suite;
        EspEncoder e = new EspEncoder(sa("src fc00:1::1 dst fc00:2::1 proto esp spi 0x1000 mode transport "
                + "sel src fc00:1::/64 dst fc00:2::1 proto udp dport 5000 " + suite, engine));
        byte[] payload = TestPackets.payload(10);
        ByteBuf ok = buf(TestPackets.udp6(payload));
        ByteBuf wrongPort = buf(TestPackets.udp6(TestPackets.SRC, TestPackets.DST, 1, 5001, payload, 0));
        write(e.protectTransport(ok, UnpooledByteBufAllocator.DEFAULT));
        write(e.protectTransport(wrongPort, UnpooledByteBufAllocator.DEFAULT));
        ok.release();
        wrongPort.release();
        expectPayload(payload, 5000);
        assertNull(read());
        assertEquals(1, stats().get(MibCounter.XFRM_IN_STATE_MISMATCH));
    }

    @ParameterizedTest(name = "{0} {1} heap={2} {3}")
    @MethodSource("firstSuiteVariants")
    void otherAlgorithms(String engine, CoalescePolicy policy, boolean heap, String suite) {
        setUp(policy, heap);
        this.suite = suite;
        String[] lines = {
            "src fc00:1::1 dst fc00:2::1 proto esp spi 0x5001 aead 'rfc4543(gcm(aes))' "
                    + "0x0102030405060708090a0b0c0d0e0f1011121314 128",
            "src fc00:1::1 dst fc00:2::1 proto esp spi 0x5002 aead 'rfc7539esp(chacha20,poly1305)' "
                    + "0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1fa0a1a2a3 128",
            "src fc00:1::1 dst fc00:2::1 proto esp spi 0x5003 aead 'rfc4106(gcm(aes))' "
                    + "0x000102030405060708090a0b0c0d0e0f1011121314151617a0a1a2a3 64"};
        byte[] payload = TestPackets.payload(777);
        for (String line : lines) {
            EspEncoder e = new EspEncoder(sa(line, engine));
            ByteBuf plain = buf(TestPackets.udp6(payload));
            write(e.protectTransport(plain, UnpooledByteBufAllocator.DEFAULT));
            plain.release();
            expectPayload(payload, 5000);
        }
        assertTrue(stats().get(MibCounter.ESP_IN_DECRYPTED) == 3);
    }

    // Where an ESP packet's plaintext ends up. Under COPY a datagram reassembled from fragments is already in the
    // reassembler's own copy buffer (a heap buffer for ESP, which the cipher decrypts in place), so it is
    // decrypted there and no second datagram-sized buffer is made; a packet that arrived whole is still in its receive
    // buffer, which COPY never lets a delivered datagram pin, so its plaintext goes into a new buffer and the receive
    // buffer is released at once. A datagram that is not decrypted keeps a direct copy buffer.

    private static final String GCM_KEY = " aead 'rfc4106(gcm(aes))' 0x" + "0b".repeat(20) + " 128";

    /** Channel allocations, recorded: whether each was a heap buffer, and its capacity. */
    private static final class RecordingAllocator extends AbstractByteBufAllocator {
        final List<Boolean> heap = new ArrayList<>();
        final List<Integer> capacity = new ArrayList<>();
        private final ByteBufAllocator delegate = new UnpooledByteBufAllocator(true);

        RecordingAllocator() {
            super(true);
        }

        @Override
        protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
            heap.add(true);
            capacity.add(initialCapacity);
            return delegate.heapBuffer(initialCapacity, maxCapacity);
        }

        @Override
        protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
            heap.add(false);
            capacity.add(initialCapacity);
            return delegate.directBuffer(initialCapacity, maxCapacity);
        }

        @Override
        public boolean isDirectBufferPooled() {
            return false;
        }

        /** How many buffers of at least {@code bytes} were allocated, heap or direct as asked. */
        int atLeast(int bytes, boolean ofHeap) {
            int n = 0;
            for (int i = 0; i < heap.size(); i++) {
                if (capacity.get(i) >= bytes && heap.get(i) == ofHeap) {
                    n++;
                }
            }
            return n;
        }
    }

    private final RecordingAllocator alloc = new RecordingAllocator();

    private SecurityAssociation transportSa(int version) {
        SecurityAssociation s = XfrmStateParser.parse((version == 6 ? "src fc00:1::1 dst fc00:2::1 proto esp spi 0x1000"
                : "src 10.200.1.1 dst 10.200.1.2 proto esp spi 0x2000") + " mode transport" + GCM_KEY);
        db.add(s);
        return s;
    }

    private EmbeddedChannel copyPath() {
        db = new SaDatabase();
        inputAlloc = PooledByteBufAllocator.DEFAULT; // direct receive buffers, as in the heap=false variants
        EmbeddedChannel c = ReceivePath.builder().policy(CoalescePolicy.COPY).sas(db).build().newEmbeddedChannel();
        c.config().setAllocator(alloc);
        return c;
    }

    /** Writes the packet's fragments (1232 data bytes each), each in a receive buffer the channel did not allocate. */
    private void writeFragments(int version, byte[] packet) {
        for (Fragmenter.Piece piece : Fragmenter.pieces(packet.length - TestPackets.headerLength(version), 1232)) {
            write(TestPackets.fragment(UnpooledByteBufAllocator.DEFAULT, packet, piece, 0x5151));
        }
    }

    private void assertNoInputPinned() {
        for (ByteBuf f : inputs) {
            assertEquals(0, f.refCnt(), "a receive buffer pinned by the delivered datagram");
        }
    }

    private static byte[] protect(SecurityAssociation sa, byte[] plain) {
        ByteBuf p = UnpooledByteBufAllocator.DEFAULT.heapBuffer(plain.length).writeBytes(plain);
        ByteBuf e = new EspEncoder(sa).protectTransport(p, UnpooledByteBufAllocator.DEFAULT);
        p.release();
        byte[] b = TestPackets.bytes(e);
        e.release();
        return b;
    }

    private DatagramPacket readOne(byte[] payload) {
        DatagramPacket d = read();
        assertNotNull(d, "nothing delivered");
        assertArrayEquals(payload, TestPackets.bytes(d.content()));
        return d;
    }

    @ParameterizedTest(name = "IPv{0}")
    @ValueSource(ints = {6, 4})
    void aDatagramReassembledUnderCopyIsDecryptedInItsCopyBuffer(int version) {
        ch = copyPath();
        byte[] payload = TestPackets.payload(20_000);
        byte[] packet = protect(transportSa(version), TestPackets.udp(version, 40001, 5000, payload));
        writeFragments(version, packet);
        DatagramPacket d = readOne(payload);
        assertTrue(d.content().hasArray(), "delivered from the heap copy buffer");
        assertEquals(1, alloc.atLeast(payload.length, true), "one datagram-sized buffer, the copy buffer, heap");
        assertEquals(0, alloc.atLeast(payload.length, false), "no second datagram-sized buffer");
        assertNoInputPinned();
        d.release();
        assertEquals(1, ch.pipeline().get(EspDecoder.class).stats().get(MibCounter.ESP_IN_DECRYPTED));
    }

    @ParameterizedTest(name = "IPv{0}")
    @ValueSource(ints = {6, 4})
    void aDatagramThatIsNotDecryptedKeepsADirectCopyBuffer(int version) {
        ch = copyPath();
        byte[] payload = TestPackets.payload(20_000);
        writeFragments(version, TestPackets.udp(version, 40001, 5000, payload));
        DatagramPacket d = readOne(payload);
        assertTrue(d.content().isDirect());
        assertEquals(1, alloc.atLeast(payload.length, false));
        assertEquals(0, alloc.atLeast(payload.length, true));
        d.release();
    }

    @ParameterizedTest(name = "IPv{0}")
    @ValueSource(ints = {6, 4})
    void aPacketThatArrivedWholeUnderCopyIsCopiedOutOfItsReceiveBuffer(int version) {
        ch = copyPath();
        byte[] payload = TestPackets.payload(1_000);
        byte[] packet = protect(transportSa(version), TestPackets.udp(version, 40001, 5000, payload));
        write(Unpooled.wrappedBuffer(packet));
        DatagramPacket d = readOne(payload);
        assertNoInputPinned(); // released while its datagram is held
        assertEquals(1, alloc.atLeast(payload.length, false), "the plaintext's own buffer");
        d.release();
    }

    /** The decoder's COPY holds even when the reassemblers keep receive buffers in the datagram's chain. */
    @ParameterizedTest(name = "IPv{0}")
    @ValueSource(ints = {6, 4})
    void underCopyAChainOfReceiveBuffersIsNotDecryptedInPlace(int version) {
        db = new SaDatabase();
        pipeline(CoalescePolicy.COPY, false, EspDecoder.DEFAULT_MAX_DEPTH, CoalescePolicy.NONE);
        ch.config().setAllocator(alloc);
        byte[] payload = TestPackets.payload(20_000);
        byte[] packet = protect(transportSa(version), TestPackets.udp(version, 40001, 5000, payload));
        writeFragments(version, packet);
        DatagramPacket d = readOne(payload);
        assertNoInputPinned();
        d.release();
    }
}
