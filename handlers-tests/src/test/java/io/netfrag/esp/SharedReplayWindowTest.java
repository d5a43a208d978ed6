package io.netfrag.esp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netfrag.ReceivePath;
import io.netfrag.reassembly.CoalescePolicy;
import io.netfrag.stats.CounterSnapshot;
import io.netfrag.stats.DropReason;
import io.netfrag.stats.MibCounter;
import io.netfrag.testing.TestPackets;
import io.netfrag.testkit.Payloads;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.DatagramPacket;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * One SA's packets decrypted concurrently by several receive paths (one per thread, as one per event loop) that share
 * the SA, hence its anti-replay window: no sequence number is ever accepted twice, and no valid packet is refused
 * beyond what the reordering explains.
 */
class SharedReplayWindowTest {
    private static final String SUITE = " aead 'rfc4106(gcm(aes))' 0x0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b 128";

    /**
     * {@code threads} receivers; every packet is offered to {@code copies} of them (copies > 1: each packet replayed
     * concurrently), each receiver in its own shuffled order.
     */
    @ParameterizedTest(name = "threads={0} copies={1} esn={2}")
    @CsvSource({"2, 1, false", "4, 1, false", "2, 2, false", "4, 4, false", "4, 2, true", "4, 4, true"})
    void concurrentDecryptionAcceptsEachSequenceNumberOnce(int threads, int copies, boolean esn) throws Exception {
        int packets = 4000;
        String line = "src fc00:1::1 dst fc00:2::1 proto esp spi 0x1000 mode transport replay-window 4096"
                + (esn ? " flag esn replay-seq-hi 0x1 replay-seq 0xfffff000" : "") + SUITE;
        SaDatabase sas = SaDatabase.of(line);
        EspEncoder encoder = new EspEncoder(XfrmStateParser.parse(line));
        if (esn) {
            encoder.nextSequence(0x1_ffff_f001L); // continues where the receiver's window starts, across 2^32
        }
        byte[][] wire = new byte[packets][];
        for (int i = 0; i < packets; i++) {
            ByteBuf payload = Unpooled.buffer(64);
            Payloads.fill(payload, 7, i, 64);
            ByteBuf plain = Unpooled.wrappedBuffer(TestPackets.udp6(TestPackets.bytes(payload)));
            payload.release();
            ByteBuf esp = encoder.protectTransport(plain, UnpooledByteBufAllocator.DEFAULT);
            plain.release();
            wire[i] = TestPackets.bytes(esp);
            esp.release();
        }
        // each packet goes to `copies` distinct receivers
        List<List<Integer>> work = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            work.add(new ArrayList<>());
        }
        Random rnd = new Random(threads * 7L + copies);
        for (int i = 0; i < packets; i++) {
            List<Integer> who = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                who.add(t);
            }
            Collections.shuffle(who, rnd);
            for (int c = 0; c < copies; c++) {
                work.get(who.get(c)).add(i);
            }
        }
        // a local shuffle (reordering of a few hundred packets, far inside the window), not a global one
        for (List<Integer> w : work) {
            for (int i = 0; i + 1 < w.size(); i++) {
                int j = Math.min(w.size() - 1, i + rnd.nextInt(200));
                Collections.swap(w, i, j);
            }
        }
        ReceivePath path = ReceivePath.builder().policy(CoalescePolicy.ADAPTIVE).sas(sas).build();
        CyclicBarrier start = new CyclicBarrier(threads);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<Future<Result>> results = new ArrayList<>();
        try {
            for (int t = 0; t < threads; t++) {
                List<Integer> mine = work.get(t);
                results.add(pool.submit((Callable<Result>) () -> {
                    ReceivePath.Handlers handlers = path.newHandlers();
                    EmbeddedChannel ch = new EmbeddedChannel(handlers.toArray());
                    BitSet got = new BitSet(packets);
                    start.await();
                    for (int i : mine) {
                        // a buffer of its own, as every read is (in-place decryption writes into it)
                        ch.writeInbound(Unpooled.copiedBuffer(wire[i]));
                        for (DatagramPacket d; (d = ch.readInbound()) != null;) {
                            got.set((int) Payloads.index(d.content()));
                            assertTrue(Payloads.verify(d.content(), 7));
                            d.release();
                        }
                    }
                    CounterSnapshot stats = handlers.stats();
                    assertTrue(!ch.finishAndReleaseAll());
                    return new Result(got, stats);
                }));
            }
            BitSet union = new BitSet(packets);
            long accepted = 0;
            long replays = 0;
            for (Future<Result> f : results) {
                Result r = f.get();
                accepted += r.got.cardinality();
                union.or(r.got);
                replays += r.stats.drops(DropReason.ESP_REPLAY);
                assertEquals(0, r.stats.drops(DropReason.ESP_ICV_FAILED), r.stats.toString());
            }
            String state = "accepted " + accepted + ", distinct " + union.cardinality() + ", replays " + replays;
            assertEquals(union.cardinality(), accepted, "no sequence number accepted twice: " + state);
            assertEquals(packets, union.cardinality(), "every packet accepted once (reordering within the window): "
                    + state);
            assertEquals((long) packets * (copies - 1), replays, "every copy refused as a replay: " + state);
        } finally {
            pool.shutdownNow();
        }
    }

    private record Result(BitSet got, CounterSnapshot stats) {
    }
}
