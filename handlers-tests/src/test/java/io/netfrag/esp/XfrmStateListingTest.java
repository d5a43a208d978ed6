package io.netfrag.esp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netfrag.ReceivePath;
import io.netfrag.testing.TestPackets;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.DatagramPacket;
import java.io.StringReader;
import java.net.InetAddress;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * SAs from the text {@code ip xfrm state} and {@code ip -s xfrm state} print, in iproute2's exact format
 * ({@code ip/ipxfrm.c}: one TAB before each line of an SA, the ESN and lifetime sub-lines indented further, trailing
 * spaces where iproute2 leaves them): every suite, both anti-replay contexts, lifetimes, selectors and encapsulation,
 * and the replay window continuing where the gateway's was.
 */
class XfrmStateListingTest {
    private static final String GCM_KEY = "e406a01083986e14d116488549094710e9c57bc6";

    /** {@code ip xfrm state} of a strongSwan-style ESN tunnel SA with NAT traversal (iproute2 7.1). */
    static final String ESN_TUNNEL = "src 192.0.2.1 dst 198.51.100.2\n"
            + "\tproto esp spi 0xc88b7652 reqid 1 mode tunnel\n"
            + "\treplay-window 0 flag af-unspec esn\n"
            + "\taead rfc4106(gcm(aes)) 0x" + GCM_KEY + " 128\n"
            + "\tencap type espinudp sport 4500 dport 4500 addr 0.0.0.0\n"
            + "\tanti-replay esn context:\n"
            + "\t seq-hi 0x0, seq 0x1d, oseq-hi 0x0, oseq 0x0\n"
            + "\t replay_window 128, bitmap-length 4\n"
            + "\t 00000000 00000000 00000000 1fffffff \n";

    /** The same SA as {@code ip -s xfrm state} prints it. */
    static final String ESN_TUNNEL_STATS = "src 192.0.2.1 dst 198.51.100.2\n"
            + "\tproto esp spi 0xc88b7652(3364582994) reqid 1(0x00000001) mode tunnel\n"
            + "\treplay-window 0 seq 0x00000000 flag af-unspec esn (0x10100000)\n"
            + "\taead rfc4106(gcm(aes)) 0x" + GCM_KEY + " (160 bits) 128\n"
            + "\tencap type espinudp sport 4500 dport 4500 addr 0.0.0.0\n"
            + "\tanti-replay esn context:\n"
            + "\t seq-hi 0x0, seq 0x1d, oseq-hi 0x0, oseq 0x0\n"
            + "\t replay_window 128, bitmap-length 4\n"
            + "\t 00000000 00000000 00000000 1fffffff \n"
            + "\tlifetime config:\n"
            + "\t  limit: soft (INF)(bytes), hard (INF)(bytes)\n"
            + "\t  limit: soft (INF)(packets), hard (INF)(packets)\n"
            + "\t  expire add: soft 0(sec), hard 0(sec)\n"
            + "\t  expire use: soft 0(sec), hard 0(sec)\n"
            + "\tlifetime current:\n"
            + "\t  0(bytes), 0(packets)\n"
            + "\t  add - use -\n"
            + "\tstats:\n"
            + "\t  replay-window 0 replay 0 failed 0\n";

    /** {@code ip -s xfrm state} of a transport SA with CBC and HMAC-SHA-256-128, a selector and lifetimes. */
    static final String CBC_TRANSPORT_STATS = "src 10.0.0.1 dst 10.0.0.2\n"
            + "\tproto esp spi 0x00001000(4096) reqid 16(0x00000010) mode transport\n"
            + "\treplay-window 32 seq 0x00000012 flag  (0x00000000)\n"
            + "\tauth-trunc hmac(sha256) 0x0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef (256 bits)"
            + " 128\n"
            + "\tenc cbc(aes) 0x00112233445566778899aabbccddeeff (128 bits)\n"
            + "\tanti-replay context: seq 0x5, oseq 0x7, bitmap 0x0000001f\n"
            + "\tsel src 10.1.0.0/16 dst 10.2.0.0/24 proto tcp dport 443 uid 0\n"
            + "\tlifetime config:\n"
            + "\t  limit: soft 1000000(bytes), hard (INF)(bytes)\n"
            + "\t  limit: soft (INF)(packets), hard 5000(packets)\n"
            + "\t  expire add: soft 3000(sec), hard 3600(sec)\n"
            + "\t  expire use: soft 100(sec), hard 200(sec)\n"
            + "\tlifetime current:\n"
            + "\t  20124(bytes), 83(packets)\n"
            + "\t  add 2024-06-17 11:15:48 use -\n"
            + "\tstats:\n"
            + "\t  replay-window 1 replay 2 failed 3\n";

    @Test
    void anEsnTunnelListingWithAndWithoutStatistics() {
        for (String text : List.of(ESN_TUNNEL, ESN_TUNNEL_STATS)) {
            SecurityAssociation sa = XfrmStateParser.parse(text);
            assertEquals(0xc88b7652, sa.spi());
            assertEquals(1, sa.reqid());
            assertEquals(SecurityAssociation.Mode.TUNNEL, sa.mode());
            assertTrue(sa.esn());
            assertEquals(128, sa.replayWindow(), "the ESN block's window, not the flags line's 0");
            assertEquals(AeadAlgorithm.AES_GCM, sa.aead());
            assertEquals(16, sa.icvLength());
            assertArrayEquals(HexFormat.of().parseHex(GCM_KEY.substring(0, 32)), sa.key());
            assertEquals(4500, sa.encapSourcePort());
            assertEquals(4500, sa.encapDestinationPort());
            assertEquals(0x1d, sa.replaySequence());
            assertEquals(0, sa.outboundSequence());
            // bits 0..28 of the circular bitmap: sequence numbers 1..29 (0x1d) received
            assertEquals((1L << 29) - 1, sa.replayHistory()[0]);
            assertEquals(Selector.ANY, sa.selector());
            assertEquals(SaLifetime.NONE, sa.lifetime());
        }
    }

    @Test
    void aCbcTransportListingWithLifetimesAndASelector() {
        SecurityAssociation sa = XfrmStateParser.parse(CBC_TRANSPORT_STATS);
        assertEquals(0x1000, sa.spi());
        assertEquals(16, sa.reqid());
        assertFalse(sa.esn());
        assertEquals(32, sa.replayWindow());
        assertEquals(EncryptionAlgorithm.AES_CBC, sa.encryption());
        assertEquals(AuthenticationAlgorithm.HMAC_SHA256, sa.authentication());
        assertEquals(16, sa.icvLength());
        assertEquals(5, sa.replaySequence());
        assertEquals(7, sa.outboundSequence());
        assertEquals(0x1f, sa.replayHistory()[0], "legacy bitmap: bit i is sequence 5 - i");
        assertEquals(new SaLifetime(1000000, SaLifetime.INFINITE, SaLifetime.INFINITE, 5000, 3000, 3600, 100, 200),
                sa.lifetime());
        assertTrue(sa.selector().matches(new byte[] {10, 1, 2, 3}, new byte[] {10, 2, 0, 9}, 6, 1234, 443));
        assertFalse(sa.selector().matches(new byte[] {10, 1, 2, 3}, new byte[] {10, 2, 0, 9}, 6, 1234, 80));
    }

    /** Every suite as a modern kernel reports it: {@code auth} SAs as {@code auth-trunc} with the length in force. */
    static Stream<Arguments> suites() {
        return Stream.of(
                Arguments.of("\tauth-trunc hmac(sha1) 0x" + "11".repeat(20) + " 96\n\tenc cbc(aes) 0x" + "22".repeat(16)
                        + "\n", "cbc(aes)+hmac(sha1)", 12),
                Arguments.of("\tauth-trunc hmac(sha512) 0x" + "11".repeat(64) + " 256\n\tenc cbc(aes) 0x"
                        + "22".repeat(32) + "\n", "cbc(aes)+hmac(sha512)", 32),
                Arguments.of("\tauth-trunc hmac(sha384) 0x" + "11".repeat(48) + " 192\n\tenc rfc3686(ctr(aes)) 0x"
                        + "22".repeat(20) + "\n", "rfc3686(ctr(aes))+hmac(sha384)", 24),
                Arguments.of("\tauth-trunc hmac(sha256) 0x" + "11".repeat(32) + " 96\n\tenc ecb(cipher_null) \n",
                        "ecb(cipher_null)+hmac(sha256)", 12),
                Arguments.of("\tauth hmac(sha1) 0x" + "11".repeat(20) + "\n\tenc cbc(aes) 0x" + "22".repeat(16) + "\n",
                        "cbc(aes)+hmac(sha1)", 12), // an old iproute2 printed auth
                Arguments.of("\taead rfc4309(ccm(aes)) 0x" + "33".repeat(19) + " 96\n", "rfc4309(ccm(aes))", 12),
                Arguments.of("\taead rfc4543(gcm(aes)) 0x" + "33".repeat(20) + " 128\n", "rfc4543(gcm(aes))", 16),
                Arguments.of("\taead rfc7539esp(chacha20,poly1305) 0x" + "33".repeat(36) + " 128\n",
                        "rfc7539esp(chacha20,poly1305)", 16));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("suites")
    void everySuiteAsListed(String algorithmLines, String suite, int icv) {
        String text = "src fc00:1::1 dst fc00:2::1\n"
                + "\tproto esp spi 0x00002000 reqid 0 mode transport\n"
                + "\treplay-window 32 \n"
                + algorithmLines
                + "\tanti-replay context: seq 0x0, oseq 0x0, bitmap 0x00000000\n"
                + "\tsel src ::/0 dst ::/0 \n";
        SecurityAssociation sa = XfrmStateParser.parse(text);
        assertEquals(suite, sa.suite());
        assertEquals(icv, sa.icvLength());
        assertEquals(Selector.ANY, sa.selector());
    }

    @Test
    void aListingOfSeveralSasIsDetectedInAFile() {
        String text = ESN_TUNNEL + CBC_TRANSPORT_STATS + ESN_TUNNEL_STATS.replace("0xc88b7652(3364582994)",
                "0x00000003(3)");
        List<SecurityAssociation> sas = XfrmStateParser.parseAll(new StringReader(text));
        assertEquals(List.of(0xc88b7652, 0x1000, 3), sas.stream().map(SecurityAssociation::spi).toList());
        SaDatabase db = SaDatabase.of(text); // a listing of several SAs in one argument
        assertEquals(3, db.size());
        db.clear();
        sas.forEach(SecurityAssociation::destroy);
    }

    @Test
    void listingMistakesNameTheLine() {
        IllegalArgumentException hidden = assertThrows(IllegalArgumentException.class, () -> XfrmStateParser.parse(
                ESN_TUNNEL.replace("0x" + GCM_KEY, "<<Keys hidden>>")));
        assertTrue(hidden.getMessage().contains("line 4") && hidden.getMessage().contains("nokeys"),
                hidden.getMessage());
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class, () -> XfrmStateParser.parse(
                ESN_TUNNEL + "\tbogus line\n"));
        assertTrue(unknown.getMessage().contains("line 10") && unknown.getMessage().contains("'bogus"),
                unknown.getMessage());
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> XfrmStateParser.parse(
                CBC_TRANSPORT_STATS.replace("cbc(aes) 0x00112233445566778899aabbccddeeff", "cbc(des) 0x0011223344556677")));
        assertTrue(refused.getMessage().contains("lines 1-17") && refused.getMessage().contains("cbc(des)"),
                refused.getMessage());
        assertFalse(refused.getMessage().contains("0011223344556677"), "no key material in messages");
    }

    /**
     * A capture taken on the gateway after the listing: the packets it had already received (1..5 in the legacy
     * bitmap) are replays, the next ones are delivered — the window continues where the gateway's was.
     */
    @Test
    void theWindowContinuesWhereTheGatewaysWas() throws Exception {
        String listing = "src fc00:1::1 dst fc00:2::1\n"
                + "\tproto esp spi 0x00002000 reqid 0 mode transport\n"
                + "\treplay-window 32 \n"
                + "\tauth-trunc hmac(sha1) 0x" + "11".repeat(20) + " 96\n"
                + "\tenc cbc(aes) 0x" + "22".repeat(16) + "\n"
                + "\tanti-replay context: seq 0x5, oseq 0x0, bitmap 0x0000001b\n" // 5, 4, 2, 1 received; 3 not
                + "\tsel src ::/0 dst ::/0 \n";
        SaDatabase db = SaDatabase.of();
        db.add(XfrmStateParser.parse(listing));
        EmbeddedChannel ch = ReceivePath.builder().sas(db).build().newEmbeddedChannel();
        EspEncoder sender = new EspEncoder(XfrmStateParser.parse("src fc00:1::1 dst fc00:2::1 proto esp spi 0x2000 "
                + "mode transport enc 'cbc(aes)' 0x" + "22".repeat(16) + " auth 'hmac(sha1)' 0x" + "11".repeat(20)));
        int[] sequences = {4, 3, 5, 6, 1};
        boolean[] delivered = {false, true, false, true, false};
        for (int i = 0; i < sequences.length; i++) {
            sender.nextSequence(sequences[i]);
            ByteBuf plain = Unpooled.wrappedBuffer(TestPackets.udp6(TestPackets.payload(40)));
            ch.writeInbound(sender.protectTransport(plain, UnpooledByteBufAllocator.DEFAULT));
            DatagramPacket d = ch.readInbound();
            assertEquals(delivered[i], d != null, "sequence " + sequences[i]);
            if (d != null) {
                d.release();
            }
        }
        assertNull(ch.readInbound());
        assertFalse(ch.finishAndReleaseAll());
        db.clear();
    }

    /**
     * With a window that does not divide 2^32 the ESN bitmap is indexed from the low 32 bits of the top, as Linux's
     * {@code xfrm_replay_check_esn}: here the top (0x1_00000005, bit (5 - 1) mod 100 = 4) and the packet 3 below it
     * (bit 1) were received.
     */
    @Test
    void anEsnBitmapOfAnOddWindowIsReadAsLinuxIndexesIt() {
        String text = "src 192.0.2.1 dst 198.51.100.2\n"
                + "\tproto esp spi 0x00000007 reqid 1 mode tunnel\n"
                + "\treplay-window 0 flag esn\n"
                + "\taead rfc4106(gcm(aes)) 0x" + GCM_KEY + " 128\n"
                + "\tanti-replay esn context:\n"
                + "\t seq-hi 0x1, seq 0x5, oseq-hi 0x0, oseq 0x0\n"
                + "\t replay_window 100, bitmap-length 4\n"
                + "\t 00000000 00000000 00000000 00000012 \n";
        SecurityAssociation sa = XfrmStateParser.parse(text);
        assertEquals(1L << 32 | 5, sa.replaySequence());
        assertEquals(100, sa.replayWindow());
        assertEquals(1L | 1L << 3, sa.replayHistory()[0], "the top and the packet 3 below it");
    }

    /** Add lines continued with a backslash after their src and dst are add lines, not a listing. */
    @Test
    void aContinuedAddLineIsNotAListing() {
        List<SecurityAssociation> sas = XfrmStateParser.parseAll(new StringReader("src 10.0.0.1 dst 10.0.0.2 \\\n"
                + "\tproto esp spi 0x1000 aead 'rfc4106(gcm(aes))' 0x" + GCM_KEY + " 128\n"));
        assertEquals(1, sas.size());
        assertEquals(0x1000, sas.get(0).spi());
    }

    /**
     * An outbound ESN SA as a gateway lists it (window 0, which Linux allows only for output): read so that the
     * traffic it sent, captured on the gateway, decrypts — a window of 64 starting at its outbound counter.
     */
    @Test
    void anOutboundEsnSaIsReadForItsCapturedTraffic() {
        String text = ESN_TUNNEL.replace("replay_window 128, bitmap-length 4", "replay_window 0, bitmap-length 0")
                .replace("seq-hi 0x0, seq 0x1d, oseq-hi 0x0, oseq 0x0", "seq-hi 0x0, seq 0x0, oseq-hi 0x1, oseq 0x10")
                .replace("\t 00000000 00000000 00000000 1fffffff \n", "\tdir out\n");
        SecurityAssociation sa = XfrmStateParser.parse(text);
        assertTrue(sa.esn());
        assertEquals(64, sa.replayWindow());
        assertEquals(1L << 32 | 0x10, sa.replaySequence());
    }
}
