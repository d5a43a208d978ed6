package io.netfrag.testing;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.util.ArrayList;
import java.util.List;

/** Collects user events (ICMP errors) at the end of a test pipeline; the test releases them. */
public final class Collector extends ChannelInboundHandlerAdapter {
    public final List<Object> events = new ArrayList<>();

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        events.add(evt);
    }
}
