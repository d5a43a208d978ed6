package io.netfrag.metrics;

import static io.netty.util.internal.ObjectUtil.checkNotNull;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.netfrag.stats.CounterSnapshot;
import io.netfrag.stats.DropReason;
import io.netfrag.stats.MibCounter;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Exposes netfrag counters to Micrometer: one function counter per {@link MibCounter} ({@code netfrag.mib}, tag
 * {@code name} = the IP-MIB name), one per {@link DropReason} ({@code netfrag.drops}, tag {@code reason}), and an
 * optional pinned-bytes gauge. Reads a {@link CounterSnapshot} supplier (for example
 * {@code NetfragIngress::stats}), so it works for one handler or a whole ingress. Micrometer is an optional
 * dependency of netfrag: add {@code io.micrometer:micrometer-core} to use this class.
 */
public final class NetfragMeterBinder implements MeterBinder {
    private final Supplier<CounterSnapshot> snapshot;
    private final LongSupplier pinnedBytes;
    private final Tags tags;
    private volatile CounterSnapshot cached;
    private volatile long cachedAt;

    /**
     * Creates a binder.
     *
     * @param snapshot where to read counters (called at most once per millisecond)
     * @param pinnedBytes pinned bytes now, or {@code null} for no gauge
     * @param tags extra tags on every meter
     */
    public NetfragMeterBinder(Supplier<CounterSnapshot> snapshot, LongSupplier pinnedBytes, Tags tags) {
        this.snapshot = checkNotNull(snapshot, "snapshot");
        this.pinnedBytes = pinnedBytes;
        this.tags = checkNotNull(tags, "tags");
    }

    private CounterSnapshot current() {
        long now = System.nanoTime();
        CounterSnapshot c = cached;
        if (c == null || now - cachedAt > 1_000_000) {
            c = snapshot.get();
            cached = c;
            cachedAt = now;
        }
        return c;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        for (MibCounter m : MibCounter.values()) {
            FunctionCounter.builder("netfrag.mib", this, b -> b.current().get(m))
                    .tags(tags).tag("name", m.mibName()).description("netfrag IP-MIB style counter")
                    .register(registry);
        }
        for (DropReason r : DropReason.values()) {
            FunctionCounter.builder("netfrag.drops", this, b -> b.current().drops(r))
                    .tags(tags).tag("reason", r.name()).description(r.description()).register(registry);
        }
        if (pinnedBytes != null) {
            Gauge.builder("netfrag.pinned.bytes", pinnedBytes, LongSupplier::getAsLong).tags(tags)
                    .description("bytes pinned by incomplete datagrams").baseUnit("bytes").register(registry);
        }
    }
}
