package io.netfrag.examples;

import io.netfrag.ReceivePath;
import io.netfrag.channel.TunDevice;
import io.netfrag.esp.SaDatabase;
import io.netfrag.reassembly.CoalescePolicy;
import io.netfrag.stats.CounterSnapshot;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.NetUtil;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code tun}: opens (creating if needed) a TUN device and runs the netfrag receive path on the packets the kernel
 * routes into it, read on Netty's epoll event loop. The user brings the device up and routes to it with {@code ip};
 * the command prints a counters line every {@code -D} seconds, or with {@code --print} every delivered datagram as a
 * JSON line (the fields of {@code replay}, with a sequence number instead of a frame number), and a final report.
 */
@Command(name = "tun", mixinStandardHelpOptions = true,
        description = {"Receive IP packets from a TUN device through the netfrag receive path (epoll; needs "
                + "CAP_NET_ADMIN unless the device is persistent and yours).",
            "Then, e.g.: ip link set nf0 mtu 1280 up; ip addr add fd00:99::1/64 dev nf0 nodad; and send UDP to "
                + "fd00:99::2."})
final class TunCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--name", defaultValue = "nf0",
            description = "TUN device name, at most 15 bytes, e.g. nf%%d (default ${DEFAULT-VALUE}).")
    String name;

    @Option(names = "--policy", description = "Coalesce policy: ${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE}).",
            defaultValue = "ADAPTIVE")
    CoalescePolicy policy;

    @Option(names = "--sa", paramLabel = "XFRM", description = "An ESP SA as an 'ip xfrm state add ...' line; "
            + "repeatable.")
    List<String> sas = new ArrayList<>();

    @Option(names = "--sa-file", paramLabel = "FILE",
            description = "A file of 'ip xfrm state add' lines, or what 'ip [-s] xfrm state' prints on a gateway.")
    List<Path> saFiles = new ArrayList<>();

    @Option(names = "--queues", defaultValue = "1",
            description = "Device queues (IFF_MULTI_QUEUE when more than 1), one event loop each (default "
                    + "${DEFAULT-VALUE}).")
    int queues;

    @Option(names = "--packet-size", paramLabel = "BYTES", defaultValue = "2048",
            description = "Bytes per receive buffer, at least the device MTU (default ${DEFAULT-VALUE}).")
    int packetSize;

    @Option(names = "--ring", paramLabel = "SLOTS", defaultValue = "0",
            description = "Bounded receive ring of SLOTS buffers of --packet-size bytes per queue; 0 for none "
                    + "(default ${DEFAULT-VALUE}).")
    int ringSlots;

    @Option(names = "--print", description = "Print every delivered datagram as a JSON line.")
    boolean print;

    @Option(names = "-D", paramLabel = "SECONDS", defaultValue = "1",
            description = "Counters interval, 0 for none (default ${DEFAULT-VALUE}).")
    double interval;

    @Option(names = "-l", paramLabel = "SECONDS", defaultValue = "0",
            description = "Run for this long, 0 = until interrupted.")
    double length;

    @Mixin
    CipherProviderOption cipher = new CipherProviderOption();

    @Mixin
    Verbosity verbosity = new Verbosity();

    private final AtomicLong datagrams = new AtomicLong();
    private final AtomicLong bytes = new AtomicLong();

    @Override
    public Integer call() throws Exception {
        validate();
        cipher.install();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        SaDatabase db = Cli.sas(spec, sas, saFiles);
        TunDevice.Builder builder = TunDevice.builder(name)
                .receivePath(ReceivePath.builder().policy(policy).sas(db).build()).queues(queues)
                .maxPacketBytes(packetSize).userHandlers(() -> new ChannelHandler[] {new Sink(out)});
        if (ringSlots > 0) {
            builder.ring(ringSlots, packetSize);
        }
        TunDevice tun;
        try {
            tun = builder.open();
        } catch (IOException | UnsupportedOperationException e) {
            err.println("netfrag tun: " + e.getMessage());
            err.flush();
            return 1;
        }
        // with --print, stdout carries only the JSON lines
        PrintWriter log = print ? err : out;
        try (tun) {
            int saCount = db.all().size();
            log.printf("netfrag tun on %s (epoll, %d queue(s)), policy %s, %d SA(s)%s, %s%n", tun.name(), queues,
                    policy, saCount, saCount == 0 ? "" : " (AES-GCM by " + CipherProviderOption.aesGcmProvider() + ")",
                    ringSlots > 0 ? "ring " + ringSlots + " x " + packetSize + " B"
                            : packetSize + "-byte receive buffers");
            log.flush();
            long start = System.nanoTime();
            long end = length > 0 ? start + (long) (length * 1e9) : Long.MAX_VALUE;
            long step = interval > 0 ? (long) (interval * 1e9) : Long.MAX_VALUE;
            long next = start + step;
            while (System.nanoTime() < end) {
                Thread.sleep(50);
                if (System.nanoTime() >= next) {
                    next += step;
                    log.println(interim(tun, System.nanoTime() - start));
                    log.flush();
                }
            }
            log.println("final: " + interim(tun, System.nanoTime() - start));
            log.println("counters: " + json(tun.stats()));
            log.flush();
        }
        return 0;
    }

    /** Checks every option before the device is opened. */
    void validate() {
        int nameBytes = name.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        if (nameBytes == 0 || nameBytes > 15 || name.contains("/") || name.isBlank()) {
            throw Cli.invalid(spec, "--name", "'" + name + "'", "1 to 15 bytes without '/' (IFNAMSIZ), e.g. nf0");
        }
        // Linux allows 256 queues per device (MAX_TAP_QUEUES); each is an event loop here
        int maxQueues = Math.min(256, Cli.maxChannels());
        Cli.range(spec, "--queues", queues, 1, maxQueues, "1 to " + maxQueues + ": one event loop thread each, at "
                + "most four per core");
        Cli.range(spec, "--packet-size", packetSize, Cli.MIN_SLOT_BYTES, IngressOptions.MAX_DATAGRAM_BUFFER,
                Cli.MIN_SLOT_BYTES + " to " + IngressOptions.MAX_DATAGRAM_BUFFER + " bytes, at least the device MTU");
        Cli.range(spec, "--ring", ringSlots, 0, Cli.MAX_RING_SLOTS, "0 for no ring, or 1 to " + Cli.MAX_RING_SLOTS
                + " slots");
        Cli.ringMemory(spec, queues, ringSlots, packetSize);
        Cli.secondsOrZero(spec, "-D", interval, "no counters lines");
        Cli.secondsOrZero(spec, "-l", length, "until interrupted");
        cipher.validate(spec);
    }

    private String interim(TunDevice tun, long elapsedNanos) {
        CounterSnapshot stats = tun.stats();
        long pinned = 0;
        long peak = 0;
        for (var h : tun.handlerSets()) {
            pinned += h.pinnedBytes();
            peak += h.peakPinnedBytes();
        }
        return String.format("%7.1fs %10d datagrams %8.3f Gbps  drops %d  truncated %d  ring exhaustions %d  "
                + "pinned %d B  peak pinned %d B", elapsedNanos / 1e9, datagrams.get(),
                elapsedNanos == 0 ? 0 : bytes.get() * 8.0 / elapsedNanos, Receiver.drops(stats.toMap()),
                tun.truncatedPackets(), tun.ringExhaustions(), pinned, peak);
    }

    private static String json(CounterSnapshot stats) {
        StringBuilder sb = new StringBuilder("{");
        for (Map.Entry<String, Long> e : stats.toMap().entrySet()) {
            sb.append(sb.length() == 1 ? "" : ",").append('"').append(e.getKey()).append("\":").append(e.getValue());
        }
        return sb.append('}').toString();
    }

    static String jsonLine(long seq, DatagramPacket d) {
        return "{\"seq\":" + seq + ",\"src\":\"" + NetUtil.toAddressString(d.sender().getAddress())
                + "\",\"dst\":\"" + NetUtil.toAddressString(d.recipient().getAddress()) + "\",\"sport\":"
                + d.sender().getPort() + ",\"dport\":" + d.recipient().getPort() + ",\"length\":"
                + d.content().readableBytes() + ",\"sha256\":\"" + ReplayCommand.sha256(d.content()) + "\"}";
    }

    /** Counts delivered datagrams (printing them with {@code --print}); releases everything, non-UDP packets too. */
    private final class Sink extends ChannelInboundHandlerAdapter {
        private final PrintWriter out;

        Sink(PrintWriter out) {
            this.out = out;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (msg instanceof DatagramPacket) {
                    DatagramPacket d = (DatagramPacket) msg;
                    long seq = datagrams.incrementAndGet();
                    bytes.addAndGet(d.content().readableBytes());
                    if (print) {
                        out.println(jsonLine(seq, d));
                        out.flush();
                    }
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }
    }
}
