package io.netfrag.perf;

import io.netfrag.channel.NetfragIngress;
import io.netfrag.examples.Cli;
import io.netfrag.examples.Main;
import io.netfrag.testkit.TrafficGenerator;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * What the inner-packet steering program costs per packet: the sending thread's CPU time per packet sent over
 * loopback to a reuseport group of {@code --channels} sockets, with the program attached and without it, alternated.
 * On loopback the kernel's whole receive path up to the socket (including the reuseport selection and the program) runs
 * in the sending thread's system call, so the difference is the program's cost. The receiving channels do not read:
 * their buffers fill and the kernel drops after the selection, so the receive side costs nothing and does not vary.
 */
@Command(name = "steering-cost", mixinStandardHelpOptions = true, sortOptions = false,
        description = "The steering program's per-packet cost: sender CPU per packet with and without it.")
public final class SteeringCostCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--packets", defaultValue = "400000",
            description = "Packets per measurement (default ${DEFAULT-VALUE}).")
    int packets;

    @Option(names = "--rounds", defaultValue = "5",
            description = "Alternations of on and off (default ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--channels", defaultValue = "2",
            description = "Sockets in the reuseport group, 2 to 64 (default ${DEFAULT-VALUE}).")
    int channels;

    /** Entry point: {@code java -cp perf/target/benchmarks.jar io.netfrag.perf.SteeringCostCommand [options]}. */
    public static void main(String[] args) {
        System.exit(Main.commandLine(new SteeringCostCommand()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        Cli.range(spec, "--packets", packets, 1000, 100_000_000, "1000 to 100000000");
        Cli.range(spec, "--rounds", rounds, 1, 100, "1 to 100");
        Cli.range(spec, "--channels", channels, 2, 64, "2 to 64 sockets");
        PrintWriter out = spec.commandLine().getOut();
        List<ByteBuffer> fragments = fragments();
        double[] on = new double[rounds];
        double[] off = new double[rounds];
        measure(false, fragments, Math.min(packets, 100_000)); // warm-up of both paths
        if (Double.isNaN(measure(true, fragments, Math.min(packets, 100_000)))) {
            spec.commandLine().getErr().println("steering-cost: the steering program cannot be attached here (see the"
                    + " log line above): nothing to measure");
            return 1;
        }
        for (int r = 0; r < rounds; r++) {
            off[r] = measure(false, fragments, packets);
            on[r] = measure(true, fragments, packets);
            out.printf(Locale.ROOT, "round %d: off %.1f ns/packet, on %.1f ns/packet%n", r + 1, off[r], on[r]);
            out.flush();
        }
        double[] paired = new double[rounds]; // on minus off of the same round: the machine's drift cancels
        for (int r = 0; r < rounds; r++) {
            paired[r] = on[r] - off[r];
        }
        Arrays.sort(on);
        Arrays.sort(off);
        Arrays.sort(paired);
        out.printf(Locale.ROOT, "median of %d rounds x %d packets (%d sockets, IPv6 fragments of 1448 B): "
                + "off %.1f ns/packet, on %.1f ns/packet; the program (on - off, paired by round): median %.1f "
                + "ns/packet, rounds from %.1f to %.1f%n", rounds, packets, channels, off[rounds / 2], on[rounds / 2],
                paired[rounds / 2], paired[0], paired[rounds - 1]);
        return 0;
    }

    /** The fragments of a few 60000-byte IPv6 datagrams, as the steering program sees them. */
    private static List<ByteBuffer> fragments() throws Exception {
        TrafficGenerator g = TrafficGenerator.builder()
                .addresses(InetAddress.getByName("fc00:1::1"), InetAddress.getByName("fc00:2::1"))
                .payloadLength(60000).mtu(1500).build();
        List<ByteBuffer> out = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            g.next((ByteBuf f) -> {
                byte[] b = new byte[f.readableBytes()];
                f.readBytes(b);
                f.release();
                out.add(ByteBuffer.wrap(b));
            });
        }
        return out;
    }

    /** Sender CPU nanoseconds per packet into a fresh, non-reading reuseport group. */
    private double measure(boolean steering, List<ByteBuffer> fragments, int count) throws Exception {
        try (NetfragIngress ingress = NetfragIngress.builder().bind(new InetSocketAddress("::1", 0))
                .transport(NetfragIngress.Transport.EPOLL).channels(channels).innerPacketSteering(steering)
                .receiveBufferBytes(1 << 20).start();
                DatagramChannel sender = DatagramChannel.open()) {
            if (ingress.innerPacketSteering() != steering) {
                return Double.NaN; // the program could not be attached here: call() says so
            }
            for (Channel c : ingress.channels()) {
                c.config().setAutoRead(false);
            }
            sender.connect(ingress.localAddress());
            ThreadMXBean threads = ManagementFactory.getThreadMXBean();
            long start = threads.getCurrentThreadCpuTime();
            for (int i = 0; i < count; i++) {
                ByteBuffer b = fragments.get(i % fragments.size());
                b.clear();
                sender.write(b);
            }
            return (threads.getCurrentThreadCpuTime() - start) / (double) count;
        }
    }
}
