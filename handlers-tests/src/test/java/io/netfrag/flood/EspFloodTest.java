package io.netfrag.flood;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.netfrag.esp.EspDecoder;
import io.netfrag.esp.EspEncoder;
import io.netfrag.esp.SaDatabase;
import io.netfrag.esp.SecurityAssociation;
import io.netfrag.esp.XfrmStateParser;
import io.netfrag.internal.wire.IpProtocols;
import io.netfrag.internal.wire.Ipv4Header;
import io.netfrag.ipv4.Ipv4FragmentReassembler;
import io.netfrag.ipv6.Ipv6FragmentReassembler;
import io.netfrag.packet.IpPacketDecoder;
import io.netfrag.packet.LocalAddresses;
import io.netfrag.reassembly.CoalescePolicy;
import io.netfrag.stats.CounterSnapshot;
import io.netfrag.stats.DropReason;
import io.netfrag.stats.MibCounter;
import io.netfrag.testing.TestPackets;
import io.netfrag.udp.UdpDeliver;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.DatagramPacket;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * ESP under a flood: garbage with a valid SPI behind a valid outer header, and replays of valid packets,
 * interleaved with a legitimate ESP stream (transport mode, rfc4106(gcm(aes)) 128-bit ICV, the parser's default replay
 * window of 64), through the whole receive path {@code IpPacketDecoder → Ipv6/Ipv4FragmentReassembler → EspDecoder →
 * UdpDeliver}.
 *
 * <p>What is asserted, exactly, per packet class (EspDecoder checks length, then the replay window, then the ICV):
 * <ul>
 *   <li>legitimate packets: every one delivered once, in order, byte-exact (EspInDecrypted = UdpInDatagrams = sent);
 *       garbage must therefore never move the replay window;
 *   <li>garbage shorter than IV + ICV + 2: XfrmInStateProtoError (ESP_TRUNCATED); otherwise a sequence number the
 *       window rejects (0, or at or below the highest legitimate one: all of those were received):
 *       XfrmInStateSeqError (ESP_REPLAY); otherwise ICV failure: XfrmInStateProtoError (ESP_ICV_FAILED). The test
 *       computes which class each garbage packet falls into and compares the counters exactly;
 *   <li>replays of earlier valid packets, both inside the window (seen) and left of it: never delivered again, each
 *       counted once as XfrmInStateSeqError (ESP_REPLAY).
 * </ul>
 * Every input buffer is released (refCnt 0) and nothing is left in the pipeline.
 */
class EspFloodTest {
    private static final String GCM = "aead 'rfc4106(gcm(aes))' 0x0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b 128";
    private static final int SPI_6 = 0x1000;
    private static final int SPI_4 = 0x2000;
    private static final int ICV = 16;
    /** ESP header (SPI, sequence) + IV. */
    private static final int ESP_FIXED = 16;
    private static final ByteBufAllocator ALLOC = PooledByteBufAllocator.DEFAULT;

    private final List<ByteBuf> inputs = new ArrayList<>();
    private EmbeddedChannel ch;
    private EspDecoder esp;
    private UdpDeliver udp;

    /** Garbage packets for every legitimate packet; replays for every legitimate packet (after the first 100). */
    @ParameterizedTest(name = "IPv{0} {1} engine {2}")
    @CsvSource({"6,ADAPTIVE,jca", "6,COPY,jca", "4,ADAPTIVE,jca", "4,COPY,bc", "6,ADAPTIVE,bc"})
    void garbageAndReplaysNeverDeliverAndAreCounted(int version, CoalescePolicy policy, String engine) {
        String line = version == 6
                ? "src fc00:1::1 dst fc00:2::1 proto esp spi " + SPI_6 + " mode transport " + GCM
                : "src 10.200.1.1 dst 10.200.1.2 proto esp spi " + SPI_4 + " mode transport " + GCM;
        SecurityAssociation sa = XfrmStateParser.parse(line + " engine " + engine);
        assertEquals(64, sa.replayWindow(), "the parser's default replay window");
        SaDatabase db = new SaDatabase();
        db.add(sa);
        esp = new EspDecoder(db, policy, EspDecoder.DEFAULT_ENCAP_PORT, EspDecoder.DEFAULT_MAX_DEPTH,
                LocalAddresses.ALL);
        udp = new UdpDeliver();
        ch = new EmbeddedChannel(new IpPacketDecoder(), new Ipv6FragmentReassembler(policy),
                new Ipv4FragmentReassembler(policy), esp, udp);
        EspEncoder encoder = new EspEncoder(sa);
        SplittableRandom random = new SplittableRandom(version * 31L + policy.ordinal());
        int legit = 1_000;
        int garbagePerLegit = 4;
        List<byte[]> sent = new ArrayList<>();
        long top = 0;
        long truncated = 0;
        long windowRejects = 0;
        long icvFailures = 0;
        long replays = 0;
        long replaysInWindow = 0;
        for (int i = 1; i <= legit; i++) {
            byte[] payload = new byte[16 + random.nextInt(1200)];
            random.nextBytes(payload);
            payload[0] = (byte) (i >>> 8);
            payload[1] = (byte) i;
            byte[] plain = version == 6
                    ? TestPackets.udp6(TestPackets.SRC, TestPackets.DST, 40_001, 5_000, payload, 0)
                    : TestPackets.udp4(0x0ac80101, 0x0ac80102, 40_001, 5_000, payload, true);
            ByteBuf p = Unpooled.wrappedBuffer(plain);
            ByteBuf e = encoder.protectTransport(p, UnpooledByteBufAllocator.DEFAULT);
            p.release();
            byte[] espPacket = TestPackets.bytes(e);
            e.release();
            sent.add(espPacket);
            write(espPacket);
            top = encoder.lastSequence();
            DatagramPacket d = ch.readInbound();
            assertNotNull(d, "legitimate packet " + i + " not delivered: " + esp.stats());
            try {
                assertArrayEquals(payload, TestPackets.bytes(d.content()), "legitimate packet " + i);
            } finally {
                d.release();
            }
            for (int g = 0; g < garbagePerLegit; g++) {
                int espLength = 8 + random.nextInt(1400);
                byte[] garbage = garbage(version, version == 6 ? SPI_6 : SPI_4, espLength, random);
                long sequence = ((garbage[garbage.length - espLength + 4] & 0xffL) << 24)
                        | ((garbage[garbage.length - espLength + 5] & 0xffL) << 16)
                        | ((garbage[garbage.length - espLength + 6] & 0xffL) << 8)
                        | (garbage[garbage.length - espLength + 7] & 0xffL);
                if (espLength - ESP_FIXED < ICV + 2) {
                    truncated++;
                } else if (sequence == 0 || sequence <= top) {
                    windowRejects++; // every sequence number up to top was received: seen or left of the window
                } else {
                    icvFailures++;
                }
                write(garbage);
                assertNull(ch.readInbound(), "garbage delivered");
            }
            if (i > 100) {
                // one replay in the window (seen) and, every other time, one left of it
                write(sent.get(i - 1 - random.nextInt(64)));
                replays++;
                replaysInWindow++;
                if ((i & 1) == 0) {
                    write(sent.get(random.nextInt(i - 64)));
                    replays++;
                }
                assertNull(ch.readInbound(), "a replay was delivered");
            }
        }
        CounterSnapshot s = esp.stats();
        String all = s + " truncated " + truncated + " windowRejects " + windowRejects + " icv " + icvFailures
                + " replays " + replays;
        assertEquals(legit, s.get(MibCounter.ESP_IN_DECRYPTED), all);
        assertEquals(legit, udp.stats().get(MibCounter.UDP_IN_DATAGRAMS), all);
        assertEquals(replays + windowRejects, s.get(MibCounter.XFRM_IN_STATE_SEQ_ERROR), all);
        assertEquals(replays + windowRejects, s.drops(DropReason.ESP_REPLAY), all);
        assertEquals(truncated + icvFailures, s.get(MibCounter.XFRM_IN_STATE_PROTO_ERROR), all);
        assertEquals(truncated, s.drops(DropReason.ESP_TRUNCATED), all);
        assertEquals(icvFailures, s.drops(DropReason.ESP_ICV_FAILED), all);
        assertEquals(0, s.get(MibCounter.XFRM_IN_NO_STATES), all);
        assertEquals(truncated + windowRejects + icvFailures + replays, s.totalDrops(), all);
        assertFalse(ch.finishAndReleaseAll(), "messages left in the pipeline");
        for (int i = 0; i < inputs.size(); i++) {
            assertEquals(0, inputs.get(i).refCnt(), "input " + i + " not released");
        }
        System.out.printf("ESP flood IPv%d %s %s: %d legit, %d garbage (%d truncated, %d window, %d ICV), %d replays"
                + " (%d in window): %s%n", version, policy, engine, legit, (long) legit * garbagePerLegit, truncated,
                windowRejects, icvFailures, replays, replaysInWindow, s);
        db.clear();
    }

    /** A valid outer IPv6/IPv4 header (next header ESP) + SPI + {@code espLength - 4} random bytes. */
    private static byte[] garbage(int version, int spi, int espLength, SplittableRandom random) {
        byte[] body = new byte[espLength];
        random.nextBytes(body);
        body[0] = (byte) (spi >>> 24);
        body[1] = (byte) (spi >>> 16);
        body[2] = (byte) (spi >>> 8);
        body[3] = (byte) spi;
        ByteBuf b = Unpooled.buffer();
        if (version == 6) {
            b.writeInt(6 << 28).writeShort(espLength).writeByte(IpProtocols.ESP).writeByte(64)
                    .writeBytes(TestPackets.SRC.getAddress()).writeBytes(TestPackets.DST.getAddress());
        } else {
            b.writeByte(0x45).writeByte(0).writeShort(20 + espLength).writeShort(7).writeShort(0).writeByte(64)
                    .writeByte(IpProtocols.ESP).writeShort(0).writeInt(0x0ac80101).writeInt(0x0ac80102);
            Ipv4Header.updateChecksum(b, 0, 20);
        }
        b.writeBytes(body);
        return TestPackets.bytes(b);
    }

    private void write(byte[] packet) {
        ByteBuf b = ALLOC.buffer(packet.length).writeBytes(packet);
        inputs.add(b);
        ch.writeInbound(b);
    }
}
