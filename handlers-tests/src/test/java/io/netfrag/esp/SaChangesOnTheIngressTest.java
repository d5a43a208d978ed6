package io.netfrag.esp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netfrag.ReceivePath;
import io.netfrag.channel.NetfragIngress;
import io.netfrag.reassembly.CoalescePolicy;
import io.netfrag.stats.CounterSnapshot;
import io.netfrag.stats.DropReason;
import io.netfrag.stats.MibCounter;
import io.netfrag.testing.LoopbackBooks;
import io.netfrag.testing.TestPackets;
import io.netfrag.testkit.Payloads;
import io.netfrag.testkit.TrafficGenerator;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoop;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * SAs changed while a sender streams ESP over real sockets into the loopback ingress, as an IKE daemon changes them
 * beside live traffic: 1,000 make-before-break rekeys (the new SA added, the sender moved to it, the old one removed
 * with one of its datagrams still to arrive), an SA's keys replaced in place, an SA removed outright. The SA database
 * is changed from the test's thread, not the event loop. What must hold: once a change has returned and the event loop
 * has run one task after it, nothing sealed for the removed or replaced SA is delivered; the datagrams that arrive for
 * it are counted (no state, or a failed ICV for replaced keys); the removed SA's keys are zeroed; every delivery is
 * byte-exact for the SA it came through; and every datagram of a live SA is delivered unless the kernel's drops at the
 * socket explain its loss.
 *
 * <p>Each SA generation's sender uses the inner UDP source port {@code BASE_PORT + generation} and payloads seeded
 * with the generation, so a delivery names the SA it was sealed for.
 */
class SaChangesOnTheIngressTest {
    private static final int REKEYS = 1000;
    private static final int BASE_PORT = 20_000;
    private static final int GENERATIONS = REKEYS + 3;
    private static final InetAddress SOURCE = address("fc00:1::1");
    private static final InetAddress DESTINATION = address("fc00:2::1");

    private static InetAddress address(String name) {
        try {
            return InetAddress.getByName(name);
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    private static String line(int spi, int keyByte) {
        return "src fc00:1::1 dst fc00:2::1 proto esp spi 0x" + Integer.toHexString(spi) + " mode transport"
                + " replay-window 64 aead 'rfc4106(gcm(aes))' 0x" + String.format("%02x", keyByte).repeat(20) + " 128";
    }

    /** The sender of one SA generation: 3000-byte datagrams at MTU 1500 (three fragments), ESP before fragmenting. */
    private static TrafficGenerator generator(String saLine, int generation) throws Exception {
        return TrafficGenerator.builder().addresses(SOURCE, DESTINATION).ports(BASE_PORT + generation, 9)
                .sa(saLine).seed(generation).payloadLength(3000).mtu(1500).build();
    }

    /** Records deliveries per generation on the event loop; a delivery of a generation retired before it is a fault. */
    @ChannelHandler.Sharable
    private static final class Sink extends SimpleChannelInboundHandler<DatagramPacket> {
        final AtomicIntegerArray delivered = new AtomicIntegerArray(GENERATIONS);
        final AtomicLong wrong = new AtomicLong();
        final AtomicLong afterRetirement = new AtomicLong();
        /** Written and read on the event loop only: set by a task submitted after the SA change returned. */
        final boolean[] retired = new boolean[GENERATIONS];

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket d) {
            int generation = d.sender().getPort() - BASE_PORT;
            if (generation < 0 || generation >= GENERATIONS || !Payloads.verify(d.content(), generation)) {
                wrong.incrementAndGet();
                return;
            }
            if (retired[generation]) {
                afterRetirement.incrementAndGet();
            }
            delivered.incrementAndGet(generation);
        }

        /** Marks a generation retired in a task of the event loop, after the change that retired it has returned. */
        void retire(EventLoop loop, int generation) throws Exception {
            loop.submit(() -> retired[generation] = true).get(10, TimeUnit.SECONDS);
        }
    }

    /** Streams the current generation's datagrams until stopped; moves to a new generation at a datagram boundary. */
    private static final class Sender implements Runnable {
        private final DatagramSocket socket;
        private final InetSocketAddress to;
        private volatile TrafficGenerator next;
        private volatile int generation;
        volatile int acknowledged = -1;
        volatile boolean stop;
        final AtomicIntegerArray sent = new AtomicIntegerArray(GENERATIONS);
        volatile Throwable failure;

        Sender(DatagramSocket socket, InetSocketAddress to, TrafficGenerator first) {
            this.socket = socket;
            this.to = to;
            this.next = first;
            this.generation = 0;
        }

        /** The sender uses {@code g} from its next datagram on; the caller waits for {@link #acknowledged}. */
        void moveTo(TrafficGenerator g, int gen) {
            generation = gen;
            next = g;
        }

        @Override
        public void run() {
            try {
                while (!stop) {
                    int gen = generation;
                    TrafficGenerator g = next;
                    acknowledged = gen;
                    send(socket, to, g);
                    sent.incrementAndGet(gen);
                    // paced well below what the receive path takes in, so that the kernel drops nothing and the
                    // rekeys are not queued behind a backlog
                    LockSupport.parkNanos(100_000);
                }
            } catch (Throwable t) {
                failure = t;
            }
        }
    }

    /** Sends one datagram's fragments of {@code g}; returns how many. */
    private static int send(DatagramSocket socket, InetSocketAddress to, TrafficGenerator g) throws Exception {
        List<ByteBuf> fragments = new ArrayList<>();
        g.next(fragments::add);
        try {
            for (ByteBuf f : fragments) {
                byte[] b = TestPackets.bytes(f);
                socket.send(new java.net.DatagramPacket(b, b.length, to));
            }
        } finally {
            fragments.forEach(ByteBuf::release);
        }
        return fragments.size();
    }

    private static boolean zeroed(SecurityAssociation sa) {
        for (byte b : sa.key()) {
            if (b != 0) {
                return false;
            }
        }
        return sa.destroyed();
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + LoopbackBooks.DEADLINE_NANOS;
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "timed out waiting for " + what);
            Thread.sleep(0, 200_000);
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = CoalescePolicy.class, names = {"COPY", "ADAPTIVE"})
    void rekeysAndRemovalsWhileTrafficFlows(CoalescePolicy policy) throws Exception {
        SaDatabase db = new SaDatabase();
        db.add(XfrmStateParser.parse(line(0x1000, 1)));
        Sink sink = new Sink();
        LoopbackBooks books = new LoopbackBooks();
        try (NetfragIngress ingress = NetfragIngress.builder().bind(new InetSocketAddress("127.0.0.1", 0))
                .receivePath(ReceivePath.builder().policy(policy).sas(db).build())
                .receiveBufferBytes(4 << 20).userHandlers(() -> new ChannelHandler[] {sink}).start();
                DatagramSocket senderSocket = new DatagramSocket();
                DatagramSocket stragglerSocket = new DatagramSocket()) {
            EventLoop loop = ingress.channels().get(0).eventLoop();
            InetSocketAddress to = ingress.localAddress();
            Sender sender = new Sender(senderSocket, to, generator(line(0x1000, 1), 0));
            Thread thread = new Thread(sender, "sa-changes-sender");
            thread.start();
            TrafficGenerator current = null;
            int stragglers = 0;
            try {
                await(() -> sink.delivered.get(0) > 0, "the first delivery");
                // make-before-break, REKEYS times; generation g is sealed for the SA with SPI 0x1000 + g
                TrafficGenerator old = sender.next;
                for (int g = 1; g <= REKEYS; g++) {
                    String nextLine = line(0x1000 + g, 1 + g % 250);
                    db.add(XfrmStateParser.parse(nextLine));
                    current = generator(nextLine, g);
                    sender.moveTo(current, g);
                    final int gen = g;
                    await(() -> sender.acknowledged == gen && sink.delivered.get(gen) > 0,
                            "a delivery on the new SA " + g);
                    // the sender has left the old SA: one more of its datagrams is still to arrive after the removal
                    SecurityAssociation retiring = db.lookup(DESTINATION, 0x1000 + g - 1);
                    assertTrue(db.remove(DESTINATION, 0x1000 + g - 1));
                    sink.retire(loop, g - 1);
                    assertTrue(zeroed(retiring), "the removed SA's keys are zeroed (rekey " + g + ")");
                    send(stragglerSocket, to, old);
                    stragglers++;
                    old = current;
                }
                int last = REKEYS;
                // keys replaced in place: the sender keeps sealing with the old keys for a while (refused: ICV),
                // then moves to the replacement, whose window starts afresh
                long icvBefore = ingress.stats().drops(DropReason.ESP_ICV_FAILED);
                String replaced = line(0x1000 + last, 0xee);
                SecurityAssociation before = db.lookup(DESTINATION, 0x1000 + last);
                db.update(XfrmStateParser.parse(replaced));
                sink.retire(loop, last);
                assertTrue(zeroed(before), "replaced keys are zeroed");
                long sentAtUpdate = sender.sent.get(last);
                await(() -> sender.sent.get(last) >= sentAtUpdate + 20, "traffic with the old keys");
                await(() -> ingress.stats().drops(DropReason.ESP_ICV_FAILED) > icvBefore, "an old key refused");
                int replacement = last + 1;
                sender.moveTo(generator(replaced, replacement), replacement);
                await(() -> sink.delivered.get(replacement) >= 20, "deliveries with the replaced keys");
                // removed outright while the sender keeps going: from then on everything is no state
                long noStateBefore = ingress.stats().drops(DropReason.ESP_NO_STATE);
                SecurityAssociation removed = db.lookup(DESTINATION, 0x1000 + last);
                assertTrue(db.remove(DESTINATION, 0x1000 + last));
                sink.retire(loop, replacement);
                assertTrue(zeroed(removed));
                await(() -> ingress.stats().drops(DropReason.ESP_NO_STATE) >= noStateBefore + 20,
                        "packets of the removed SA counted as no state");
            } finally {
                sender.stop = true;
                thread.join(10_000);
            }
            assertEquals(null, sender.failure, "the sender failed");
            long sentFragments = 0;
            long sentOnLive = 0;
            for (int g = 0; g < GENERATIONS; g++) {
                sentFragments += 3L * sender.sent.get(g);
            }
            sentFragments += 3L * stragglers;
            final long expected = sentFragments;
            assertTrue(books.settle(expected, 1, () -> ingress.stats().get(MibCounter.IN_RECEIVES),
                    () -> ingress.stats().get(MibCounter.UDP_IN_DATAGRAMS)), "fragments unaccounted for");
            CounterSnapshot s = ingress.stats();
            long kernelDrops = books.kernelDrops();
            long deliveredTotal = 0;
            for (int g = 0; g <= REKEYS + 1; g++) {
                deliveredTotal += sink.delivered.get(g);
                if (g < REKEYS) {
                    sentOnLive += sender.sent.get(g); // every datagram of generations 0..REKEYS-1 went to a live SA
                }
            }
            String state = policy + ": " + REKEYS + " rekeys, " + stragglers + " stragglers, kernel drops "
                    + kernelDrops + ", delivered " + deliveredTotal + ", " + s;
            assertEquals(0, sink.wrong.get(), "byte-exact deliveries only: " + state);
            assertEquals(0, sink.afterRetirement.get(), "nothing of a retired SA after its change: " + state);
            assertEquals(0, s.drops(DropReason.ESP_REPLAY), state);
            long noState = s.drops(DropReason.ESP_NO_STATE);
            assertTrue(noState >= stragglers + 20 - kernelDrops, "stragglers counted as no state: " + state);
            long liveDelivered = 0;
            for (int g = 0; g < REKEYS; g++) {
                liveDelivered += sink.delivered.get(g);
            }
            assertTrue(liveDelivered >= sentOnLive - kernelDrops && liveDelivered <= sentOnLive,
                    "every datagram of a live SA delivered once, but for the kernel's drops: " + state);
            assertTrue(sink.delivered.get(REKEYS + 1) >= 20, "deliveries with the replaced keys: " + state);
            assertTrue(s.drops(DropReason.ESP_ICV_FAILED) > 0, "old keys refused after the update: " + state);
            assertEquals(0, db.size(), "every SA removed in the end: " + state);
            System.out.println("SA changes on the ingress, " + state);
        } finally {
            db.clear();
        }
    }
}
