package io.netfrag.esp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netfrag.ReceivePath;
import io.netfrag.stats.CounterSnapshot;
import io.netfrag.stats.DropReason;
import io.netfrag.stats.MibCounter;
import io.netfrag.testing.TestPackets;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.DatagramPacket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * SA state set on the {@code ip xfrm state} line: where the anti-replay window starts ({@code replay-seq},
 * {@code replay-seq-hi}), where the sender continues ({@code replay-oseq}, {@code replay-oseq-hi}), and the lifetime
 * limits ({@code limit}): soft limits reported once, hard limits expiring the SA as Linux does.
 */
class SaStateTest {
    private static final String ID = "src fc00:1::1 dst fc00:2::1 proto esp spi 0x2000 mode transport ";
    private static final String GCM = " aead 'rfc4106(gcm(aes))' 0x" + "0b".repeat(20) + " 128";
    private static final String CBC = " enc 'cbc(aes)' 0x" + "0d".repeat(16) + " auth 'hmac(sha1)' 0x"
            + "0e".repeat(20);

    private final List<SaExpiryEvent> events = new ArrayList<>();
    private EmbeddedChannel ch;
    private SaDatabase db;

    @AfterEach
    void tearDown() {
        if (ch != null) {
            assertFalse(ch.finishAndReleaseAll(), "messages left over");
        }
        if (db != null) {
            db.clear();
        }
    }

    /** A receive path with {@code receiving}, recording expiry events; returns an encoder for {@code sending}. */
    private EspEncoder receiver(String receiving, String sending) {
        db = new SaDatabase();
        db.add(XfrmStateParser.parse(ID + receiving));
        ch = ReceivePath.builder().sas(db).build().newEmbeddedChannel(new ChannelInboundHandlerAdapter() {
            @Override
            public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                if (evt instanceof SaExpiryEvent e) {
                    events.add(e);
                }
                ctx.fireUserEventTriggered(evt);
            }
        });
        return new EspEncoder(XfrmStateParser.parse(ID + sending));
    }

    /** Sends one datagram with the encoder's next sequence number; returns whether it was delivered. */
    private boolean send(EspEncoder e, int payloadLength) {
        ByteBuf plain = Unpooled.wrappedBuffer(TestPackets.udp6(TestPackets.payload(payloadLength)));
        ch.writeInbound(e.protectTransport(plain, UnpooledByteBufAllocator.DEFAULT));
        DatagramPacket d = ch.readInbound();
        if (d == null) {
            return false;
        }
        assertArrayEquals(TestPackets.payload(payloadLength), TestPackets.bytes(d.content()));
        d.release();
        return true;
    }

    private CounterSnapshot stats() {
        return ch.pipeline().get(EspDecoder.class).stats();
    }

    @Test
    void theLineParsesStateAsIproute2() {
        SecurityAssociation sa = XfrmStateParser.parse(ID + "replay-window 128 flag esn replay-seq 0x10 "
                + "replay-seq-hi 2 replay-oseq 7 replay-oseq-hi 3 limit time-soft 60 limit time-hard 0x78 "
                + "limit byte-soft 1000000 limit byte-hard 2000000 limit packet-soft 010 limit packet-hard 20 "
                + "limit time-use-soft 5 limit time-use-hard 6" + GCM);
        assertEquals(2L << 32 | 0x10, sa.replaySequence());
        assertEquals(3L << 32 | 7, sa.outboundSequence());
        assertEquals(new SaLifetime(1000000, 2000000, 8, 20, 60, 120, 5, 6), sa.lifetime());
        SecurityAssociation noEsn = XfrmStateParser.parse(ID + "replay-seq 5 replay-seq-hi 9 replay-oseq-hi 4" + GCM);
        assertEquals(5, noEsn.replaySequence(), "as iproute2: the high half counts only with ESN");
        assertEquals(0, noEsn.outboundSequence());
        assertEquals(SaLifetime.NONE, noEsn.lifetime());
    }

    @Test
    void theWindowStartsWhereReplaySeqSays() {
        EspEncoder e = receiver("replay-window 64 replay-seq 1000" + CBC, CBC);
        e.nextSequence(900);
        assertFalse(send(e, 10), "left of the window");
        assertEquals(1, stats().drops(DropReason.ESP_REPLAY));
        e.nextSequence(950);
        assertTrue(send(e, 10), "inside the window, not seen");
        e.nextSequence(1001);
        assertTrue(send(e, 10));
        e.nextSequence(1001);
        assertFalse(send(e, 10), "a replay");
        assertEquals(2, stats().drops(DropReason.ESP_REPLAY));
    }

    /**
     * A capture taken when the SA's sequence numbers had a high half of 1 (ESN): with {@code replay-seq-hi} the window
     * infers the right high half, even across the next wrap; without it the ICV fails, as it would in Linux.
     */
    @Test
    void anEsnSaMidLifeVerifiesAcrossTheWrap() {
        String sending = "replay-window 64 flag esn replay-oseq-hi 1 replay-oseq 0xfffffff0" + GCM;
        EspEncoder e = receiver("replay-window 64 flag esn replay-seq-hi 1 replay-seq 0xffffffe0" + GCM, sending);
        for (int i = 0; i < 32; i++) { // 0x1_fffffff1 … 0x2_00000010
            assertTrue(send(e, 20), "packet " + i);
        }
        assertEquals(2L << 32 | 0x10, e.lastSequence());
        assertEquals(32, stats().get(MibCounter.ESP_IN_DECRYPTED));
        ch.finishAndReleaseAll();
        db.clear();
        EspEncoder fresh = receiver("replay-window 64 flag esn" + GCM, sending);
        assertFalse(send(fresh, 20), "a fresh window takes the high half for 0");
        assertEquals(1, stats().drops(DropReason.ESP_ICV_FAILED));
    }

    @Test
    void packetLimitsAsLinuxCountsThem() {
        EspEncoder e = receiver("limit packet-soft 2 limit packet-hard 3" + CBC, CBC);
        assertTrue(send(e, 10));
        assertTrue(send(e, 10));
        assertTrue(events.isEmpty(), "the soft limit is checked before a packet: 2 processed, not yet reported");
        assertTrue(send(e, 10), "the third packet still goes: 2 < 3 when it arrives");
        assertEquals(1, events.size());
        assertFalse(events.get(0).hard());
        assertFalse(send(e, 10), "3 processed: the SA has expired");
        assertFalse(send(e, 10));
        assertEquals(2, events.size(), "each limit reported once");
        assertTrue(events.get(1).hard());
        assertTrue(events.get(1).sa().expired());
        assertEquals(2, stats().drops(DropReason.ESP_SA_EXPIRED));
        assertEquals(2, stats().get(MibCounter.XFRM_IN_STATE_EXPIRED));
        assertEquals(3, stats().get(MibCounter.ESP_IN_DECRYPTED));
    }

    @Test
    void byteLimitCountsEspPayloadBytes() {
        // Linux counts what is left once ESP is removed: the UDP datagram, 308 bytes for 300 payload bytes, 18 for 10
        EspEncoder e = receiver("limit byte-hard 500" + GCM, GCM);
        assertTrue(send(e, 300));
        assertTrue(send(e, 10));
        assertTrue(send(e, 10));
        assertTrue(send(e, 300), "344 bytes when it arrives: below 500");
        assertFalse(send(e, 10), "652 bytes processed");
        assertEquals(1, stats().get(MibCounter.XFRM_IN_STATE_EXPIRED));
    }

    @Test
    void timeLimitsRunOnTheEventLoopClock() {
        EspEncoder e = receiver("limit time-soft 10 limit time-hard 20 limit time-use-hard 100" + GCM, GCM);
        assertTrue(send(e, 10));
        ch.advanceTimeBy(9, TimeUnit.SECONDS);
        assertTrue(send(e, 10));
        assertTrue(events.isEmpty());
        ch.advanceTimeBy(1, TimeUnit.SECONDS);
        assertTrue(send(e, 10), "soft: reported, still working");
        assertEquals(1, events.size());
        ch.advanceTimeBy(9, TimeUnit.SECONDS);
        assertTrue(send(e, 10));
        ch.advanceTimeBy(1, TimeUnit.SECONDS);
        assertFalse(send(e, 10), "20 s after the SA was first met");
        assertEquals(2, events.size());
        assertNull(ch.readInbound());
    }

    /** A destroyed SA (removed from its database, keys zeroed) never yields a transform: no packet is read with zeros. */
    @Test
    void aDestroyedSaGivesNoTransform() {
        SecurityAssociation sa = XfrmStateParser.parse(ID + CBC);
        assertTrue(sa.newTransform() != null);
        sa.destroy();
        org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class, sa::newTransform);
    }
}
