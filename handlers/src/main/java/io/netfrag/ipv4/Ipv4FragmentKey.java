package io.netfrag.ipv4;

import io.netfrag.internal.reassembly.FragmentKey;
import io.netfrag.internal.reassembly.KeyHasher;

/**
 * IPv4 reassembly key, as Linux {@code frag_v4_compare_key}: source, destination, identification, protocol, and the
 * ingress index (Linux's {@code vif}, the L3 master device; 0 unless the decoder stamps one). Mutable for
 * allocation-free lookups; the table stores copies.
 */
final class Ipv4FragmentKey implements FragmentKey<Ipv4FragmentKey> {
    int source;
    int destination;
    int identification;
    int protocol;
    int ingressIndex;

    Ipv4FragmentKey set(int src, int dst, int id, int proto, int ingress) {
        source = src;
        destination = dst;
        identification = id;
        protocol = proto;
        ingressIndex = ingress;
        return this;
    }

    @Override
    public Ipv4FragmentKey copy() {
        return new Ipv4FragmentKey().set(source, destination, identification, protocol, ingressIndex);
    }

    @Override
    public long hash(KeyHasher hasher) {
        return hasher.begin().add(((long) source << 32) | (destination & 0xffff_ffffL))
                .add(((long) identification << 32) | (protocol & 0xffff_ffffL)).add(ingressIndex).end();
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Ipv4FragmentKey)) {
            return false;
        }
        Ipv4FragmentKey k = (Ipv4FragmentKey) o;
        return source == k.source && destination == k.destination && identification == k.identification
                && protocol == k.protocol && ingressIndex == k.ingressIndex;
    }

    @Override
    public int hashCode() {
        int h = source * 31 + destination;
        h = h * 31 + identification;
        h = h * 31 + protocol;
        return h * 31 + ingressIndex;
    }

    @Override
    public String toString() {
        return "Ipv4FragmentKey(id " + identification + ", proto " + protocol + ')';
    }
}
