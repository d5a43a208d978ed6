package io.netfrag.examples;

import io.netfrag.esp.SecurityAssociation;
import io.netfrag.esp.XfrmStateParser;
import io.netfrag.testkit.Impairments;
import io.netfrag.testkit.Payloads;
import io.netfrag.testkit.TrafficGenerator;
import io.netfrag.testkit.UdpDatagrams;
import io.netty.buffer.ByteBuf;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/** Sender options of {@code stream}: what datagrams to make, how to protect, fragment and impair them. */
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
            description = "UDP message size, " + Payloads.HEADER_LENGTH + " to " + UdpDatagrams.MAX_IPV4_PAYLOAD
                    + " (IPv4) or " + UdpDatagrams.MAX_IPV6_PAYLOAD + " (IPv6), less ESP's overhead (default "
                    + "${DEFAULT-VALUE}).")
    int messageSize;

    @Option(names = "--mtu", defaultValue = "1500", description = "Fragment at this MTU: " + Cli.MIN_MTU_IPV6
            + " (IPv6) or " + Cli.MIN_MTU_IPV4 + " (IPv4) to " + Cli.MAX_MTU + " (default ${DEFAULT-VALUE}).")
    int mtu;

    @Option(names = "--sa", paramLabel = "XFRM", description = "ESP-protect with this 'ip xfrm state' SA.")
    String sa;

    @Option(names = "--loss", paramLabel = "P", defaultValue = "0", description = "Drop each fragment with "
            + "probability P, 0 to 1.")
    double loss;

    @Option(names = "--reorder", paramLabel = "P", defaultValue = "0", description = "Reorder with probability P, "
            + "0 to 1.")
    double reorder;

    @Option(names = "--dup", paramLabel = "P", defaultValue = "0", description = "Duplicate fragments with "
            + "probability P, 0 to 1.")
    double dup;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of payloads and impairments.")
    long seed;

    @Option(names = "--gso", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Send each run of equal-sized fragments as one UDP GSO message where the kernel supports "
                    + "it (default on; the receiver still gets one datagram per fragment).")
    boolean gso;

    private SecurityAssociation parsedSa;

    boolean ipv4() {
        return family.ipv4;
    }

    /**
     * Checks every option, then makes one datagram as the run would (protected and fragmented) and throws it away,
     * so a message that ESP makes too long or an MTU the fragmenter cannot use is refused here, not on the event
     * loop.
     */
    void validate(CommandSpec spec) {
        Cli.probability(spec, "--loss", loss);
        Cli.probability(spec, "--reorder", reorder);
        Cli.probability(spec, "--dup", dup);
        if (sa != null) {
            try {
                parsedSa = XfrmStateParser.parse(sa);
            } catch (IllegalArgumentException e) {
                throw Cli.combination(spec, "--sa: " + e.getMessage());
            }
            if (parsedSa.mode() == SecurityAssociation.Mode.TRANSPORT && parsedSa.source() != null
                    && (family.ipv4 || family.ipv6) && parsedSa.destination() instanceof Inet4Address != family.ipv4) {
                throw Cli.combination(spec, (family.ipv4 ? "-4" : "-6") + " does not match the transport-mode SA of "
                        + "--sa, whose addresses are IPv" + (parsedSa.destination() instanceof Inet4Address ? 4 : 6));
            }
        }
        boolean v6 = !innerIpv4();
        int maxMessage = v6 ? UdpDatagrams.MAX_IPV6_PAYLOAD : UdpDatagrams.MAX_IPV4_PAYLOAD;
        Cli.range(spec, "-m", messageSize, Payloads.HEADER_LENGTH, maxMessage, Payloads.HEADER_LENGTH + " to "
                + maxMessage + " bytes over IPv" + (v6 ? 6 : 4) + " (the stream's own header needs "
                + Payloads.HEADER_LENGTH + ")");
        boolean wireV6 = parsedSa != null && parsedSa.mode() == SecurityAssociation.Mode.TUNNEL
                ? !(parsedSa.destination() instanceof Inet4Address) : v6;
        int minMtu = wireV6 ? Cli.MIN_MTU_IPV6 : Cli.MIN_MTU_IPV4;
        Cli.range(spec, "--mtu", mtu, minMtu, Cli.MAX_MTU, minMtu + " to " + Cli.MAX_MTU + " for IPv" + (wireV6 ? 6 : 4)
                + (wireV6 ? " (RFC 8200 §5: the minimum link MTU)" : " (RFC 791: the minimum MTU)"));
        TrafficGenerator probe;
        try {
            probe = generator();
        } catch (IllegalArgumentException e) {
            throw Cli.combination(spec, "the options do not make a stream: " + e.getMessage());
        }
        try {
            probe.next(ByteBuf::release);
        } catch (IllegalArgumentException e) {
            throw Cli.invalid(spec, "-m", messageSize, "a size that fits the packet with this SA: " + e.getMessage());
        }
    }

    /** Whether the datagrams themselves (inside ESP's tunnel, if any) are IPv4. */
    private boolean innerIpv4() {
        if (parsedSa != null && parsedSa.mode() == SecurityAssociation.Mode.TRANSPORT && parsedSa.source() != null) {
            return parsedSa.destination() instanceof Inet4Address;
        }
        return family.ipv4;
    }

    /** A generator of the stream these options describe (after {@link #validate}). */
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
