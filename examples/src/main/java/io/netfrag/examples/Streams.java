package io.netfrag.examples;

import io.netfrag.testkit.Payloads;
import io.netty.buffer.ByteBuf;
import java.util.function.Predicate;

/** Helpers shared by the stream client, the server and the demo. */
public final class Streams {
    private Streams() {
    }

    /** A verifier of payloads the stream client made with {@code seed}. */
    public static Predicate<ByteBuf> verifier(long seed) {
        return payload -> Payloads.verify(payload, seed);
    }

    /** Throughput in the unit netperf's {@code -f} names: k, m or g (10^3, 10^6, 10^9 bits/s). */
    static double rate(long bytes, long nanos, char unit) {
        double bitsPerSecond = nanos == 0 ? 0 : bytes * 8.0 * 1e9 / nanos;
        switch (unit) {
            case 'k':
                return bitsPerSecond / 1e3;
            case 'g':
                return bitsPerSecond / 1e9;
            default:
                return bitsPerSecond / 1e6;
        }
    }

    /** netperf's unit label for {@code -f}. */
    static String unitLabel(char unit) {
        return unit == 'k' ? "10^3bits/sec" : unit == 'g' ? "10^9bits/sec" : "10^6bits/sec";
    }
}
