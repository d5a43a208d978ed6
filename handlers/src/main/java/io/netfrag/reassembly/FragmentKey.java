package io.netfrag.reassembly;

/**
 * A protocol's reassembly key. Handlers keep one mutable instance for lookups (so a lookup allocates nothing) and the
 * table stores {@link #copy()}s of it; implementations define {@code equals} and {@code hashCode} over their fields.
 *
 * @param <K> the key type itself
 */
public interface FragmentKey<K extends FragmentKey<K>> {
    /** An immutable copy to store in the table. */
    K copy();
}
