package io.netfrag.esp;

/**
 * An {@code ip xfrm state ... sel ...} selector: which inner traffic an SA may carry. Prefixes are kept as raw address
 * bytes and a prefix length; a {@code null} address matches anything. Enforced for transport mode after decryption.
 *
 * @param source source prefix address bytes (4 or 16) or {@code null}
 * @param sourcePrefix source prefix length
 * @param destination destination prefix address bytes or {@code null}
 * @param destinationPrefix destination prefix length
 * @param protocol upper-layer protocol, 0 = any
 * @param sourcePort source port, 0 = any
 * @param destinationPort destination port, 0 = any
 */
public record Selector(byte[] source, int sourcePrefix, byte[] destination, int destinationPrefix, int protocol,
        int sourcePort, int destinationPort) {

    /** Matches everything. */
    public static final Selector ANY = new Selector(null, 0, null, 0, 0, 0, 0);

    /**
     * Whether a packet matches.
     *
     * @param src source address bytes of the packet
     * @param dst destination address bytes
     * @param proto upper-layer protocol
     * @param sport source port (0 if the protocol has none)
     * @param dport destination port
     */
    public boolean matches(byte[] src, byte[] dst, int proto, int sport, int dport) {
        return prefixMatches(source, sourcePrefix, src) && prefixMatches(destination, destinationPrefix, dst)
                && (protocol == 0 || protocol == proto) && (sourcePort == 0 || sourcePort == sport)
                && (destinationPort == 0 || destinationPort == dport);
    }

    private static boolean prefixMatches(byte[] prefix, int bits, byte[] address) {
        if (prefix == null) {
            return true;
        }
        if (prefix.length != address.length) {
            return false;
        }
        int full = bits / 8;
        for (int i = 0; i < full; i++) {
            if (prefix[i] != address[i]) {
                return false;
            }
        }
        int rest = bits % 8;
        if (rest == 0) {
            return true;
        }
        int mask = (0xff << (8 - rest)) & 0xff;
        return (prefix[full] & mask) == (address[full] & mask);
    }

    /** Whether this selector restricts anything. */
    public boolean isAny() {
        return source == null && destination == null && protocol == 0 && sourcePort == 0 && destinationPort == 0;
    }
}
