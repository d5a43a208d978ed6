package io.netfrag.channel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;

/**
 * The kernel's UDP receive-buffer drop counters ({@code RcvbufErrors} in {@code /proc/net/snmp} and
 * {@code Udp6RcvbufErrors} in {@code /proc/net/snmp6}): datagrams the kernel dropped because a socket's buffer was
 * full, as when a starved receive ring paused reading. System-wide, so report deltas over a run. Zero where the files
 * do not exist (not Linux).
 */
public final class KernelUdpStats {
    private final long udpRcvbufErrors;
    private final long udp6RcvbufErrors;

    private KernelUdpStats(long v4, long v6) {
        this.udpRcvbufErrors = v4;
        this.udp6RcvbufErrors = v6;
    }

    /** Reads the counters now. */
    public static KernelUdpStats read() {
        return new KernelUdpStats(snmp(Paths.get("/proc/net/snmp")), snmp6(Paths.get("/proc/net/snmp6")));
    }

    /** IPv4 UDP RcvbufErrors. */
    public long udpRcvbufErrors() {
        return udpRcvbufErrors;
    }

    /** IPv6 UDP RcvbufErrors. */
    public long udp6RcvbufErrors() {
        return udp6RcvbufErrors;
    }

    /** Both families. */
    public long rcvbufErrors() {
        return udpRcvbufErrors + udp6RcvbufErrors;
    }

    /** Drops since {@code earlier}. */
    public long since(KernelUdpStats earlier) {
        return rcvbufErrors() - earlier.rcvbufErrors();
    }

    /** /proc/net/snmp: a "Udp:" header line with names, then a "Udp:" line with values. */
    static long snmp(Path file) {
        try {
            List<String> lines = Files.readAllLines(file);
            for (int i = 0; i + 1 < lines.size(); i++) {
                if (lines.get(i).startsWith("Udp: ") && lines.get(i + 1).startsWith("Udp: ")) {
                    String[] names = lines.get(i).split("\\s+");
                    String[] values = lines.get(i + 1).split("\\s+");
                    for (int k = 1; k < names.length && k < values.length; k++) {
                        if (names[k].equals("RcvbufErrors")) {
                            return Long.parseLong(values[k]);
                        }
                    }
                }
            }
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
        return 0;
    }

    /** /proc/net/snmp6: "Udp6RcvbufErrors value" lines. */
    static long snmp6(Path file) {
        try {
            for (String line : Files.readAllLines(file)) {
                String[] f = line.trim().split("\\s+");
                if (f.length == 2 && f[0].equals("Udp6RcvbufErrors")) {
                    return Long.parseLong(f[1]);
                }
            }
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
        return 0;
    }
}
