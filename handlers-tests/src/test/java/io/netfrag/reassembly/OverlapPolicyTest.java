package io.netfrag.reassembly;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.netfrag.internal.reassembly.AbstractReassembler;
import io.netfrag.internal.wire.Ipv4Header;
import io.netfrag.internal.wire.Ipv6FragmentHeader;
import io.netfrag.ipv4.Ipv4FragmentReassembler;
import io.netfrag.ipv6.Ipv6FragmentReassembler;
import io.netfrag.packet.IcmpErrorSink;
import io.netfrag.packet.IpPacket;
import io.netfrag.packet.IpPacketDecoder;
import io.netfrag.packet.LocalAddresses;
import io.netfrag.stats.MibCounter;
import io.netfrag.testing.TestPackets;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The Sturges–Novak overlap pattern (fragments by offset/length in bytes, all MF=1 except Q), reassembled under every
 * overlap policy over IPv4 and IPv6; the expected 24-block payloads are the published ones (BSD_RIGHT has none
 * published: its row follows the documented rule).
 */
class OverlapPolicyTest {
    /** name, offset, length, in sending order. */
    private static final Object[][] PATTERN = {
        {'A', 0, 24}, {'B', 32, 16}, {'C', 48, 24}, {'D', 80, 8}, {'E', 104, 16}, {'F', 120, 24}, {'G', 144, 16},
        {'H', 160, 16}, {'I', 176, 8}, {'J', 8, 32}, {'K', 48, 24}, {'L', 72, 24}, {'M', 96, 24}, {'N', 128, 8},
        {'O', 152, 8}, {'P', 160, 8}, {'Q', 176, 16}};
    private static final int EXPERIMENTAL_PROTOCOL = 253; // RFC 3692

    private static List<ByteBuf> fragments(int version) {
        List<ByteBuf> out = new ArrayList<>();
        for (Object[] f : PATTERN) {
            char name = (char) f[0];
            int offset = (int) f[1];
            int length = (int) f[2];
            boolean more = name != 'Q';
            ByteBuf b = PooledByteBufAllocator.DEFAULT.buffer();
            if (version == 4) {
                b.writeByte(0x45).writeByte(0).writeShort(20 + length).writeShort(77)
                        .writeShort((more ? Ipv4Header.FLAG_MF : 0) | offset / 8).writeByte(64)
                        .writeByte(EXPERIMENTAL_PROTOCOL).writeShort(0).writeInt(0x0a000001).writeInt(0x0a000002);
                Ipv4Header.updateChecksum(b, 0, 20);
            } else {
                b.writeInt(6 << 28).writeShort(8 + length).writeByte(44).writeByte(64)
                        .writeBytes(TestPackets.SRC.getAddress()).writeBytes(TestPackets.DST.getAddress());
                b.writeZero(8);
                Ipv6FragmentHeader.write(b, 40, EXPERIMENTAL_PROTOCOL, offset, more, 77);
            }
            for (int i = 0; i < length; i++) {
                b.writeByte(name);
            }
            out.add(b);
        }
        return out;
    }

    private static String replay(EmbeddedChannel ch, int version, AbstractReassembler<?> r) {
        List<ByteBuf> frags = fragments(version);
        for (ByteBuf f : frags) {
            ch.writeInbound(f);
        }
        for (ByteBuf f : frags) {
            assertEquals(0, f.refCnt());
        }
        IpPacket p = ch.readInbound();
        if (p == null) {
            return null;
        }
        ByteBuf c = p.content();
        StringBuilder blocks = new StringBuilder();
        byte[] data = new byte[p.upperLength()];
        c.getBytes(c.readerIndex() + p.upperOffset(), data);
        String s = new String(data, StandardCharsets.US_ASCII);
        for (int i = 0; i < s.length(); i += 8) {
            assertEquals(s.substring(i, i + 8).chars().distinct().count(), 1, "a block mixes fragments: " + s);
            blocks.append(s.charAt(i));
        }
        assertEquals(EXPERIMENTAL_PROTOCOL, p.protocol());
        p.release();
        assertEquals(0, r.pinnedBytes());
        return blocks.toString();
    }

    @ParameterizedTest(name = "IPv{0} {1}")
    @CsvSource({
        "4,BSD,AAAJJBCCCLLLMMMFFFGGHHIQ", "4,LINUX,AAAJJBKKKLLLMMMFFFGGPHQQ", "4,WINDOWS,AAAJBBCCCLLLMEEFFFGGHHIQ",
        "4,SOLARIS,AAAJBBCCCLLLMMMFFFGGHHIQ", "4,FIRST,AAAJBBCCCLDLMEEFFFGGHHIQ", "4,LAST,AJJJJBKKKLLLMMMFNFGOPHQQ",
        "4,BSD_RIGHT,AJJJJBCCCLLLMMMFFFGGHHQQ",
        "6,BSD,AAAJJBCCCLLLMMMFFFGGHHIQ", "6,LINUX,AAAJJBKKKLLLMMMFFFGGPHQQ", "6,WINDOWS,AAAJBBCCCLLLMEEFFFGGHHIQ",
        "6,SOLARIS,AAAJBBCCCLLLMMMFFFGGHHIQ", "6,FIRST,AAAJBBCCCLDLMEEFFFGGHHIQ", "6,LAST,AJJJJBKKKLLLMMMFNFGOPHQQ",
        "6,BSD_RIGHT,AJJJJBCCCLLLMMMFFFGGHHQQ"})
    void sturgesNovakPattern(int version, OverlapPolicy policy, String expected) {
        for (CoalescePolicy coalesce : CoalescePolicy.values()) {
            AbstractReassembler<?> r = version == 4
                    ? new Ipv4FragmentReassembler(coalesce,
                            ReassemblyLimits.defaults(Ipv4FragmentReassembler.DEFAULT_TIMEOUT), IcmpErrorSink.DISCARD,
                            policy, 64)
                    : new Ipv6FragmentReassembler(coalesce,
                            ReassemblyLimits.defaults(Ipv6FragmentReassembler.DEFAULT_TIMEOUT), IcmpErrorSink.DISCARD,
                            policy, policy);
            EmbeddedChannel ch = new EmbeddedChannel(new IpPacketDecoder(), r);
            assertEquals(expected, replay(ch, version, r), coalesce.name());
            assertEquals(8,
                    r.stats().get(MibCounter.REASM_OVERLAPS), "every one of J..Q overlaps something");
            assertFalse(ch.finishAndReleaseAll());
        }
    }

    @ParameterizedTest(name = "IPv{0}")
    @CsvSource({"4", "6"})
    void dropDeliversNothingAndCountsTheOverlap(int version) {
        AbstractReassembler<?> r = version == 4 ? new Ipv4FragmentReassembler(CoalescePolicy.COPY)
                : new Ipv6FragmentReassembler(CoalescePolicy.COPY);
        EmbeddedChannel ch = new EmbeddedChannel(new IpPacketDecoder(), r);
        assertNull(replay(ch, version, r));
        assertEquals(1, r.stats().get(MibCounter.REASM_OVERLAPS));
        ch.finishAndReleaseAll();
        assertEquals(0, r.pinnedBytes());
    }

    @Test
    void ipv6LocalDeliveryStaysDropUnlessExplicitlyOptedIn() {
        // a target-based policy for forwarded datagrams only: local delivery still drops (RFC 5722)
        Ipv6FragmentReassembler local = new Ipv6FragmentReassembler(CoalescePolicy.COPY,
                ReassemblyLimits.defaults(Ipv6FragmentReassembler.DEFAULT_TIMEOUT), IcmpErrorSink.DISCARD,
                OverlapPolicy.BSD, OverlapPolicy.DROP);
        EmbeddedChannel ch = new EmbeddedChannel(new IpPacketDecoder(LocalAddresses.ALL, 0), local);
        assertNull(replay(ch, 6, local));
        assertFalse(ch.finishAndReleaseAll());
        Ipv6FragmentReassembler forwarded = new Ipv6FragmentReassembler(CoalescePolicy.COPY,
                ReassemblyLimits.defaults(Ipv6FragmentReassembler.DEFAULT_TIMEOUT), IcmpErrorSink.DISCARD,
                OverlapPolicy.BSD, OverlapPolicy.DROP);
        ch = new EmbeddedChannel(new IpPacketDecoder(LocalAddresses.NONE, 0), forwarded);
        assertEquals("AAAJJBCCCLLLMMMFFFGGHHIQ", replay(ch, 6, forwarded));
        assertFalse(ch.finishAndReleaseAll());
    }
}
