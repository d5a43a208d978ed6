package io.netfrag.perf;

import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * JMH worker pool whose threads are Netty {@code FastThreadLocalThread}s, so a benchmark thread treats buffers the way
 * an event loop thread does. Selected in the forked JVM with {@code -Djmh.executor=CUSTOM
 * -Djmh.executor.class=io.netfrag.perf.FastThreadLocalExecutor} (JMH calls the {@code (int, String)} constructor).
 *
 * <p>Why: in Netty 4.2 a plain thread (JMH's default worker) gets no pooled-allocator thread cache
 * ({@code io.netty.allocator.useCacheForAllThreads} is false) and no object recycling ({@code Recycler.get()} hands
 * out a new {@code PooledByteBuf}/slice object every time unless the thread cleans up its fast thread locals). Measured
 * on such a thread, every buffer allocation costs a new Java object and allocation numbers from {@code -prof gc}
 * count Netty's objects, not the reassembler's.
 */
public final class FastThreadLocalExecutor extends ThreadPoolExecutor {

    /**
     * Creates a fixed pool.
     *
     * @param maxThreads number of worker threads
     * @param prefix thread name prefix
     */
    public FastThreadLocalExecutor(int maxThreads, String prefix) {
        super(maxThreads, maxThreads, 1, TimeUnit.MINUTES, new LinkedBlockingQueue<>(),
                new DefaultThreadFactory(prefix, true));
    }
}
