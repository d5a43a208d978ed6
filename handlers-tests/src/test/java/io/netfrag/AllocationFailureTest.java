package io.netfrag;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netfrag.esp.SaDatabase;
import io.netfrag.reassembly.CoalescePolicy;
import io.netfrag.stats.CounterSnapshot;
import io.netfrag.stats.DropReason;
import io.netfrag.testkit.Impairments;
import io.netfrag.testkit.Payloads;
import io.netfrag.testkit.TrafficGenerator;
import io.netfrag.testing.FailingAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.DatagramPacket;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Direct memory running out: an allocator that fails its k-th allocation (with {@link OutOfMemoryError}, which
 * Netty's {@code OutOfDirectMemoryError} is), for every k the receive path performs on a randomized stream — IPv6 and
 * IPv4, with and without ESP (tunnel mode), fragments reordered, datagrams of 300 to 20,000 bytes — under every
 * policy. Each time: no exception escapes a handler (the embedded channel would rethrow it), the failure is counted as
 * {@link DropReason#ALLOCATION_FAILED} and costs at most the one datagram it hit, every other datagram — those after
 * the failure included — is delivered byte-exact, every buffer is released (the leak detector runs at paranoid) and
 * the pinned-bytes account returns to 0.
 */
class AllocationFailureTest {
    private static final String SA = "src fc00:1::1 dst fc00:2::1 proto esp spi 0x4000 mode tunnel replay-window 64"
            + " aead 'rfc4106(gcm(aes))' 0x" + "0c".repeat(20) + " 128";
    private static final int DATAGRAMS = 24;

    /** The stream: per datagram its fragments (made here, not by the failing allocator) and its payload seed. */
    private record Datagram(List<ByteBuf> fragments, long seed) {
    }

    private static List<Datagram> stream() throws Exception {
        Impairments reorder = Impairments.builder().seed(5).reorder(0.5).build();
        TrafficGenerator v6 = TrafficGenerator.builder().addresses(InetAddress.getByName("fd00:1::1"),
                InetAddress.getByName("fd00:2::1")).seed(1).mtu(1280).impairments(reorder).build();
        TrafficGenerator v4 = TrafficGenerator.builder().addresses(InetAddress.getByName("10.1.0.1"),
                InetAddress.getByName("10.2.0.1")).seed(2).mtu(1500).impairments(reorder).build();
        TrafficGenerator esp = TrafficGenerator.builder().addresses(InetAddress.getByName("fd00:1::1"),
                InetAddress.getByName("fd00:2::1")).seed(3).mtu(1500).sa(SA).impairments(reorder).build();
        TrafficGenerator[] all = {v6, v4, esp};
        long[] seeds = {1, 2, 3};
        List<Datagram> out = new ArrayList<>();
        java.util.Random rnd = new java.util.Random(9);
        for (int i = 0; i < DATAGRAMS; i++) {
            int which = i % 3;
            List<ByteBuf> fragments = new ArrayList<>();
            all[which].next(300 + rnd.nextInt(20_000), fragments::add);
            out.add(new Datagram(fragments, seeds[which]));
        }
        return out;
    }

    /** What one run delivered and counted. */
    private record Run(int allocations, int delivered, CounterSnapshot stats) {
    }

    private static Run run(CoalescePolicy policy, int failAt) throws Exception {
        FailingAllocator alloc = new FailingAllocator(failAt);
        ReceivePath.Handlers h = ReceivePath.builder().policy(policy).sas(SaDatabase.of(SA)).build().newHandlers();
        EmbeddedChannel ch = new EmbeddedChannel(h.toArray());
        ch.config().setAllocator(alloc);
        List<ByteBuf> fed = new ArrayList<>();
        int delivered = 0;
        for (Datagram d : stream()) {
            for (ByteBuf f : d.fragments()) {
                fed.add(f);
                ch.writeInbound(f); // rethrows anything a handler let escape
            }
            for (DatagramPacket p; (p = ch.readInbound()) != null;) {
                assertTrue(Payloads.verify(p.content(), d.seed()), "byte-exact, allocation " + failAt + " failing");
                p.release();
                delivered++;
            }
        }
        // whatever is left incomplete expires
        ch.advanceTimeBy(61, TimeUnit.SECONDS);
        ch.runPendingTasks();
        ch.runScheduledPendingTasks();
        for (Object o; (o = ch.readInbound()) != null;) {
            io.netty.util.ReferenceCountUtil.release(o); // ICMP errors of expired datagrams, if any
        }
        assertEquals(0, h.pinnedBytes(), "the account back to 0, allocation " + failAt + " failing");
        CounterSnapshot stats = h.stats();
        ch.finishAndReleaseAll();
        for (ByteBuf f : fed) {
            assertEquals(0, f.refCnt(), "every fragment released, allocation " + failAt + " failing");
        }
        return new Run(alloc.allocations(), delivered, stats);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(CoalescePolicy.class)
    void everyAllocationFailingOnceCostsAtMostItsDatagram(CoalescePolicy policy) throws Exception {
        Run clean = run(policy, 0);
        assertEquals(DATAGRAMS, clean.delivered(), "without failures every datagram arrives: " + clean.stats());
        assertTrue(clean.allocations() > 0, "the path allocates");
        int counted = 0;
        for (int k = 1; k <= clean.allocations(); k++) {
            Run r = run(policy, k);
            long failed = r.stats().drops(DropReason.ALLOCATION_FAILED);
            assertTrue(failed <= 1, "one failure, at most one drop: " + r.stats());
            assertEquals(DATAGRAMS - failed, r.delivered(), "only the datagram hit by allocation " + k
                    + " is lost: " + r.stats());
            counted += (int) failed;
        }
        // a failure is dropped and counted unless it hit a copy the path can do without (coalescing a stalled
        // datagram: it keeps holding its fragments)
        assertTrue(counted > 0, "failures were counted");
        System.out.println("allocation failure " + policy + ": " + clean.allocations() + " allocations, each failed"
                + " once; " + counted + " cost their datagram, " + (clean.allocations() - counted) + " cost nothing");
    }

    /**
     * The ICMP time-exceeded error of an expired datagram needs a buffer for its quote: when it cannot be had, the error
     * is not sent and the failure is counted; the expiry itself goes on.
     */
    @ParameterizedTest(name = "IPv{0}")
    @org.junit.jupiter.params.provider.ValueSource(ints = {6, 4})
    void anIcmpErrorWithoutMemoryIsNotSentAndCounted(int version) {
        List<io.netfrag.packet.IcmpError> sent = new ArrayList<>();
        ReceivePath.Handlers h = ReceivePath.builder().policy(CoalescePolicy.NONE)
                .icmpSink((ctx, error) -> sent.add(error)).build().newHandlers();
        EmbeddedChannel ch = new EmbeddedChannel(h.toArray());
        // NONE allocates one buffer for the first fragment's header; the second allocation is the error's quote
        ch.config().setAllocator(new FailingAllocator(2));
        byte[] packet = io.netfrag.testing.TestPackets.udp(version, 1, 2, io.netfrag.testing.TestPackets.payload(3000));
        ByteBuf first = io.netfrag.testing.TestPackets.fragment(version, UnpooledByteBufAllocator.DEFAULT, packet, 0,
                1232, true, 77);
        ch.writeInbound(first);
        ch.advanceTimeBy(61, TimeUnit.SECONDS);
        ch.runPendingTasks();
        ch.runScheduledPendingTasks();
        assertEquals(List.of(), sent, "no error without a buffer for its quote");
        assertEquals(1, h.stats().drops(DropReason.ALLOCATION_FAILED), h.stats().toString());
        assertEquals(1, h.stats().get(io.netfrag.stats.MibCounter.REASM_TIMEOUT), h.stats().toString());
        assertEquals(0, first.refCnt());
        assertEquals(0, h.pinnedBytes());
        ch.finishAndReleaseAll();
    }
}
