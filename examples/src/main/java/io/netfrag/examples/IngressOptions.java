package io.netfrag.examples;

import io.netfrag.ReceivePath;
import io.netfrag.channel.NetfragIngress;
import io.netfrag.esp.SaDatabase;
import io.netfrag.reassembly.CoalescePolicy;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.uring.IoUring;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/**
 * Receiver options of {@code server}. {@link #validate(CommandSpec)} checks them all, and how they combine, before
 * anything is bound; {@link #builder(InetSocketAddress, SaDatabase)} then configures the ingress exactly as the
 * banner ({@link #describe()}) says.
 */
final class IngressOptions {
    /** Receive buffer of one datagram without a ring's own size: what a NIC ring slot of 2 KiB holds. */
    static final int DEFAULT_SLOT_BYTES = 2048;
    /** recvmmsg reads this many datagrams into one slot when the slot size is not given. */
    static final int DATAGRAMS_PER_BATCH = 16;
    /** The largest receive buffer one UDP datagram (or one GRO aggregate) needs. */
    static final int MAX_DATAGRAM_BUFFER = NetfragIngress.GRO_BUFFER_SIZE;

    @Option(names = "--policy", description = "Coalesce policy: ${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE}).",
            defaultValue = "ADAPTIVE")
    CoalescePolicy policy;

    @Option(names = "--ring", paramLabel = "SLOTS", defaultValue = "512",
            description = "Bounded receive ring of SLOTS buffers per channel, 0 for none (Netty's allocator); "
                    + "1 to " + Cli.MAX_RING_SLOTS + " (default ${DEFAULT-VALUE}).")
    int ringSlots;

    @Option(names = "--slot-size", paramLabel = "BYTES",
            description = "Bytes per ring buffer, " + Cli.MIN_SLOT_BYTES + " to " + Cli.MAX_SLOT_BYTES + " (default "
                    + DEFAULT_SLOT_BYTES + "; with --gro " + MAX_DATAGRAM_BUFFER + "; with --batch B, "
                    + DATAGRAMS_PER_BATCH + " x B). Needs a ring.")
    Integer slotSize;

    @Option(names = "--batch", paramLabel = "BYTES", defaultValue = "0",
            description = "recvmmsg batching: read several datagrams of up to BYTES each per system call, "
                    + Cli.MIN_SLOT_BYTES + " to " + MAX_DATAGRAM_BUFFER + " (with --gro: " + MAX_DATAGRAM_BUFFER
                    + "); 0 = off (default). epoll or io_uring.")
    int batch;

    @Option(names = "--gro", description = "UDP_GRO: one read per GSO message of the sender (ring buffers then hold "
            + "at least 64 KiB). epoll only.")
    boolean gro;

    @Option(names = "--rcvbuf", paramLabel = "BYTES", defaultValue = "4194304",
            description = "SO_RCVBUF to ask for, 1024 to 1073741824, or 0 for the system default (default "
                    + "${DEFAULT-VALUE}); the kernel caps it at net.core.rmem_max and the banner says what it granted.")
    int rcvbuf;

    @Option(names = "--channels", defaultValue = "1",
            description = "SO_REUSEPORT channels, one event loop each, 1 to 4 per core (default ${DEFAULT-VALUE}); "
                    + "packets are steered to them by the inner packet, so one tunnel spreads. epoll or io_uring.")
    int channels;

    @Option(names = "--transport", paramLabel = "NAME", defaultValue = "auto",
            converter = Cli.TransportConverter.class,
            description = "Event-loop transport: auto (epoll where available, else nio), epoll, io_uring or nio "
                    + "(default ${DEFAULT-VALUE}).")
    NetfragIngress.Transport transport;

    @Option(names = "--sa", paramLabel = "XFRM", description = "An ESP SA as an 'ip xfrm state add ...' line; "
            + "repeatable.")
    List<String> sas = new ArrayList<>();

    @Option(names = "--sa-file", paramLabel = "FILE",
            description = "A file of 'ip xfrm state add' lines, or what 'ip [-s] xfrm state' prints on a gateway.")
    List<Path> saFiles = new ArrayList<>();

    @Mixin
    CipherProviderOption cipher = new CipherProviderOption();

    /** Checks every option and combination; throws a one-line {@link picocli.CommandLine.ParameterException}. */
    void validate(CommandSpec spec) {
        cipher.validate(spec);
        Cli.range(spec, "--ring", ringSlots, 0, Cli.MAX_RING_SLOTS,
                "0 for no ring, or 1 to " + Cli.MAX_RING_SLOTS + " slots");
        if (batch != 0) {
            Cli.range(spec, "--batch", batch, Cli.MIN_SLOT_BYTES, MAX_DATAGRAM_BUFFER, "0 for no batching, or "
                    + Cli.MIN_SLOT_BYTES + " to " + MAX_DATAGRAM_BUFFER + " bytes per datagram");
        }
        if (rcvbuf != 0) {
            Cli.range(spec, "--rcvbuf", rcvbuf, 1024, 1 << 30, "0 for the system default, or 1024 to 1073741824 bytes");
        }
        Cli.channels(spec, "--channels", channels);
        if (transport == NetfragIngress.Transport.IO_URING && gro) {
            throw Cli.combination(spec, "--gro needs the epoll transport: Netty's io_uring datagram channel has no "
                    + "UDP_GRO");
        }
        if (transport == NetfragIngress.Transport.IO_URING && !IoUring.isAvailable()) {
            throw Cli.invalid(spec, "--transport", "io_uring", "epoll or nio here: io_uring is unavailable ("
                    + IoUring.unavailabilityCause() + ")");
        }
        boolean nativeTransport = transport == NetfragIngress.Transport.IO_URING
                || transport != NetfragIngress.Transport.NIO && Epoll.isAvailable();
        if (!nativeTransport && (gro || batch > 0 || channels > 1)) {
            throw Cli.combination(spec, (gro ? "--gro" : batch > 0 ? "--batch" : "--channels") + " needs a native "
                    + "transport (epoll or io_uring), " + (transport == NetfragIngress.Transport.NIO
                    ? "not --transport nio" : "and epoll is unavailable here: " + Epoll.unavailabilityCause()));
        }
        if (gro && batch > 0 && batch != MAX_DATAGRAM_BUFFER) {
            throw Cli.invalid(spec, "--batch", batch, "with --gro only " + MAX_DATAGRAM_BUFFER
                    + ": a GRO read aggregates up to 64 KiB, a smaller buffer would cut it");
        }
        if (slotSize != null) {
            if (ringSlots == 0) {
                throw Cli.combination(spec, "--slot-size sizes the ring's buffers, but --ring 0 has no ring");
            }
            Cli.range(spec, "--slot-size", slotSize, Cli.MIN_SLOT_BYTES, Cli.MAX_SLOT_BYTES,
                    Cli.MIN_SLOT_BYTES + " to " + Cli.MAX_SLOT_BYTES + " bytes");
            if (batch > 0 && slotSize < 2 * batch) {
                throw Cli.invalid(spec, "--slot-size", slotSize, "with --batch " + batch + ", at least " + 2 * batch
                        + " bytes: recvmmsg fills a slot with datagrams of up to " + batch + " bytes each");
            }
            if (gro && slotSize < MAX_DATAGRAM_BUFFER) {
                throw Cli.invalid(spec, "--slot-size", slotSize, "with --gro, at least " + MAX_DATAGRAM_BUFFER
                        + " bytes: a GRO read aggregates up to 64 KiB, a smaller buffer would cut it");
            }
        }
        if (ringSlots > 0) {
            Cli.ringMemory(spec, channels, ringSlots, slotBytes());
        }
    }

    /** Bytes per ring slot, as given or by default. */
    int slotBytes() {
        if (slotSize != null) {
            return slotSize;
        }
        if (batch > 0) {
            return DATAGRAMS_PER_BATCH * batch;
        }
        return gro ? MAX_DATAGRAM_BUFFER : DEFAULT_SLOT_BYTES;
    }

    /** The ingress these options describe, with the SAs given. */
    NetfragIngress.Builder builder(InetSocketAddress bind, SaDatabase sas) {
        NetfragIngress.Builder b = NetfragIngress.builder().bind(bind)
                .receivePath(ReceivePath.builder().policy(policy).sas(sas).build()).receiveBufferBytes(rcvbuf)
                .channels(channels).maxDatagramPayloadSize(batch).udpGro(gro).transport(transport);
        if (ringSlots > 0) {
            b.ring(ringSlots, slotBytes());
        }
        return b;
    }

    /** The receive configuration in words, for the banner. */
    String describe() {
        StringBuilder sb = new StringBuilder("policy ").append(policy).append(", ");
        sb.append(ringSlots > 0 ? "ring " + ringSlots + " x " + slotBytes() + " B"
                : "no ring (Netty's allocator)");
        if (batch > 0) {
            sb.append(", recvmmsg ").append(batch).append(" B per datagram");
        }
        if (gro) {
            sb.append(", UDP_GRO");
        }
        sb.append(", ").append(channels).append(channels == 1 ? " channel" : " channels");
        if (!sas.isEmpty() || !saFiles.isEmpty()) {
            sb.append(", AES-GCM by ").append(CipherProviderOption.aesGcmProvider());
        }
        return sb.toString();
    }
}
