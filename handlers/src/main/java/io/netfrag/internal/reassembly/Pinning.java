package io.netfrag.internal.reassembly;

import io.netty.buffer.ByteBuf;

/**
 * The rule by which netfrag charges memory: a buffer is charged what it keeps from being reused, not what it
 * carries.
 *
 * <p>A held buffer is charged the capacity of its root buffer (following {@link ByteBuf#unwrap()} to the end). A slice
 * of a recvmmsg batch therefore costs the whole batch buffer, because it keeps that buffer alive; a fragment in its own
 * 2 KiB receive buffer costs 2 KiB. When several held slices share one root, each is charged the whole root: an upper
 * bound, exact for the common one-buffer-per-datagram case, that needs no per-root bookkeeping (Linux's
 * {@code truesize} makes the same choice). Buffers the reassembler allocates itself are charged their capacity.
 */
public final class Pinning {

    private Pinning() {
    }

    /**
     * Bytes {@code buf} keeps alive.
     *
     * @param buf borrowed for the call
     */
    public static long pinnedBytes(ByteBuf buf) {
        ByteBuf root = buf;
        for (ByteBuf parent = root.unwrap(); parent != null; parent = parent.unwrap()) {
            root = parent;
        }
        return Math.max(root.capacity(), buf.readableBytes());
    }
}
