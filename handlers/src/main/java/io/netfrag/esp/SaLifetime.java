package io.netfrag.esp;

/**
 * The lifetime limits of an SA, as {@code ip xfrm state add … limit …} sets them (Linux {@code struct
 * xfrm_lifetime_cfg}): bytes and packets processed, seconds since the SA was added, seconds since its first use; each
 * with a soft limit (a {@link SaExpiryEvent} tells the pipeline once, the SA keeps working, as Linux tells its key
 * manager to rekey) and a hard limit (the SA expires: its packets are dropped and counted as
 * {@code XfrmInStateExpired}). As in Linux, a time limit of 0 is no limit, while a byte or packet limit of 0 is
 * reached at once; {@link #INFINITE} is Linux's {@code XFRM_INF}.
 *
 * <p>netfrag counts what its decoders process for the SA, over every event loop, on the decoders' event-loop clocks (so
 * {@code EmbeddedChannel.advanceTimeBy} drives them): the "add" clock starts when a decoder first meets the SA (its
 * first packet), the "use" clock at the first packet authenticated. Limits are checked when a packet arrives, before
 * it is processed, as Linux's {@code xfrm_state_check_expire}; Linux also expires on a timer without traffic.
 *
 * @param softBytes bytes (the packets' lengths once ESP is removed, as Linux counts) after which the soft event fires
 * @param hardBytes bytes after which the SA expires
 * @param softPackets packets after which the soft event fires
 * @param hardPackets packets after which the SA expires
 * @param softAddSeconds seconds after the SA was added
 * @param hardAddSeconds seconds after the SA was added
 * @param softUseSeconds seconds after its first use
 * @param hardUseSeconds seconds after its first use
 */
public record SaLifetime(long softBytes, long hardBytes, long softPackets, long hardPackets, long softAddSeconds,
        long hardAddSeconds, long softUseSeconds, long hardUseSeconds) {
    /** No limit on anything (Linux's {@code XFRM_INF}, {@code ~0}). */
    public static final long INFINITE = Long.MAX_VALUE;
    /** No limits at all: the default. */
    public static final SaLifetime NONE = new SaLifetime(INFINITE, INFINITE, INFINITE, INFINITE, INFINITE, INFINITE,
            INFINITE, INFINITE);

    /** Checks that no limit is negative. */
    public SaLifetime {
        for (long v : new long[] {softBytes, hardBytes, softPackets, hardPackets, softAddSeconds, hardAddSeconds,
            softUseSeconds, hardUseSeconds}) {
            if (v < 0) {
                throw new IllegalArgumentException("lifetime limits must not be negative: " + v);
            }
        }
    }

    /** This lifetime with one limit replaced, by its {@code ip xfrm} name ({@code time-soft}, {@code byte-hard}, …). */
    public SaLifetime with(String name, long value) {
        return switch (name) {
            case "byte-soft" -> new SaLifetime(value, hardBytes, softPackets, hardPackets, softAddSeconds,
                    hardAddSeconds, softUseSeconds, hardUseSeconds);
            case "byte-hard" -> new SaLifetime(softBytes, value, softPackets, hardPackets, softAddSeconds,
                    hardAddSeconds, softUseSeconds, hardUseSeconds);
            case "packet-soft" -> new SaLifetime(softBytes, hardBytes, value, hardPackets, softAddSeconds,
                    hardAddSeconds, softUseSeconds, hardUseSeconds);
            case "packet-hard" -> new SaLifetime(softBytes, hardBytes, softPackets, value, softAddSeconds,
                    hardAddSeconds, softUseSeconds, hardUseSeconds);
            case "time-soft" -> new SaLifetime(softBytes, hardBytes, softPackets, hardPackets, value, hardAddSeconds,
                    softUseSeconds, hardUseSeconds);
            case "time-hard" -> new SaLifetime(softBytes, hardBytes, softPackets, hardPackets, softAddSeconds, value,
                    softUseSeconds, hardUseSeconds);
            case "time-use-soft" -> new SaLifetime(softBytes, hardBytes, softPackets, hardPackets, softAddSeconds,
                    hardAddSeconds, value, hardUseSeconds);
            case "time-use-hard" -> new SaLifetime(softBytes, hardBytes, softPackets, hardPackets, softAddSeconds,
                    hardAddSeconds, softUseSeconds, value);
            default -> throw new IllegalArgumentException("unknown limit '" + name + "' (expected time-soft, "
                    + "time-hard, time-use-soft, time-use-hard, byte-soft, byte-hard, packet-soft or packet-hard)");
        };
    }
}
