package io.netfrag;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netfrag.channel.NetfragIngress;
import io.netfrag.esp.SaDatabase;
import io.netfrag.esp.XfrmStateParser;
import io.netfrag.pcap.PcapWriter;
import io.netfrag.reassembly.CoalescePolicy;
import io.netfrag.replay.CaptureReplay;
import io.netfrag.stats.MibCounter;
import io.netfrag.testing.LoopbackBooks;
import io.netfrag.testing.TestPackets;
import io.netfrag.testkit.TrafficGenerator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.DatagramPacket;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * One receive path, every entry point: the same fragments — IPv6 and IPv4 UDP datagrams and an ESP-protected one,
 * each in several fragments — go through an {@link EmbeddedChannel}, a capture replay and the UDP ingress on loopback,
 * all made from one {@link ReceivePath}, and every entry point must deliver the same datagrams in the same buffer
 * shape: under {@code COPY} one contiguous buffer (ESP's plaintext included), under {@code NONE} and
 * {@code COMPOSITE} a chain of the fragments' buffers. ({@code ADAPTIVE} decides by how much a buffer pins, which
 * depends on the entry point's buffers: its deliveries must still be the same.) The TUN device is the fourth entry
 * point, covered by {@code TunDeviceTest} with the same builder.
 */
class ReceivePathEntryPointsTest {
    private static final String SA = "src fc00:1::1 dst fc00:2::1 proto esp spi 0x2000 mode transport "
            + "aead 'rfc4106(gcm(aes))' 0x" + "0d".repeat(20) + " 128";

    /** What a delivered datagram is, and the shape of its buffer. */
    private record Delivery(String sender, String recipient, String payload, String shape) {
    }

    /** Collects deliveries in order and releases them. */
    @ChannelHandler.Sharable
    private static final class Collect extends SimpleChannelInboundHandler<DatagramPacket> {
        final List<Delivery> got = Collections.synchronizedList(new ArrayList<>());

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket d) {
            got.add(delivery(d));
        }
    }

    private static Delivery delivery(DatagramPacket d) {
        ByteBuf c = d.content();
        String shape = c instanceof io.netty.buffer.CompositeByteBuf ? "chain" : c.nioBufferCount() == 1 ? "contiguous" : "other";
        byte[] bytes = ByteBufUtil.getBytes(c);
        String digest;
        try {
            digest = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(bytes)).substring(0, 16);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        return new Delivery(d.sender().toString(), d.recipient().toString(), bytes.length + " B " + digest, shape);
    }

    /** The fragments of three datagrams, each fragment as the bytes of one IP packet, in sending order. */
    private static List<byte[]> fragments() throws Exception {
        List<byte[]> out = new ArrayList<>();
        TrafficGenerator v6 = TrafficGenerator.builder()
                .addresses(InetAddress.getByName("fc00:1::1"), InetAddress.getByName("fc00:2::1"))
                .ports(40001, 5000).payloadLength(6000).seed(1).mtu(1280).build();
        TrafficGenerator v4 = TrafficGenerator.builder()
                .addresses(InetAddress.getByName("10.200.1.1"), InetAddress.getByName("10.200.1.2"))
                .ports(40002, 5001).payloadLength(5000).seed(2).mtu(1280).build();
        TrafficGenerator esp = TrafficGenerator.builder()
                .addresses(InetAddress.getByName("fc00:1::1"), InetAddress.getByName("fc00:2::1"))
                .ports(40003, 5002).payloadLength(7000).seed(3).mtu(1280).sa(XfrmStateParser.parse(SA)).build();
        for (TrafficGenerator g : List.of(v6, v4, esp, v6)) {
            g.next(f -> {
                out.add(TestPackets.bytes(f));
                f.release();
            });
        }
        return out;
    }

    private static ReceivePath path(CoalescePolicy policy) {
        return ReceivePath.builder().policy(policy).sas(SaDatabase.of(SA)).build();
    }

    private static List<Delivery> embedded(CoalescePolicy policy, List<byte[]> fragments) {
        Collect collect = new Collect();
        EmbeddedChannel ch = path(policy).newEmbeddedChannel(collect);
        for (byte[] f : fragments) {
            ch.writeInbound(Unpooled.wrappedBuffer(f.clone())); // ESP decrypts in place: the array is the pipeline's
        }
        ch.finishAndReleaseAll();
        return collect.got;
    }

    private static List<Delivery> replay(CoalescePolicy policy, List<byte[]> fragments) throws Exception {
        ByteArrayOutputStream pcap = new ByteArrayOutputStream();
        try (PcapWriter w = PcapWriter.open(pcap, 101, PcapWriter.Precision.MICROS)) { // LINKTYPE_RAW
            long t = 1_000_000_000L;
            for (byte[] f : fragments) {
                w.write(t += 1000, Unpooled.wrappedBuffer(f));
            }
        }
        List<Delivery> got = new ArrayList<>();
        try (CaptureReplay replay = CaptureReplay.of(path(policy))) {
            replay.replay(new ByteArrayInputStream(pcap.toByteArray()), (frame, message) -> {
                try {
                    if (message instanceof DatagramPacket) {
                        got.add(delivery((DatagramPacket) message));
                    }
                } finally {
                    io.netty.util.ReferenceCountUtil.release(message);
                }
            });
        }
        return got;
    }

    private static List<Delivery> ingress(CoalescePolicy policy, List<byte[]> fragments) throws Exception {
        Collect collect = new Collect();
        try (NetfragIngress ingress = NetfragIngress.builder().bind(new InetSocketAddress("127.0.0.1", 0))
                .receivePath(path(policy)).ring(64, 2048).receiveBufferBytes(1 << 20)
                .userHandlers(() -> new ChannelHandler[] {collect}).start();
                DatagramSocket socket = new DatagramSocket()) {
            LoopbackBooks books = new LoopbackBooks();
            for (byte[] f : fragments) {
                socket.send(new java.net.DatagramPacket(f, f.length, ingress.localAddress()));
            }
            books.settle(fragments.size(), 1, () -> ingress.stats().get(MibCounter.IN_RECEIVES),
                    () -> collect.got.size());
            // a few dozen kilobytes into a socket buffer of hundreds: the kernel has no reason to drop one
            assertEquals(fragments.size(), ingress.stats().get(MibCounter.IN_RECEIVES), books.describe(
                    fragments.size(), ingress.stats().get(MibCounter.IN_RECEIVES), collect.got.size()));
        }
        return collect.got;
    }

    @ParameterizedTest
    @EnumSource(CoalescePolicy.class)
    void everyEntryPointDeliversTheSameDatagramsInTheSameShape(CoalescePolicy policy) throws Exception {
        List<byte[]> fragments = fragments();
        List<Delivery> embedded = embedded(policy, fragments);
        assertEquals(4, embedded.size(), embedded.toString());
        assertEquals(embedded, replay(policy, fragments), "replay differs from the EmbeddedChannel");
        List<Delivery> ingress = ingress(policy, fragments);
        if (policy == CoalescePolicy.ADAPTIVE) {
            // ADAPTIVE copies a fragment whose buffer pins more than twice what it carries: shapes may differ
            assertEquals(payloads(embedded), payloads(ingress), "the ingress delivers other datagrams");
        } else {
            assertEquals(embedded, ingress, "the ingress differs from the EmbeddedChannel");
        }
        String expected = policy == CoalescePolicy.COPY ? "contiguous" : "chain";
        if (policy != CoalescePolicy.ADAPTIVE) {
            for (Delivery d : embedded) {
                assertEquals(expected, d.shape(), policy + " " + d.sender());
            }
        }
    }

    private static List<String> payloads(List<Delivery> deliveries) {
        return deliveries.stream().map(d -> d.sender() + ">" + d.recipient() + ":" + d.payload()).toList();
    }
}
