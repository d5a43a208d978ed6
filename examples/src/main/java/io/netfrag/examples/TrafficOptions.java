package io.netfrag.examples;

import io.netfrag.esp.SecurityAssociation;
import io.netfrag.esp.XfrmStateParser;
import io.netfrag.testkit.Impairments;
import io.netfrag.testkit.TrafficGenerator;
import java.net.InetAddress;
import java.net.UnknownHostException;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Option;

/** Sender options shared by {@code stream} and {@code demo}. */
final class TrafficOptions {
    static final class Family {
        @Option(names = "-6", description = "IPv6 datagrams (default).")
        boolean ipv6;

        @Option(names = "-4", description = "IPv4 datagrams.")
        boolean ipv4;
    }

    @ArgGroup(exclusive = true, multiplicity = "0..1")
    Family family = new Family();

    @Option(names = "-m", paramLabel = "BYTES", defaultValue = "65000",
            description = "UDP message size (default ${DEFAULT-VALUE}).")
    int messageSize;

    @Option(names = "--mtu", defaultValue = "1500", description = "Fragment at this MTU (default ${DEFAULT-VALUE}).")
    int mtu;

    @Option(names = "--sa", paramLabel = "XFRM", description = "ESP-protect with this 'ip xfrm state' SA.")
    String sa;

    @Option(names = "--loss", paramLabel = "P", defaultValue = "0", description = "Drop each fragment with "
            + "probability P.")
    double loss;

    @Option(names = "--reorder", paramLabel = "P", defaultValue = "0", description = "Reorder with probability P.")
    double reorder;

    @Option(names = "--dup", paramLabel = "P", defaultValue = "0", description = "Duplicate fragments with "
            + "probability P.")
    double dup;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of payloads and impairments.")
    long seed;

    @Option(names = "--gso", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Send each run of equal-sized fragments as one UDP GSO message where the kernel supports "
                    + "it (default on; the receiver still gets one datagram per fragment).")
    boolean gso;

    boolean ipv4() {
        return family.ipv4;
    }

    TrafficGenerator generator() {
        SecurityAssociation s = sa == null ? null : XfrmStateParser.parse(sa);
        InetAddress src;
        InetAddress dst;
        try {
            if (s != null && s.mode() == SecurityAssociation.Mode.TRANSPORT && s.source() != null) {
                src = s.source();
                dst = s.destination();
            } else {
                src = InetAddress.getByName(ipv4() ? "10.200.1.1" : "fc00:1::1");
                dst = InetAddress.getByName(ipv4() ? "10.200.1.2" : "fc00:2::1");
            }
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
        TrafficGenerator.Builder b = TrafficGenerator.builder().addresses(src, dst).ports(40001, 5000)
                .payloadLength(messageSize).seed(seed).mtu(mtu)
                .impairments(Impairments.builder().seed(seed).loss(loss).reorder(reorder).duplicate(dup).build());
        if (s != null) {
            b.sa(s);
        }
        return b.build();
    }
}
