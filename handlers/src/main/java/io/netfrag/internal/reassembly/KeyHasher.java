package io.netfrag.internal.reassembly;

import java.security.SecureRandom;

/**
 * The keyed hash a {@link ReassemblyTable} finds its queues by: SipHash-1-3 (Aumasson and Bernstein; the variant
 * Linux's {@code hsiphash} uses on 64-bit machines and Rust's {@code HashMap} uses, for the same purpose) under a
 * secret 128-bit key drawn from {@link SecureRandom} for each table. Fragment identifications and addresses are chosen
 * by whoever sends the fragments; with a plain {@code hashCode} (a linear combination of the fields) a sender can pick
 * (source, identification) pairs that all share one hash and turn every lookup into a walk over every queue in the
 * table, tens of thousands of them within the default memory limit: the complexity attack FragmentSmack's siblings
 * use, and the reason Linux hashes its fragment queues with a random secret ({@code inet_frags} {@code hashrnd},
 * then {@code rhashtable} with a random seed). Without the secret nobody can predict which keys collide.
 *
 * <p>Keys feed their fields as 64-bit words between {@link #begin()} and {@link #end()}; the result equals SipHash-1-3
 * of those words' little-endian bytes (checked against Bouncy Castle's {@code SipHash(1, 3)} in the tests). Written
 * here rather than calling Bouncy Castle's {@code Mac}, which takes bytes through a stateful object, because the table
 * hashes a key on every lookup that misses its two recent queues, which under a flood of fresh identifications is once
 * per packet: this costs a few nanoseconds per word and allocates nothing.
 *
 * <p>Single-threaded, like its table: one instance per table, reused for every hash.
 */
public final class KeyHasher {
    private static final SecureRandom SEEDS = new SecureRandom();

    private final long k0;
    private final long k1;
    private long v0;
    private long v1;
    private long v2;
    private long v3;
    private int words;

    /** A hasher with a fresh secret key from {@link SecureRandom}. */
    public KeyHasher() {
        this(SEEDS.nextLong(), SEEDS.nextLong());
    }

    /** A hasher with the given key (tests; a table always uses a secret one). */
    public KeyHasher(long k0, long k1) {
        this.k0 = k0;
        this.k1 = k1;
    }

    /** Starts a hash. */
    public KeyHasher begin() {
        v0 = k0 ^ 0x736f6d6570736575L;
        v1 = k1 ^ 0x646f72616e646f6dL;
        v2 = k0 ^ 0x6c7967656e657261L;
        v3 = k1 ^ 0x7465646279746573L;
        words = 0;
        return this;
    }

    /** Feeds one 64-bit word (its 8 little-endian bytes). */
    public KeyHasher add(long m) {
        v3 ^= m;
        round();
        v0 ^= m;
        words++;
        return this;
    }

    /** Finishes the hash of the words fed since {@link #begin()}. */
    public long end() {
        long b = ((long) (words << 3) & 0xff) << 56;
        v3 ^= b;
        round();
        v0 ^= b;
        v2 ^= 0xff;
        round();
        round();
        round();
        return v0 ^ v1 ^ v2 ^ v3;
    }

    private void round() {
        long a = v0;
        long b = v1;
        long c = v2;
        long d = v3;
        a += b;
        b = Long.rotateLeft(b, 13);
        b ^= a;
        a = Long.rotateLeft(a, 32);
        c += d;
        d = Long.rotateLeft(d, 16);
        d ^= c;
        a += d;
        d = Long.rotateLeft(d, 21);
        d ^= a;
        c += b;
        b = Long.rotateLeft(b, 17);
        b ^= c;
        c = Long.rotateLeft(c, 32);
        v0 = a;
        v1 = b;
        v2 = c;
        v3 = d;
    }
}
