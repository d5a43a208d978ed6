package io.netfrag.esp;

/**
 * The ESP integrity algorithms netfrag verifies, named as in {@code ip xfrm state} ({@code auth NAME KEY} or
 * {@code auth-trunc NAME KEY BITS}). With {@code auth} the ICV has Linux's default length for the algorithm
 * ({@code icv_truncbits} in Linux {@code net/xfrm/xfrm_algo.c}) — for {@code hmac(sha256)} that is Linux's historical
 * 96 bits, not RFC 4868's 128, so an SA written for the kernel verifies exactly as the kernel does; {@code auth-trunc}
 * gives the length explicitly.
 */
public enum AuthenticationAlgorithm {
    /** HMAC-SHA-1-96 (RFC 2404): ICV 96 bits by default. */
    HMAC_SHA1("hmac(sha1)", "HmacSHA1", 96, 160),
    /** HMAC-SHA-256 (RFC 4868): ICV 96 bits by default in Linux (RFC 4868 says 128: use {@code auth-trunc}). */
    HMAC_SHA256("hmac(sha256)", "HmacSHA256", 96, 256),
    /** HMAC-SHA-384 (RFC 4868): ICV 192 bits by default. */
    HMAC_SHA384("hmac(sha384)", "HmacSHA384", 192, 384),
    /** HMAC-SHA-512 (RFC 4868): ICV 256 bits by default. */
    HMAC_SHA512("hmac(sha512)", "HmacSHA512", 256, 512);

    /** The shortest ICV accepted with {@code auth-trunc}, in bits: RFC 2404's 96 is the shortest any ESP RFC uses. */
    public static final int MIN_ICV_BITS = 96;

    private final String xfrmName;
    private final String jcaName;
    private final int defaultIcvBits;
    private final int fullBits;

    AuthenticationAlgorithm(String xfrmName, String jcaName, int defaultIcvBits, int fullBits) {
        this.xfrmName = xfrmName;
        this.jcaName = jcaName;
        this.defaultIcvBits = defaultIcvBits;
        this.fullBits = fullBits;
    }

    /** The name {@code ip xfrm} uses. */
    public String xfrmName() {
        return xfrmName;
    }

    /** The JCA {@code Mac} name. */
    public String jcaName() {
        return jcaName;
    }

    /** The ICV length {@code auth NAME KEY} gets, in bits (Linux's {@code icv_truncbits}). */
    public int defaultIcvBits() {
        return defaultIcvBits;
    }

    /** The MAC's full length in bits: the longest ICV. */
    public int fullBits() {
        return fullBits;
    }

    /** The algorithm with this {@code ip xfrm} name, or {@code null}. */
    public static AuthenticationAlgorithm byXfrmName(String name) {
        for (AuthenticationAlgorithm a : values()) {
            if (a.xfrmName.equals(name)) {
                return a;
            }
        }
        return null;
    }
}
