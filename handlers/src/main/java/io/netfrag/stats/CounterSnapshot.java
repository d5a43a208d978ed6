package io.netfrag.stats;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An immutable copy of a handler's counters.
 */
public final class CounterSnapshot {
    private final long[] mib;
    private final long[] drops;

    CounterSnapshot(long[] mib, long[] drops) {
        this.mib = mib;
        this.drops = drops;
    }

    /** Value of {@code counter}. */
    public long get(MibCounter counter) {
        return mib[counter.ordinal()];
    }

    /** Drops of {@code reason}. */
    public long drops(DropReason reason) {
        return drops[reason.ordinal()];
    }

    /** Sum of all drops. */
    public long totalDrops() {
        long sum = 0;
        for (long d : drops) {
            sum += d;
        }
        return sum;
    }

    /** Non-zero MIB counters by IP-MIB name, then non-zero drops as {@code drop.<reason>}, in declaration order. */
    public Map<String, Long> toMap() {
        Map<String, Long> map = new LinkedHashMap<>();
        for (MibCounter c : MibCounter.values()) {
            if (mib[c.ordinal()] != 0) {
                map.put(c.mibName(), mib[c.ordinal()]);
            }
        }
        for (DropReason r : DropReason.values()) {
            if (drops[r.ordinal()] != 0) {
                map.put("drop." + r.name(), drops[r.ordinal()]);
            }
        }
        return map;
    }

    /** Adds two snapshots field by field (for totals over several handlers). */
    public CounterSnapshot plus(CounterSnapshot other) {
        long[] m = mib.clone();
        long[] d = drops.clone();
        for (int i = 0; i < m.length; i++) {
            m[i] += other.mib[i];
        }
        for (int i = 0; i < d.length; i++) {
            d[i] += other.drops[i];
        }
        return new CounterSnapshot(m, d);
    }

    @Override
    public String toString() {
        return toMap().toString();
    }
}
