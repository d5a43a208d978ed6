package io.netfrag.internal.wire;

/**
 * IANA protocol numbers and IPv6 next-header values used by netfrag.
 */
public final class IpProtocols {
    /** IPv6 Hop-by-Hop Options (RFC 8200 §4.3). */
    public static final int HOP_BY_HOP = 0;
    /** ICMP for IPv4. */
    public static final int ICMP = 1;
    /** IPv4 encapsulation (IP-in-IP). */
    public static final int IPV4 = 4;
    /** TCP. */
    public static final int TCP = 6;
    /** UDP. */
    public static final int UDP = 17;
    /** IPv6 encapsulation. */
    public static final int IPV6 = 41;
    /** IPv6 Routing header (RFC 8200 §4.4). */
    public static final int ROUTING = 43;
    /** IPv6 Fragment header (RFC 8200 §4.5). */
    public static final int FRAGMENT = 44;
    /** Encapsulating Security Payload (RFC 4303). */
    public static final int ESP = 50;
    /** Authentication Header (RFC 4302). */
    public static final int AH = 51;
    /** ICMPv6. */
    public static final int ICMPV6 = 58;
    /** IPv6 No Next Header (RFC 8200 §4.7). */
    public static final int NO_NEXT_HEADER = 59;
    /** IPv6 Destination Options (RFC 8200 §4.6). */
    public static final int DESTINATION_OPTIONS = 60;
    /** Mobility header (RFC 6275), an extension header for chain walking. */
    public static final int MOBILITY = 135;
    /** Host Identity Protocol (RFC 7401), an extension header for chain walking. */
    public static final int HIP = 139;
    /** Shim6 (RFC 5533), an extension header for chain walking. */
    public static final int SHIM6 = 140;

    private IpProtocols() {
    }
}
