package io.netfrag.internal.reassembly;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import org.bouncycastle.crypto.macs.SipHash;
import org.bouncycastle.crypto.params.KeyParameter;
import org.junit.jupiter.api.Test;

class KeyHasherTest {

    private static void putLongLe(byte[] b, int at, long v) {
        for (int i = 0; i < 8; i++) {
            b[at + i] = (byte) (v >>> (8 * i));
        }
    }

    /** Bouncy Castle's SipHash-1-3 of the words' little-endian bytes under (k0, k1). */
    private static long reference(long k0, long k1, long[] words) {
        byte[] key = new byte[16];
        putLongLe(key, 0, k0);
        putLongLe(key, 8, k1);
        SipHash mac = new SipHash(1, 3);
        mac.init(new KeyParameter(key));
        byte[] message = new byte[8 * words.length];
        for (int i = 0; i < words.length; i++) {
            putLongLe(message, 8 * i, words[i]);
        }
        mac.update(message, 0, message.length);
        return mac.doFinal();
    }

    @Test
    void equalsBouncyCastleSipHash13OnRandomKeysAndWords() {
        SplittableRandom r = new SplittableRandom(0x5195L);
        for (int n = 0; n <= 6; n++) {
            for (int trial = 0; trial < 200; trial++) {
                long k0 = r.nextLong();
                long k1 = r.nextLong();
                long[] words = new long[n];
                KeyHasher h = new KeyHasher(k0, k1).begin();
                for (int i = 0; i < n; i++) {
                    words[i] = r.nextLong();
                    h.add(words[i]);
                }
                assertEquals(reference(k0, k1, words), h.end(), n + " words, trial " + trial);
            }
        }
    }

    @Test
    void isReusableAndDependsOnTheSecret() {
        KeyHasher a = new KeyHasher(1, 2);
        long first = a.begin().add(42).add(7).end();
        assertEquals(first, a.begin().add(42).add(7).end(), "begin() starts afresh");
        assertNotEquals(first, new KeyHasher(1, 3).begin().add(42).add(7).end());
        assertNotEquals(first, a.begin().add(7).add(42).end(), "order matters");
        assertNotEquals(new KeyHasher().begin().add(42).end(), new KeyHasher().begin().add(42).end(),
                "two tables draw different secrets (fails with probability 2^-64)");
    }

    /**
     * IPv4 keys built so that their {@code hashCode}s are all equal (for each identification, the source that
     * cancels it in the linear combination): what a sender could use against a table keyed by {@code hashCode}. The
     * keyed hashes of the 65,536 keys, folded to 32 bits as the table folds them, are practically all different.
     */
    @Test
    void keysWithOneHashCodeGetDifferentKeyedHashes() throws Exception {
        Class<?> keyClass = Class.forName("io.netfrag.ipv4.Ipv4FragmentKey");
        java.lang.reflect.Constructor<?> ctor = keyClass.getDeclaredConstructor();
        ctor.setAccessible(true);
        java.lang.reflect.Method set = keyClass.getDeclaredMethod("set", int.class, int.class, int.class, int.class,
                int.class);
        set.setAccessible(true);
        int inverse31Squared = inverse(31 * 31);
        KeyHasher hasher = new KeyHasher();
        Set<Integer> hashCodes = new HashSet<>();
        Set<Integer> folded = new HashSet<>();
        int n = 65_536;
        for (int id = 0; id < n; id++) {
            // hashCode = source·31^4 + destination·31^3 + id·31^2 + protocol·31 + ingress: this source cancels id
            int source = 0x0a00_0001 - id * inverse31Squared;
            FragmentKey<?> key = (FragmentKey<?>) set.invoke(ctor.newInstance(), source, 0x0a00_0002, id, 17, 0);
            hashCodes.add(key.hashCode());
            long h = key.hash(hasher);
            folded.add((int) (h ^ (h >>> 32)));
        }
        assertEquals(1, hashCodes.size(), "the keys were built to share one hashCode");
        // 65,536 random 32-bit values: about 0.5 pairs collide on average
        assertEquals(n, folded.size(), 8.0, "keyed hashes folded to 32 bits");
    }

    /** The multiplicative inverse of an odd int modulo 2^32 (Newton's iteration). */
    private static int inverse(int a) {
        int x = a;
        for (int i = 0; i < 5; i++) {
            x *= 2 - a * x;
        }
        assertEquals(1, a * x);
        return x;
    }
}
