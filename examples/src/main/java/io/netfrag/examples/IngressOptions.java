package io.netfrag.examples;

import io.netfrag.channel.NetfragIngress;
import io.netfrag.esp.SaDatabase;
import io.netfrag.reassembly.CoalescePolicy;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** Receiver options shared by {@code server} and {@code demo}. */
final class IngressOptions {
    @Option(names = "--policy", description = "Coalesce policy: ${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE}).",
            defaultValue = "ADAPTIVE")
    CoalescePolicy policy;

    @Option(names = "--ring", paramLabel = "SLOTS", defaultValue = "512",
            description = "Bounded receive ring: number of receive buffers, 0 for Netty's unbounded default "
                    + "(default ${DEFAULT-VALUE}).")
    int ringSlots;

    @Option(names = "--slot-size", paramLabel = "BYTES", defaultValue = "2048",
            description = "Bytes per receive buffer (default ${DEFAULT-VALUE}).")
    int slotSize;

    @Option(names = "--batch", paramLabel = "BYTES", defaultValue = "0",
            description = "recvmmsg batching with datagrams up to BYTES (epoll; slots then hold several; default off).")
    int batch;

    @Option(names = "--gro", description = "UDP_GRO: one read per GSO message of the sender (ring slots then hold "
            + "at least 64 KiB).")
    boolean gro;

    @Option(names = "--rcvbuf", paramLabel = "BYTES", defaultValue = "4194304",
            description = "SO_RCVBUF (default ${DEFAULT-VALUE}).")
    int rcvbuf;

    @Option(names = "--channels", defaultValue = "1", description = "SO_REUSEPORT channels, one event loop each.")
    int channels;

    @Option(names = "--sa", paramLabel = "XFRM", description = "An ESP SA as an 'ip xfrm state add ...' line; "
            + "repeatable.")
    List<String> sas = new ArrayList<>();

    @Option(names = "--sa-file", paramLabel = "FILE", description = "A file of 'ip xfrm state' lines.")
    List<Path> saFiles = new ArrayList<>();

    SaDatabase database() {
        SaDatabase db = SaDatabase.of(sas.toArray(new String[0]));
        for (Path f : saFiles) {
            db.addAll(SaDatabase.fromFile(f).all());
        }
        return db;
    }

    NetfragIngress.Builder builder(InetSocketAddress bind) {
        NetfragIngress.Builder b = NetfragIngress.builder().bind(bind).policy(policy).receiveBufferBytes(rcvbuf)
                .channels(channels).sas(database()).maxDatagramPayloadSize(gro && batch > 0
                        ? Math.max(batch, NetfragIngress.GRO_BUFFER_SIZE) : batch).udpGro(gro);
        if (ringSlots > 0) {
            int slot = batch > 0 ? Math.max(slotSize, batch * 16) : slotSize;
            b.ring(ringSlots, gro ? Math.max(slot, NetfragIngress.GRO_BUFFER_SIZE) : slot);
        }
        return b;
    }
}
