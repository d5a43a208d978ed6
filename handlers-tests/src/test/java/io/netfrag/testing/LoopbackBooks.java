package io.netfrag.testing;

import io.netfrag.channel.KernelUdpStats;
import java.util.function.LongSupplier;

/**
 * The books of a socket test: what was sent, what reached the receive path, what the kernel dropped at the socket
 * (its {@code RcvbufErrors}, system-wide, so other traffic can only make that figure larger) and what was delivered.
 * A test waits on a condition with a generous deadline — never a fixed sleep — and then asserts identities that hold
 * under any scheduling, on a loaded machine and with the kernel's default socket buffer limits.
 */
public final class LoopbackBooks {
    /** The longest a test waits for its books to balance. */
    public static final long DEADLINE_NANOS = 60_000_000_000L;
    /** How long nothing may move before a test stops waiting for packets that cannot come (a paused ring). */
    private static final long QUIET_NANOS = 1_000_000_000L;

    private final KernelUdpStats before = KernelUdpStats.read();

    /** Datagrams the kernel dropped at a socket's full buffer since these books were opened. */
    public long kernelDrops() {
        return KernelUdpStats.read().since(before);
    }

    /**
     * Waits until every one of {@code sent} packets is accounted for — it reached the receive path
     * ({@code received}) or the kernel dropped it — and {@code delivered} has stopped moving; or until nothing has
     * moved for a second (packets left in a paused socket buffer); at most {@link #DEADLINE_NANOS}.
     *
     * @param packetsPerDrop how many packets one kernel drop can take: 1, or the segments of a GSO message when the
     *     receiver reads with UDP_GRO (the kernel then queues, and drops, the message whole)
     * @return whether the books balance: {@code received + kernel drops x packetsPerDrop >= sent}
     */
    public boolean settle(long sent, long packetsPerDrop, LongSupplier received, LongSupplier delivered)
            throws InterruptedException {
        long deadline = System.nanoTime() + DEADLINE_NANOS;
        long lastChange = System.nanoTime();
        long lastReceived = -1;
        long lastDelivered = -1;
        while (System.nanoTime() < deadline) {
            long r = received.getAsLong();
            long d = delivered.getAsLong();
            boolean moved = r != lastReceived || d != lastDelivered;
            if (moved) {
                lastChange = System.nanoTime();
                lastReceived = r;
                lastDelivered = d;
            }
            boolean balanced = r + kernelDrops() * packetsPerDrop >= sent;
            long still = System.nanoTime() - lastChange;
            if (balanced && still >= 100_000_000L || still >= QUIET_NANOS) {
                return balanced;
            }
            Thread.sleep(20);
        }
        return received.getAsLong() + kernelDrops() * packetsPerDrop >= sent;
    }

    /** The figures in one line, for assertion messages. */
    public String describe(long sent, long received, long delivered) {
        return "sent " + sent + ", reached the receive path " + received + ", kernel drops " + kernelDrops()
                + ", delivered " + delivered;
    }
}
