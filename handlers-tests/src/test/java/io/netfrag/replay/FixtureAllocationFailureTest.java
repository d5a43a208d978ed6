package io.netfrag.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.netfrag.ReceivePath;
import io.netfrag.esp.SaDatabase;
import io.netfrag.reassembly.CoalescePolicy;
import io.netfrag.stats.DropReason;
import io.netfrag.testing.FailingAllocator;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The whole fixture corpus replayed with direct memory running out: for every capture and policy, each allocation the
 * replay performs fails once in its own run. No exception escapes (the replay's channel rethrows), nothing leaks (the
 * leak detector runs at paranoid), the failure is counted as {@link DropReason#ALLOCATION_FAILED}, and of the
 * manifest's deliveries at most the one the failure hit is missing; everything delivered is one of them, byte-exact.
 */
class FixtureAllocationFailureTest {
    private static final java.util.concurrent.atomic.AtomicLong RUNS = new java.util.concurrent.atomic.AtomicLong();
    private static final java.util.concurrent.atomic.AtomicLong COUNTED = new java.util.concurrent.atomic.AtomicLong();

    @org.junit.jupiter.api.AfterAll
    static void report() {
        System.out.println("fixture corpus under allocation failure: " + RUNS + " replays with one allocation failing, "
                + COUNTED + " of the failures cost a datagram (counted), the others nothing");
    }

    /** The deliveries of one replay, in the manifest's terms, and the failures counted. */
    private record Replay(List<String> deliveries, int allocations, long failures) {
    }

    private static Replay replay(Path file, CoalescePolicy policy, List<String> sas, int failAt) throws IOException {
        List<String> actual = new ArrayList<>();
        SaDatabase db = SaDatabase.of(sas.toArray(new String[0]));
        FailingAllocator alloc = new FailingAllocator(failAt);
        try (CaptureReplay replay = CaptureReplay.of(ReceivePath.builder().policy(policy).sas(db).build());
                InputStream in = Files.newInputStream(file)) {
            replay.channel().config().setAllocator(alloc);
            replay.replay(in, (frame, message) -> {
                try {
                    if (message instanceof DatagramPacket d) {
                        actual.add(FixtureReplayTest.describe(frame, d.sender().getAddress().getHostAddress(),
                                d.recipient().getAddress().getHostAddress(), d.sender().getPort(),
                                d.recipient().getPort(), d.content().readableBytes(),
                                FixtureReplayTest.sha256(d.content())));
                    }
                } finally {
                    ReferenceCountUtil.release(message);
                }
            });
            long failures = replay.counters().drops(DropReason.ALLOCATION_FAILED);
            return new Replay(actual, alloc.allocations(), failures);
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("io.netfrag.replay.FixtureReplayTest#captures")
    void everyAllocationFailingOnceCostsAtMostOneDelivery(String name, CoalescePolicy policy, Path file,
            JsonNode expected, List<String> sas) throws IOException {
        Replay clean = replay(file, policy, sas, 0);
        assertEquals(expected.size(), clean.deliveries().size(), "the corpus as the manifest says without failures");
        for (int k = 1; k <= clean.allocations(); k++) {
            Replay r = replay(file, policy, sas, k);
            String state = name + " " + policy + ", allocation " + k + " of " + clean.allocations() + " failing: "
                    + r.deliveries();
            RUNS.incrementAndGet();
            COUNTED.addAndGet(r.failures());
            assertTrue(r.failures() <= 1, state);
            assertTrue(clean.deliveries().containsAll(r.deliveries()), "only deliveries of the manifest: " + state);
            assertTrue(clean.deliveries().size() - r.deliveries().size() <= r.failures(),
                    "at most the delivery the failure hit is missing: " + state);
        }
    }
}
