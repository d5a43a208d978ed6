package io.netfrag.esp;

/**
 * A user event {@link EspDecoder} fires down the pipeline when an SA reaches a lifetime limit ({@link SaLifetime}):
 * once when it reaches a soft limit (time to rekey; the SA keeps working) and once when it reaches a hard limit (the
 * SA has expired; its packets are dropped from now on). As Linux's {@code km_state_expired}.
 *
 * @param sa the SA
 * @param hard whether a hard limit was reached
 */
public record SaExpiryEvent(SecurityAssociation sa, boolean hard) {
}
