package io.netfrag.fuzz;

import static io.netfrag.fuzz.FuzzSupport.check;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netfrag.internal.reassembly.AbstractReassembler;
import io.netfrag.internal.reassembly.Pinning;
import io.netfrag.internal.wire.IpProtocols;
import io.netfrag.internal.wire.Ipv4Header;
import io.netfrag.internal.wire.Ipv6FragmentHeader;
import io.netfrag.ipv4.Ipv4FragmentReassembler;
import io.netfrag.ipv6.Ipv6FragmentReassembler;
import io.netfrag.packet.IcmpError;
import io.netfrag.packet.IcmpErrorSink;
import io.netfrag.packet.IpPacket;
import io.netfrag.packet.IpPacketDecoder;
import io.netfrag.packet.LocalAddresses;
import io.netfrag.reassembly.CoalescePolicy;
import io.netfrag.reassembly.OverlapPolicy;
import io.netfrag.reassembly.ReassemblyLimits;
import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Fuzzes {@link Ipv6FragmentReassembler} and {@link Ipv4FragmentReassembler} (behind {@link IpPacketDecoder}) with a
 * fuzzed <em>sequence</em> of events: fragments of a few datagrams that share identifications from a small set and
 * addresses from a small set (so they meet in queues, collide, overlap, duplicate and conflict), with fuzzed offsets
 * (in order, arbitrary, unaligned), lengths, M/MF flags, next headers, ECN, IPv6 Hop-by-Hop / Destination Options
 * headers, IPv4 options and DF, wrong length fields and link-layer padding; time advances (some past the adaptive
 * hold, some past the timeout); junk packets and non-fragments. The configuration is fuzzed too: coalesce policy,
 * overlap policy (IPv6: forwarded and local; IPv4: one, plus {@code maxDist}), forwarding destinations, small memory
 * thresholds (so eviction and the no-new-queue rule are exercised), component budget, adaptive hold and timeout.
 * Fragment buffers are exact-size heap, heap with slack capacity, direct, or slices of one shared batch buffer (as
 * recvmmsg gives), written raw or in a {@link DatagramPacket}.
 *
 * <p>Properties checked on every input:
 * <ul>
 *   <li>no exception escapes a handler (pipeline tail and {@code EmbeddedChannel.checkException()});</li>
 *   <li>after every event, pinned bytes never exceed the high threshold by more than what one packet pins
 *       ({@link Pinning#pinnedBytes}: the largest written so far), and never exceed the peak;</li>
 *   <li>everything delivered is consistent ({@link FuzzSupport#checkIpPacket}: length fields equal the readable
 *       bytes, IPv4 checksum, chain, reassembled packets are no longer fragments) and a reassembled datagram carries
 *       exactly the bytes its fragments carried (every fragment of a datagram is cut from one template, so this holds
 *       under every overlap policy);</li>
 *   <li>ICMP errors quote at most the Linux limit (1232 / 548 bytes);</li>
 *   <li>after advancing the clock past the timeout every queue is gone: {@code queueCount()}, {@code pinnedBytes()}
 *       and {@code heldBuffers()} are 0; after the channel is finished (handler removed) likewise;</li>
 *   <li>no leak: every buffer written and every buffer allocated through the channel's allocator has reference
 *       count 0 after the channel finished and the outputs were released.</li>
 * </ul>
 */
class ReassemblerFuzzTest {
    private static final int[] IDS = {0x1000, 0x1001, 0xdead, 0};
    private static final long[][] V6_SOURCES = {{0xfc00_0001_0000_0000L, 1}, {0xfc00_0001_0000_0000L, 2}};
    private static final long[][] V6_DESTINATIONS = {{0xfc00_0002_0000_0000L, 1}, {0xfe80_0000_0000_0000L, 2},
        {0xff02_0000_0000_0000L, 3}};
    private static final int[] V4_SOURCES = {0x0a000001, 0x0a000002};
    private static final int[] V4_DESTINATIONS = {0x0a000009, 0x0a00000a};
    private static final long[] TIME_STEPS_MS = {1, 2, 100, 1_000, 29_000, 31_000, 59_000, 61_000};
    private static final int MAX_EVENTS = 48;

    /**
     * IPv6 reassembly.
     *
     * <p><b>Finding (fixed):</b> {@code ReassemblerFuzzTestInputs/ipv6/crash-3eca945bcae33dcfd568da836d2fb41e56b2134d}
     * — ADAPTIVE, high threshold 511 B, adaptive hold 1 ms. One last fragment (offset 6144, 96 bytes, exact-size
     * buffer) is held: 490 pinned bytes. When the hold expired, the timer's {@code ReassemblyTable.coalesceStalled}
     * copied it into a head buffer sized up to its offset and charged it without enforcing the high threshold: 6624
     * pinned bytes from one 96-byte fragment. {@code coalesceStalled} now evicts down to the low threshold when its
     * copies take the table above the high one; the input stays as a regression input.
     */
    @FuzzTest
    void ipv6(FuzzedDataProvider data) {
        new Run(data, 6).run();
    }

    /**
     * IPv4 reassembly.
     *
     * <p><b>Finding (fixed)</b>, the same as for {@link #ipv6}: {@code
     * ReassemblerFuzzTestInputs/ipv4/crash-9d17426ce53d2c092d28b71bac7dcda3012c32c4} — ADAPTIVE, high threshold
     * 64 KiB: one held 992-byte fragment at offset 65528 pinned 3220 bytes; 1 ms later the timer's coalescing copied
     * it into a 66.5 KB head buffer: 68748 pinned bytes, above 65536 + the largest packet (3093). Regression input.
     */
    @FuzzTest
    void ipv4(FuzzedDataProvider data) {
        new Run(data, 4).run();
    }

    /** The byte at offset {@code o} of the fragmentable part of datagram {@code id}: every fragment is cut from it. */
    static byte template(int idIndex, int o) {
        return (byte) (o * 13 + (o >>> 8) * 7 + idIndex * 101 + 1);
    }

    /** IPv6: bytes of unfragmentable extension headers the fragments of datagram {@code idIndex} carry. */
    static int v6Extension(int idIndex) {
        return idIndex == 1 || idIndex == 2 ? 8 : 0;
    }

    /** IPv4: option words the fragments of datagram {@code idIndex} carry. */
    static int v4OptionWords(int idIndex) {
        return idIndex % 3;
    }

    /** One fuzz input: configuration, pipeline and event loop. */
    private static final class Run {
        private final FuzzedDataProvider data;
        private final int version;
        private final FuzzSupport.TrackingAllocator alloc = new FuzzSupport.TrackingAllocator();
        private final FuzzSupport.FailOnException tail = new FuzzSupport.FailOnException();
        private final List<ByteBuf> inputs = new ArrayList<>();
        private final int[] cursor = new int[IDS.length];
        private final int[] datagramLength = new int[IDS.length];
        private AbstractReassembler<?> reassembler;
        private EmbeddedChannel ch;
        private ReassemblyLimits limits;
        private long maxPacketPinned;
        private int icmpErrors;
        private int reassembled;

        Run(FuzzedDataProvider data, int version) {
            this.data = data;
            this.version = version;
        }

        void run() {
            CoalescePolicy policy = CoalescePolicy.values()[data.consumeInt(0, 3)];
            OverlapPolicy overlap = OverlapPolicy.values()[data.consumeInt(0, 7)];
            OverlapPolicy localOverlap = data.consumeInt(0, 3) == 0 ? OverlapPolicy.values()[data.consumeInt(0, 7)]
                    : OverlapPolicy.DROP;
            long high = data.consumeInt(256, 256 * 1024);
            long low = data.consumeLong(0, high);
            Duration timeout = Duration.ofSeconds(data.consumeInt(1, 61));
            limits = ReassemblyLimits.defaults(timeout).withThresholds(high, low)
                    .withComponentBudget(data.consumeInt(1, 20))
                    .withAdaptiveHold(Duration.ofMillis(new int[] {0, 1, 50}[data.consumeInt(0, 2)]));
            int localMode = data.consumeInt(0, 2);
            LocalAddresses local = localMode == 0 ? LocalAddresses.ALL
                    : (v, h, l) -> (l & 1) != 0; // destinations with an odd last bit are local, the others forwarded
            IcmpErrorSink sink = (ctx, error) -> {
                try {
                    checkIcmp(error);
                } finally {
                    error.release();
                }
            };
            if (version == 6) {
                reassembler = new Ipv6FragmentReassembler(policy, limits, sink, overlap, localOverlap);
            } else {
                reassembler = new Ipv4FragmentReassembler(policy, limits, sink, overlap, data.consumeInt(0, 70));
            }
            ch = FuzzSupport.channel(alloc, tail, new IpPacketDecoder(local, 7), reassembler);
            boolean expireAtEnd = data.consumeBoolean();
            try {
                for (int n = 0; n < MAX_EVENTS && data.remainingBytes() > 0; n++) {
                    event();
                    afterEvent();
                }
                if (expireAtEnd) {
                    ch.advanceTimeBy(limits.timeoutNanos() + TimeUnit.SECONDS.toNanos(1), TimeUnit.NANOSECONDS);
                    ch.runPendingTasks();
                    afterTime = true;
                    afterEvent();
                    check(reassembler.queueCount() == 0 && reassembler.pinnedBytes() == 0
                            && reassembler.heldBuffers() == 0, "after the timeout: " + reassembler.queueCount()
                                    + " queues, " + reassembler.pinnedBytes() + " pinned bytes, "
                                    + reassembler.heldBuffers() + " held buffers remain; " + reassembler.stats());
                }
            } finally {
                ch.finishAndReleaseAll();
            }
            tail.check(ch);
            check(reassembler.queueCount() == 0 && reassembler.pinnedBytes() == 0 && reassembler.heldBuffers() == 0,
                    "after the handler was removed: " + reassembler.queueCount() + " queues, "
                            + reassembler.pinnedBytes() + " pinned bytes, " + reassembler.heldBuffers()
                            + " held buffers remain");
            for (int i = 0; i < inputs.size(); i++) {
                check(inputs.get(i).refCnt() == 0, "input buffer #" + i + " not released: refCnt "
                        + inputs.get(i).refCnt());
            }
            alloc.assertAllReleased("after the channel finished");
            FuzzSupport.verbose("ipv" + version + " " + policy + ": " + reassembled + " reassembled, " + icmpErrors
                    + " ICMP errors; " + reassembler.stats());
        }

        private void checkIcmp(IcmpError error) {
            icmpErrors++;
            int limit = version == 6 ? Ipv6FragmentReassembler.ICMP_QUOTE_LIMIT
                    : Ipv4FragmentReassembler.ICMP_QUOTE_LIMIT;
            check(error.version() == version, "ICMP error of the wrong version: " + error);
            check(error.content().readableBytes() <= limit, "ICMP quote longer than " + limit + ": " + error);
            error.toString();
        }

        /** Whether the last event moved the clock (so the timer ran: expiry, adaptive coalescing). */
        private boolean afterTime;

        private void afterEvent() {
            tail.check(ch);
            for (Object o; (o = ch.readInbound()) != null;) {
                try {
                    check(o instanceof IpPacket, "reassembler emitted " + o.getClass());
                    IpPacket p = (IpPacket) o;
                    FuzzSupport.checkIpPacket(p);
                    if (p.reassembled()) {
                        checkReassembled(p);
                        reassembled++;
                    }
                } finally {
                    ReferenceCountUtil.release(o);
                }
            }
            long pinned = reassembler.pinnedBytes();
            check(pinned >= 0, "negative pinned bytes: " + pinned);
            check(pinned <= limits.highThresholdBytes() + maxPacketPinned, "pinned bytes " + pinned
                    + " above the high threshold " + limits.highThresholdBytes() + " + one packet ("
                    + maxPacketPinned + ") after " + (afterTime ? "the clock moved (timer)" : "a write") + "; "
                    + reassembler.queueCount() + " queues; " + reassembler.stats());
            check(pinned <= reassembler.peakPinnedBytes(), "pinned above the peak");
            check(reassembler.queueCount() >= 0 && reassembler.heldBuffers() >= 0, "negative counts");
        }

        private void checkReassembled(IpPacket p) {
            ByteBuf b = p.content();
            int idIndex = -1;
            for (int i = 0; i < IDS.length; i++) {
                if ((version == 6 ? IDS[i] : IDS[i] & 0xffff) == p.identification()) {
                    idIndex = i;
                }
            }
            check(idIndex >= 0, "reassembled datagram with an identification never sent: " + p);
            int header = version == 6 ? 40 + v6Extension(idIndex) : 20 + 4 * v4OptionWords(idIndex);
            check(b.readableBytes() > header, "reassembled datagram without payload: " + p);
            for (int o = 0; o < b.readableBytes() - header; o++) {
                byte got = b.getByte(b.readerIndex() + header + o);
                if (got != template(idIndex, o)) {
                    throw new AssertionError("reassembled datagram differs from its fragments at payload offset " + o
                            + ": " + got + " != " + template(idIndex, o) + ": " + p);
                }
            }
        }

        private void event() {
            int action = data.consumeInt(0, 15);
            afterTime = action == 0;
            if (action == 0) {
                int step = data.consumeInt(0, TIME_STEPS_MS.length);
                long ms = step < TIME_STEPS_MS.length ? TIME_STEPS_MS[step] : data.consumeInt(0, 70_000);
                ch.advanceTimeBy(ms, TimeUnit.MILLISECONDS);
                ch.runPendingTasks();
            } else if (action == 1) {
                write(data.consumeBytes(data.consumeInt(0, 120)));
            } else {
                fragment(action == 2);
            }
        }

        /** Builds one fragment (or, with {@code plain}, a datagram that is not a fragment) and writes it. */
        private void fragment(boolean plain) {
            int idIndex = data.consumeInt(0, IDS.length - 1);
            int srcIndex = data.consumeInt(0, 7) == 0 ? 1 : 0;
            int dstIndex = data.consumeInt(0, version == 6 ? 2 : 1);
            if (datagramLength[idIndex] == 0) {
                datagramLength[idIndex] = data.consumeInt(0, 15) == 0 ? data.consumeInt(1, 65535 - 48)
                        : data.consumeInt(1, 4000);
            }
            int total = datagramLength[idIndex];
            int offsetMode = data.consumeInt(0, 3);
            int offset;
            switch (offsetMode) {
                case 0:
                    offset = cursor[idIndex];
                    break;
                case 1:
                    offset = data.consumeInt(0, 8191) << 3;
                    break;
                case 2:
                    offset = data.consumeInt(0, 300);
                    break;
                default:
                    offset = 0;
            }
            int length = data.consumeInt(0, 1500);
            if (data.consumeInt(0, 3) != 0) {
                length &= ~7;
            }
            boolean more;
            if (offsetMode == 0) {
                length = Math.max(0, Math.min(length, total - offset));
                more = offset + length < total;
            } else {
                more = data.consumeBoolean();
            }
            if (data.consumeInt(0, 15) == 0) {
                more = !more;
            }
            if (offsetMode == 0) {
                cursor[idIndex] = more ? offset + length : 0;
            }
            int ecn = data.consumeInt(0, 7) == 0 ? data.consumeInt(0, 3) : 0;
            int lengthFieldDelta = data.consumeInt(0, 15) == 0 ? data.consumeInt(-16, 16) : 0;
            int padding = data.consumeInt(0, 15) == 0 ? data.consumeInt(1, 20) : 0;
            ByteBuf packet = version == 6
                    ? v6(idIndex, srcIndex, dstIndex, offset, length, more, ecn, lengthFieldDelta, plain)
                    : v4(idIndex, srcIndex, dstIndex, offset, length, more, ecn, lengthFieldDelta, plain);
            // link-layer padding continues the template: where a wrong length field makes it data, it is right data
            int base = plain ? 0 : offset & ~7;
            for (int i = 0; i < padding; i++) {
                packet.writeByte(template(idIndex, base + length + i));
            }
            byte[] bytes = new byte[packet.readableBytes()];
            packet.readBytes(bytes);
            packet.release();
            write(bytes);
        }

        private ByteBuf v6(int idIndex, int srcIndex, int dstIndex, int offset, int length, boolean more, int ecn,
                int lengthFieldDelta, boolean plain) {
            int extension = v6Extension(idIndex);
            int next = data.consumeInt(0, 7) == 0 ? FuzzSupport.PROTOCOLS[data.consumeInt(0,
                    FuzzSupport.PROTOCOLS.length - 1)] : IpProtocols.UDP;
            ByteBuf b = alloc.heapBuffer(48 + extension + length);
            int payloadLength = extension + (plain ? 0 : Ipv6FragmentHeader.LENGTH) + length + lengthFieldDelta;
            int first = extension == 0 ? (plain ? next : IpProtocols.FRAGMENT)
                    : idIndex == 1 ? IpProtocols.HOP_BY_HOP : IpProtocols.DESTINATION_OPTIONS;
            b.writeInt((6 << 28) | (ecn << 20)).writeShort(payloadLength & 0xffff).writeByte(first).writeByte(64);
            b.writeLong(V6_SOURCES[srcIndex][0]).writeLong(V6_SOURCES[srcIndex][1]);
            b.writeLong(V6_DESTINATIONS[dstIndex][0]).writeLong(V6_DESTINATIONS[dstIndex][1]);
            if (extension != 0) {
                b.writeByte(plain ? next : IpProtocols.FRAGMENT).writeByte(0).writeByte(1).writeByte(4).writeInt(0);
            }
            if (!plain) {
                int fh = b.writerIndex();
                b.writeZero(Ipv6FragmentHeader.LENGTH);
                Ipv6FragmentHeader.write(b, fh, next, offset, more, IDS[idIndex]);
            }
            for (int i = 0; i < length; i++) {
                b.writeByte(template(idIndex, (plain ? 0 : offset & ~7) + i));
            }
            return b;
        }

        private ByteBuf v4(int idIndex, int srcIndex, int dstIndex, int offset, int length, boolean more, int ecn,
                int lengthFieldDelta, boolean plain) {
            int headerLength = 20 + 4 * v4OptionWords(idIndex);
            int protocol = data.consumeInt(0, 15) == 0 ? data.consumeInt(0, 255) : IpProtocols.UDP;
            boolean df = data.consumeInt(0, 3) == 0;
            boolean badChecksum = data.consumeInt(0, 31) == 0;
            ByteBuf b = alloc.heapBuffer(headerLength + length);
            int field = (df ? Ipv4Header.FLAG_DF : 0) | (plain ? 0 : (more ? Ipv4Header.FLAG_MF : 0) | (offset >>> 3));
            b.writeByte(0x40 | (headerLength >>> 2)).writeByte(ecn).writeShort((headerLength + length
                    + lengthFieldDelta) & 0xffff).writeShort(IDS[idIndex]).writeShort(field).writeByte(64)
                    .writeByte(protocol).writeShort(0).writeInt(V4_SOURCES[srcIndex])
                    .writeInt(V4_DESTINATIONS[dstIndex]);
            for (int i = 20; i < headerLength; i += 4) {
                b.writeInt(0x01010101);
            }
            Ipv4Header.updateChecksum(b, 0, headerLength);
            if (badChecksum) {
                b.setShort(Ipv4Header.CHECKSUM_OFFSET, b.getUnsignedShort(Ipv4Header.CHECKSUM_OFFSET) ^ 0x0100);
            }
            for (int i = 0; i < length; i++) {
                b.writeByte(template(idIndex, (plain ? 0 : offset & ~7) + i));
            }
            return b;
        }

        /** Writes {@code bytes} in a buffer of a fuzzed kind, raw or in a {@link DatagramPacket}. */
        private void write(byte[] bytes) {
            int kind = data.consumeInt(0, 3);
            boolean datagram = data.consumeInt(0, 3) == 0;
            ByteBuf b;
            switch (kind) {
                case 0:
                    b = alloc.heapBuffer(bytes.length).writeBytes(bytes);
                    break;
                case 1:
                    b = alloc.heapBuffer(bytes.length + data.consumeInt(0, 8192)).writeBytes(bytes);
                    break;
                case 2:
                    b = alloc.directBuffer(bytes.length).writeBytes(bytes);
                    break;
                default: {
                    // a slice of a receive batch: the whole batch buffer stays pinned while the slice is held
                    int before = data.consumeInt(0, 2048);
                    ByteBuf batch = alloc.heapBuffer(before + bytes.length + data.consumeInt(0, 2048));
                    inputs.add(batch);
                    batch.writerIndex(before).writeBytes(bytes);
                    b = batch.retainedSlice(before, bytes.length);
                    batch.release();
                }
            }
            inputs.add(b);
            maxPacketPinned = Math.max(maxPacketPinned, Pinning.pinnedBytes(b));
            Object msg = datagram ? new DatagramPacket(b, new InetSocketAddress("127.0.0.1", 1),
                    new InetSocketAddress("127.0.0.1", 2)) : b;
            ch.writeInbound(msg);
        }
    }
}
