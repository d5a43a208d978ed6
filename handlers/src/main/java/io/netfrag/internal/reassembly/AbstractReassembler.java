package io.netfrag.internal.reassembly;

import static io.netty.util.internal.ObjectUtil.checkNotNull;

import io.netfrag.packet.IcmpError;
import io.netfrag.packet.IcmpErrorSink;
import io.netfrag.packet.IpPacket;
import io.netfrag.reassembly.CoalescePolicy;
import io.netfrag.reassembly.ReassemblyLimits;
import io.netfrag.stats.CounterSnapshot;
import io.netfrag.stats.Counters;
import io.netfrag.stats.DropReason;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.GenericFutureListener;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * What the IPv6 and IPv4 reassembler handlers share: the {@link ReassemblyTable}, the single expiry timer driven by
 * the event loop's ticker (so {@code EmbeddedChannel.advanceTimeBy} + {@code runPendingTasks} drive it in tests), the
 * ICMP error sink, counters and release of everything held when the handler is removed.
 *
 * <p>Not sharable: one instance per channel, used from its event loop.
 *
 * @param <K> key type
 */
public abstract class AbstractReassembler<K extends FragmentKey<K>> extends ChannelInboundHandlerAdapter {
    /** Counters of this handler. */
    protected final Counters counters = new Counters();
    /** The reassembly table. */
    protected final ReassemblyTable<K> table;
    private final IcmpErrorSink icmpSink;
    private ChannelHandlerContext ctx;
    private ScheduledFuture<?> timer;
    /**
     * Releases what the table holds once the event loop has terminated without removing this handler. Netty 4.2.18
     * can end an event loop without closing its channels (shut down with no quiet period, the shutdown can land after
     * the loop's last look at its state, and the loop exits without tearing its channels' pipelines down), so
     * {@link #handlerRemoved} never runs and the fragments held here would never be released.
     * {@code NettyLoopShutdownDefectTest} detects the defect; {@code TeardownTest} shows the release. It runs on
     * another thread, after the loop's thread has ended: nothing touches the table concurrently.
     */
    private final GenericFutureListener<Future<Object>> onLoopTerminated = f -> releaseOnTermination();
    /** The ticker time {@link #timer} was scheduled for. */
    private long timerDeadline;

    /**
     * Creates the handler state.
     *
     * @param policy coalesce policy
     * @param limits limits (timeout included)
     * @param maxPayloadBytes largest fragmentable payload
     * @param icmpSink where ICMP errors go
     */
    protected AbstractReassembler(CoalescePolicy policy, ReassemblyLimits limits, int maxPayloadBytes,
            IcmpErrorSink icmpSink) {
        this.icmpSink = checkNotNull(icmpSink, "icmpSink");
        this.table = new ReassemblyTable<>(policy, limits, maxPayloadBytes, counters, new ReassemblyProtocol<K>() {
            @Override
            public FragmentQueue<K> newQueue() {
                return AbstractReassembler.this.newQueue();
            }

            @Override
            public DropReason fragmentQueued(FragmentQueue<K> queue, boolean created) {
                return AbstractReassembler.this.fragmentQueued(queue, created);
            }

            @Override
            public void expired(FragmentQueue<K> queue) {
                AbstractReassembler.this.expired(queue);
            }
        });
    }

    /** A new, empty queue of the protocol's type (see {@link ReassemblyProtocol#newQueue()}). */
    protected abstract FragmentQueue<K> newQueue();

    /**
     * A fragment has its queue (see {@link ReassemblyProtocol#fragmentQueued}); the default keeps it.
     *
     * @return a reason to restart the queue with this fragment, or {@code null}
     */
    protected DropReason fragmentQueued(FragmentQueue<K> queue, boolean created) {
        return null;
    }

    /** A queue expired (see {@link ReassemblyProtocol#expired}): e.g. send ICMP Time Exceeded. */
    protected abstract void expired(FragmentQueue<K> queue);

    /** Counters: ReasmReqds, ReasmOKs, ReasmFails, ReasmTimeout, ReasmOverlaps, InHdrErrors, drops by reason. */
    public CounterSnapshot stats() {
        return counters.snapshot();
    }

    /** Bytes pinned by incomplete datagrams now. */
    public long pinnedBytes() {
        return table.pinnedBytes();
    }

    /** Highest pinned bytes seen. */
    public long peakPinnedBytes() {
        return table.peakPinnedBytes();
    }

    /** Incomplete datagrams now. */
    public int queueCount() {
        return table.queueCount();
    }

    /** Fragment buffers held (not copied) now. */
    public int heldBuffers() {
        return table.heldBuffers();
    }

    /** The coalesce policy. */
    public CoalescePolicy policy() {
        return table.policy();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        Future<?> termination = terminationOf(ctx);
        if (termination != null) {
            termination.addListener(onLoopTerminated);
        }
    }

    /** The executor's termination future, or null for one that has none (EmbeddedChannel's loop never terminates). */
    private static Future<?> terminationOf(ChannelHandlerContext ctx) {
        try {
            return ctx.executor().terminationFuture();
        } catch (UnsupportedOperationException e) {
            return null;
        }
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        Future<?> termination = terminationOf(ctx);
        if (termination != null) {
            termination.removeListener(onLoopTerminated);
        }
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
        table.releaseAll();
    }

    private void releaseOnTermination() {
        table.releaseAll();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof IpPacket && accepts((IpPacket) msg)) {
            try {
                reassemble(ctx, (IpPacket) msg);
            } finally {
                scheduleTimer();
            }
        } else {
            ctx.fireChannelRead(msg);
        }
    }

    /** Whether this handler reassembles {@code packet} (else it passes through). */
    protected abstract boolean accepts(IpPacket packet);

    /**
     * Handles one fragment.
     *
     * @param packet ownership is transferred
     */
    protected abstract void reassemble(ChannelHandlerContext ctx, IpPacket packet);

    /** Fragments that may share one reading of the ticker (see {@link #nowNanos()}). */
    static final int FRAGMENTS_PER_TICKER_READ = 16;
    private long tickerNanos;
    private int tickerUsesLeft;

    /**
     * The event loop's ticker time, read afresh for the first fragment of every read batch (after
     * {@code channelReadComplete}), on every timer run, and at least every {@value #FRAGMENTS_PER_TICKER_READ}
     * fragments. Reading the clock was about 8 % of the cost of a fragment; a few microseconds of staleness are nothing
     * next to the 1 ms hold and the 60 s timeout (Linux's reassembly runs on jiffies, 1–10 ms).
     */
    protected final long nowNanos() {
        if (tickerUsesLeft > 0) {
            tickerUsesLeft--;
            return tickerNanos;
        }
        tickerUsesLeft = FRAGMENTS_PER_TICKER_READ - 1;
        tickerNanos = ctx.executor().ticker().nanoTime();
        return tickerNanos;
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        tickerUsesLeft = 0;
        ctx.fireChannelReadComplete();
    }

    /** The channel's allocator. */
    protected final ByteBufAllocator alloc() {
        return ctx.alloc();
    }

    /**
     * A buffer for an ICMP error's quote, or {@code null} when the allocator is out of memory: the error is then not
     * sent, and counted as {@link io.netfrag.stats.DropReason#ALLOCATION_FAILED}.
     */
    protected final ByteBuf icmpQuoteBuffer(int capacity) {
        try {
            return alloc().buffer(capacity);
        } catch (OutOfMemoryError e) {
            counters.drop(io.netfrag.stats.DropReason.ALLOCATION_FAILED);
            return null;
        }
    }

    /**
     * Hands an ICMP error to the sink.
     *
     * @param error ownership is transferred
     */
    protected final void emitIcmp(IcmpError error) {
        icmpSink.accept(ctx, error);
    }

    private void scheduleTimer() {
        if (ctx == null) {
            return;
        }
        long deadline = Math.min(table.nextDeadlineNanos(), table.nextCoalesceNanos());
        if (deadline == Long.MAX_VALUE) {
            return;
        }
        if (timer != null) {
            if (deadline - timerDeadline >= 0) {
                return;
            }
            // an earlier deadline appeared (a datagram started holding buffers while the timer waited for an expiry):
            // without this, a stalled datagram would keep its receive buffers until the next fragment arrived
            timer.cancel(false);
        }
        long delay = Math.max(0, deadline - nowNanos());
        timerDeadline = deadline;
        timer = ctx.executor().schedule(this::onTimer, delay, TimeUnit.NANOSECONDS);
    }

    private void onTimer() {
        timer = null;
        if (ctx.isRemoved()) {
            return;
        }
        tickerUsesLeft = 0;
        long now = nowNanos();
        table.expire(now);
        table.coalesceStalled(now, ctx.alloc());
        scheduleTimer();
    }
}
