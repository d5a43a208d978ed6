package io.netfrag.packet;

import io.netty.channel.ChannelHandlerContext;

/**
 * Receives the ICMP errors a handler produces. Nothing is sent implicitly: the sink decides.
 */
@FunctionalInterface
public interface IcmpErrorSink {

    /** Fires each error down the pipeline as a user event (the pipeline's tail releases it if nobody does). */
    IcmpErrorSink FIRE_USER_EVENT = (ctx, error) -> ctx.fireUserEventTriggered(error);

    /** Releases each error at once (errors are still counted by the handler). */
    IcmpErrorSink DISCARD = (ctx, error) -> error.release();

    /**
     * Handles one error.
     *
     * @param ctx the context of the handler that produced it
     * @param error the error; ownership is transferred to the sink
     */
    void accept(ChannelHandlerContext ctx, IcmpError error);
}
