package io.netfrag.internal.reassembly;

import io.netfrag.stats.DropReason;
import java.util.function.Consumer;

/**
 * What a protocol plugs into the reassembly core, as IPv4 and IPv6 plug into Linux's {@code struct inet_frags}: its
 * queue type, a subclass of {@link FragmentQueue} that carries the protocol's own per-datagram state (as
 * {@code struct ipq} and {@code struct frag_queue} wrap {@code struct inet_frag_queue}); a hook when a fragment has
 * found its queue; and one when a queue expires. The core knows no IP rule; everything protocol-specific lives behind
 * this interface. The queues the hooks receive are the ones {@link #newQueue()} made.
 *
 * @param <K> key type
 */
public interface ReassemblyProtocol<K extends FragmentKey<K>> {
    /** A new, empty queue of the protocol's type; the table gives it its key and limits. */
    FragmentQueue<K> newQueue();

    /**
     * Called once per fragment when it has a queue — found, or made for it ({@code created}) — before the fragment
     * goes in: the place of Linux's {@code ip_frag_too_far} in {@code ip_frag_queue}. The default does nothing.
     *
     * @param queue the queue; its typed state is the protocol's to read and change
     * @param created whether the queue was made for this fragment
     * @return a reason to throw away what the queue holds and start it afresh with this fragment (as Linux
     *     {@code ip_frag_reinit}; counted under the reason and ReasmFails), or {@code null}
     */
    default DropReason fragmentQueued(FragmentQueue<K> queue, boolean created) {
        return null;
    }

    /**
     * The queue reached its deadline (for an ICMP Time Exceeded). Called before its buffers are released; read the
     * queue only.
     */
    void expired(FragmentQueue<K> queue);

    /**
     * A protocol without state or rules of its own: plain queues, no hook, {@code expired} told about expiries. For
     * exercising the core alone (tests, benchmarks).
     */
    static <K extends FragmentKey<K>> ReassemblyProtocol<K> plain(Consumer<FragmentQueue<K>> expired) {
        return new ReassemblyProtocol<>() {
            @Override
            public FragmentQueue<K> newQueue() {
                return new FragmentQueue<>();
            }

            @Override
            public void expired(FragmentQueue<K> queue) {
                expired.accept(queue);
            }
        };
    }
}
