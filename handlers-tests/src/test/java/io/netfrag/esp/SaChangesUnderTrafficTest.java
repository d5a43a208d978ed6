package io.netfrag.esp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netfrag.ReceivePath;
import io.netfrag.reassembly.CoalescePolicy;
import io.netfrag.stats.CounterSnapshot;
import io.netfrag.stats.DropReason;
import io.netfrag.testkit.Payloads;
import io.netfrag.testkit.TrafficGenerator;
import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.DatagramPacket;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * SAs changed while traffic flows, as IKE changes them: a rekey adds the new SA beside the old one, moves the sender
 * to it and removes the old one (make-before-break), repeated 1,000 times; an SA's keys replaced in place
 * ({@code ip xfrm state update}); an SA removed outright. Nothing of a removed SA is delivered after its removal, its
 * packets still in flight are counted as no state, its keys are zeroed, and every packet of a live SA is delivered
 * byte-exact. The traffic is fragmented (3000-byte datagrams at MTU 1500), so reassembly runs before decryption.
 */
class SaChangesUnderTrafficTest {
    private static final int REKEYS = 1000;

    private static String line(int spi, int keyByte) {
        return "src fc00:1::1 dst fc00:2::1 proto esp spi 0x" + Integer.toHexString(spi) + " mode transport"
                + " replay-window 64 aead 'rfc4106(gcm(aes))' 0x" + String.format("%02x", keyByte).repeat(20) + " 128";
    }

    /** A sender for one SA generation: payloads made with the generation as seed, so deliveries name their SA. */
    private static TrafficGenerator sender(String saLine, int generation) throws Exception {
        return TrafficGenerator.builder().addresses(InetAddress.getByName("fc00:1::1"),
                InetAddress.getByName("fc00:2::1")).sa(saLine).seed(generation).payloadLength(3000).mtu(1500).build();
    }

    private static List<ByteBuf> datagram(TrafficGenerator g) {
        List<ByteBuf> fragments = new ArrayList<>();
        g.next(fragments::add);
        return fragments;
    }

    /**
     * Writes fragments in; returns how many datagrams came out, each checked byte for byte against the payloads of SA
     * generation {@code expected} (the sender's seed).
     */
    private static int feed(EmbeddedChannel ch, List<ByteBuf> fragments, int expected) {
        for (ByteBuf f : fragments) {
            ch.writeInbound(f);
        }
        int out = 0;
        for (DatagramPacket d; (d = ch.readInbound()) != null;) {
            assertTrue(Payloads.verify(d.content(), expected), "byte-exact payload of SA generation " + expected);
            out++;
            d.release();
        }
        return out;
    }

    private static boolean zeroed(SecurityAssociation sa) {
        for (byte b : sa.key()) {
            if (b != 0) {
                return false;
            }
        }
        return sa.destroyed();
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = CoalescePolicy.class, names = {"COPY", "ADAPTIVE"})
    void aThousandMakeBeforeBreakRekeys(CoalescePolicy policy) throws Exception {
        SaDatabase db = new SaDatabase();
        db.add(XfrmStateParser.parse(line(0x1000, 1)));
        ReceivePath.Handlers handlers = ReceivePath.builder().policy(policy).sas(db).build().newHandlers();
        EmbeddedChannel ch = new EmbeddedChannel(handlers.toArray());
        TrafficGenerator current = sender(line(0x1000, 1), 0);
        long delivered = 0;
        long inFlightAfterRemoval = 0;
        for (int r = 1; r <= REKEYS; r++) {
            int spi = 0x1000 + r;
            String next = line(spi, 1 + r % 250);
            // traffic on the old SA, one datagram of which stays in flight across the rekey
            assertEquals(1, feed(ch, datagram(current), r - 1));
            List<ByteBuf> inFlight = datagram(current);
            // make: the new SA beside the old one; the sender moves to it
            db.add(XfrmStateParser.parse(next));
            TrafficGenerator moved = sender(next, r);
            assertEquals(1, feed(ch, datagram(moved), r));
            // break: the old SA goes; its in-flight datagram is refused as no state
            SecurityAssociation old = db.lookup(InetAddress.getByName("fc00:2::1"), spi - 1);
            assertTrue(db.remove(InetAddress.getByName("fc00:2::1"), spi - 1));
            assertTrue(zeroed(old), "the removed SA's keys are zeroed");
            assertEquals(0, feed(ch, inFlight, r - 1), "nothing of a removed SA after its removal");
            inFlightAfterRemoval++;
            assertEquals(1, feed(ch, datagram(moved), r));
            delivered += 3;
            current = moved;
        }
        CounterSnapshot s = handlers.stats();
        assertEquals(delivered, s.get(io.netfrag.stats.MibCounter.UDP_IN_DATAGRAMS), s.toString());
        assertEquals(inFlightAfterRemoval, s.drops(DropReason.ESP_NO_STATE), s.toString());
        assertEquals(0, s.drops(DropReason.ESP_ICV_FAILED) + s.drops(DropReason.ESP_REPLAY), s.toString());
        assertEquals(1, db.size());
        assertEquals(0, handlers.pinnedBytes());
        assertFalse(ch.finishAndReleaseAll(), "nothing left over");
        db.clear();
    }

    @Test
    void keysReplacedInPlaceAndAnSaRemovedOutright() throws Exception {
        SaDatabase db = new SaDatabase();
        db.add(XfrmStateParser.parse(line(0x2000, 7)));
        ReceivePath.Handlers handlers = ReceivePath.builder().sas(db).build().newHandlers();
        EmbeddedChannel ch = new EmbeddedChannel(handlers.toArray());
        TrafficGenerator before = sender(line(0x2000, 7), 0);
        assertEquals(1, feed(ch, datagram(before), 0));
        List<ByteBuf> sealedWithOldKeys = datagram(before);
        // ip xfrm state update: the same (destination, SPI), new keys
        SecurityAssociation old = db.lookup(InetAddress.getByName("fc00:2::1"), 0x2000);
        db.update(XfrmStateParser.parse(line(0x2000, 8)));
        assertTrue(zeroed(old), "the replaced SA's keys are zeroed");
        assertEquals(0, feed(ch, sealedWithOldKeys, 0), "old keys no longer open anything");
        assertEquals(1, handlers.stats().drops(DropReason.ESP_ICV_FAILED));
        // the replacement starts its own window: the sender's SA continues from 1 with the new keys
        TrafficGenerator after = sender(line(0x2000, 8), 1);
        assertEquals(1, feed(ch, datagram(after), 1));
        assertEquals(1, feed(ch, datagram(after), 1));
        // removed outright: every later packet is no state
        SecurityAssociation last = db.lookup(InetAddress.getByName("fc00:2::1"), 0x2000);
        assertTrue(db.remove(InetAddress.getByName("fc00:2::1"), 0x2000));
        assertTrue(zeroed(last));
        assertEquals(0, feed(ch, datagram(after), 1));
        assertEquals(1, handlers.stats().drops(DropReason.ESP_NO_STATE));
        assertEquals(0, handlers.pinnedBytes());
        assertFalse(ch.finishAndReleaseAll(), "nothing left over");
    }
}
