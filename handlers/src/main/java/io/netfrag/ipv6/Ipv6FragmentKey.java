package io.netfrag.ipv6;

import io.netfrag.internal.reassembly.FragmentKey;
import io.netfrag.internal.reassembly.KeyHasher;

/**
 * IPv6 reassembly key, as Linux {@code frag_v6_compare_key}: source, destination, identification, and the ingress
 * index only when the destination is link-local or multicast (else 0). Mutable for allocation-free lookups; the table
 * stores copies.
 */
final class Ipv6FragmentKey implements FragmentKey<Ipv6FragmentKey> {
    long sourceHigh;
    long sourceLow;
    long destinationHigh;
    long destinationLow;
    int identification;
    int ingressIndex;

    Ipv6FragmentKey set(long sh, long sl, long dh, long dl, int id, int ingress) {
        sourceHigh = sh;
        sourceLow = sl;
        destinationHigh = dh;
        destinationLow = dl;
        identification = id;
        ingressIndex = ingress;
        return this;
    }

    @Override
    public Ipv6FragmentKey copy() {
        return new Ipv6FragmentKey().set(sourceHigh, sourceLow, destinationHigh, destinationLow, identification,
                ingressIndex);
    }

    @Override
    public long hash(KeyHasher hasher) {
        return hasher.begin().add(sourceHigh).add(sourceLow).add(destinationHigh).add(destinationLow)
                .add(((long) identification << 32) | (ingressIndex & 0xffff_ffffL)).end();
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Ipv6FragmentKey)) {
            return false;
        }
        Ipv6FragmentKey k = (Ipv6FragmentKey) o;
        return identification == k.identification && sourceLow == k.sourceLow && destinationLow == k.destinationLow
                && sourceHigh == k.sourceHigh && destinationHigh == k.destinationHigh
                && ingressIndex == k.ingressIndex;
    }

    @Override
    public int hashCode() {
        long h = sourceHigh * 31 + sourceLow;
        h = h * 31 + destinationHigh;
        h = h * 31 + destinationLow;
        h = h * 31 + identification;
        h = h * 31 + ingressIndex;
        return (int) (h ^ (h >>> 32));
    }

    @Override
    public String toString() {
        return "Ipv6FragmentKey(id " + Integer.toUnsignedString(identification) + ", ingress " + ingressIndex + ')';
    }
}
