package io.netfrag.packet;

/**
 * Tells the decoder which destinations are this receiver's own (local delivery, where reassembly may coalesce) and
 * which are forwarded (reassembly keeps fragment geometry, as Linux only coalesces for local delivery).
 */
@FunctionalInterface
public interface LocalAddresses {
    /** Every destination is local. */
    LocalAddresses ALL = (version, high, low) -> true;

    /** No destination is local: everything is forwarded. */
    LocalAddresses NONE = (version, high, low) -> false;

    /**
     * Whether a destination is local.
     *
     * @param version 4 or 6
     * @param high high 64 bits of an IPv6 address, 0 for IPv4
     * @param low low 64 bits of an IPv6 address, or the IPv4 address
     */
    boolean isLocal(int version, long high, long low);
}
