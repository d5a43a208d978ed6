package io.netfrag.examples;

import io.netfrag.ReceivePath;
import io.netfrag.esp.SaDatabase;
import io.netfrag.reassembly.CoalescePolicy;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.nio.NioDatagramChannel;
import java.net.InetSocketAddress;

/**
 * The README's pipeline as a program you can copy: a plain Netty UDP channel whose datagrams each carry one raw IP
 * packet (IP-in-UDP), the netfrag receive path with {@code COPY} and one ESP SA, and ordinary Netty UDP code after it.
 * {@code java -cp examples/target/netfrag.jar io.netfrag.examples.QuickStart} listens on [::1]:6635; send to it with
 * {@code java -jar examples/target/netfrag.jar stream --no-control -m 8000 -l 2 --sa "$(…SA below…)"}.
 */
public final class QuickStart {
    /** The SA of the example, as Linux's {@code ip xfrm state add} takes it (AES-GCM, 128-bit ICV). */
    public static final String SA = "ip xfrm state add src fc00:1::1 dst fc00:2::1 proto esp spi 0x1000 "
            + "mode transport aead 'rfc4106(gcm(aes))' 0x0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b 128";

    private QuickStart() {
    }

    /** Listens on [::1]:6635 and prints every datagram the receive path delivers. */
    public static void main(String[] args) throws InterruptedException {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            ChannelHandler print = new SimpleChannelInboundHandler<DatagramPacket>() {
                @Override
                protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket d) {
                    System.out.println(d.sender() + " → " + d.recipient() + ": " + d.content().readableBytes() + " B");
                }
            };
            Channel ch = bind(group, new InetSocketAddress("::1", 6635), print);
            ch.closeFuture().sync();
        } finally {
            group.shutdownGracefully();
        }
    }

    /**
     * Binds the pipeline.
     *
     * @param handler the user's handler: receives {@link DatagramPacket}s (and releases them, as
     *     {@link SimpleChannelInboundHandler} does); it must be {@link ChannelHandler.Sharable} if the channel may be
     *     bound more than once
     */
    public static Channel bind(EventLoopGroup group, InetSocketAddress address, ChannelHandler handler)
            throws InterruptedException {
        ReceivePath path = ReceivePath.builder()
                .policy(CoalescePolicy.COPY)       // each fragment copied on arrival: one contiguous datagram
                .sas(SaDatabase.of(SA))            // RFC 4303/4106 in Linux xfrm_input order; the plaintext lands in
                .build();                          // one new buffer under COPY
        return new Bootstrap().group(group).channel(NioDatagramChannel.class)
                .handler(new ChannelInitializer<DatagramChannel>() {
                    @Override
                    protected void initChannel(DatagramChannel ch) {
                        path.install(ch.pipeline());   // decoder → IPv6 → IPv4 reassembly → ESP → UDP delivery
                        ch.pipeline().addLast(handler); // unchanged Netty UDP code
                    }
                })
                .bind(address).sync().channel();
    }
}
