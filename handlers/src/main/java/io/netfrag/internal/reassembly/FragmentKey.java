package io.netfrag.internal.reassembly;

/**
 * A protocol's reassembly key. Handlers keep one mutable instance for lookups (so a lookup allocates nothing) and the
 * table stores {@link #copy()}s of it; implementations define {@code equals} and {@code hashCode} over their fields,
 * and {@link #hash(KeyHasher)} over the same fields.
 *
 * @param <K> the key type itself
 */
public interface FragmentKey<K extends FragmentKey<K>> {
    /** An immutable copy to store in the table. */
    K copy();

    /**
     * The keyed hash the table finds this key's queue by: feeds every field {@code equals} compares to
     * {@code hasher}, between {@link KeyHasher#begin()} and {@link KeyHasher#end()}. The hasher's key is a secret of
     * the table, so a sender cannot choose keys that collide (see {@link KeyHasher}). The default feeds
     * {@code hashCode()}, which keeps keys apart only as well as {@code hashCode} does: keys whose {@code hashCode}s
     * collide still collide, so a key whose fields come off the wire should override this.
     *
     * @param hasher borrowed for the call
     */
    default long hash(KeyHasher hasher) {
        return hasher.begin().add(hashCode()).end();
    }
}
