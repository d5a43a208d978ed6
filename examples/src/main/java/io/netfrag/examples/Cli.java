package io.netfrag.examples;

import io.netfrag.channel.NetfragIngress.Transport;
import io.netfrag.esp.SaDatabase;
import io.netty.util.internal.PlatformDependent;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/**
 * What every command checks before it starts, and how it reports what went wrong: a mistake on the command line is a
 * {@link ParameterException} (one line naming the option, the value and what is allowed; exit {@value #EXIT_USAGE}),
 * a failure while running is a {@link Failure} (one line naming the port, host or file and the operating system's
 * reason; exit {@value #EXIT_FAILURE}). {@link Main#commandLine()} prints both as one line.
 */
public final class Cli {
    /** Exit code of a run that failed: a host that does not resolve, a port in use, a peer not listening, … */
    static final int EXIT_FAILURE = 1;
    /** Exit code of a mistake on the command line: an option, a value, a combination, an SA or an input file. */
    static final int EXIT_USAGE = 2;
    /** Most ring slots per channel; a slot is one receive buffer. */
    public static final int MAX_RING_SLOTS = 1 << 20;
    /** Largest receive buffer: sixteen 64 KiB datagrams of one recvmmsg call. */
    public static final int MAX_SLOT_BYTES = 16 << 16;
    /** Smallest receive buffer: the smallest datagram every IPv4 host must receive whole (RFC 791: 68). */
    public static final int MIN_SLOT_BYTES = 68;
    /** Largest UDP payload a datagram can carry over IPv4 (65,535 − 20 − 8); {@code stream}'s messages. */
    public static final int MAX_UDP_PAYLOAD = 65_507;
    /** Largest MTU: an IP packet's length field has 16 bits. */
    public static final int MAX_MTU = 65_535;
    /** IPv6's minimum link MTU (RFC 8200 §5). */
    public static final int MIN_MTU_IPV6 = 1280;
    /** IPv4's minimum MTU (RFC 791: every module must forward a 68-byte datagram without fragmenting it). */
    public static final int MIN_MTU_IPV4 = 68;
    /** Longest run any command takes on: a week. */
    static final double MAX_SECONDS = 7 * 24 * 3600;

    private Cli() {
    }

    /** A failure while running: printed as its message alone, exit {@value #EXIT_FAILURE} unless told otherwise. */
    static final class Failure extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final int exitCode;

        Failure(String message, Throwable cause) {
            this(EXIT_FAILURE, message, cause);
        }

        Failure(int exitCode, String message, Throwable cause) {
            super(message, cause);
            this.exitCode = exitCode;
        }

        int exitCode() {
            return exitCode;
        }
    }

    /** "Invalid value for option '--ring': -1 (allowed: …)". */
    public static ParameterException invalid(CommandSpec spec, String option, Object value, String allowed) {
        return new ParameterException(spec.commandLine(),
                "Invalid value for option '" + option + "': " + value + " (allowed: " + allowed + ")");
    }

    /** A combination of options that cannot work together, said in one sentence. */
    public static ParameterException combination(CommandSpec spec, String message) {
        return new ParameterException(spec.commandLine(), message);
    }

    public static void range(CommandSpec spec, String option, long value, long min, long max, String allowed) {
        if (value < min || value > max) {
            throw invalid(spec, option, value, allowed);
        }
    }

    public static void range(CommandSpec spec, String option, double value, double min, double max, String allowed) {
        if (!(value >= min && value <= max)) { // NaN fails too
            throw invalid(spec, option, text(value), allowed);
        }
    }

    static void port(CommandSpec spec, String option, int port) {
        range(spec, option, port, 1, 65535, "a port from 1 to 65535");
    }

    static void probability(CommandSpec spec, String option, double p) {
        range(spec, option, p, 0, 1, "a probability from 0 to 1");
    }

    /** A duration that must be positive: at least 0.1 s, at most a week. */
    public static void seconds(CommandSpec spec, String option, double seconds) {
        range(spec, option, seconds, 0.1, MAX_SECONDS, "0.1 to " + (long) MAX_SECONDS + " seconds");
    }

    /** A duration where 0 means "none" or "until interrupted": 0, or 0.1 s to a week. */
    static void secondsOrZero(CommandSpec spec, String option, double seconds, String zeroMeans) {
        if (seconds != 0) {
            range(spec, option, seconds, 0.1, MAX_SECONDS, "0 (" + zeroMeans + ") or 0.1 to " + (long) MAX_SECONDS
                    + " seconds");
        }
    }

    /** netperf's units: k, m or g. */
    static void unit(CommandSpec spec, String option, char unit) {
        if (unit != 'k' && unit != 'm' && unit != 'g') {
            throw invalid(spec, option, unit, "k, m or g (10^3, 10^6 or 10^9 bits/s)");
        }
    }

    /** The most channels (and so event loops) a receiver may use: four per core, beyond that they only contend. */
    static int maxChannels() {
        return 4 * Runtime.getRuntime().availableProcessors();
    }

    static void channels(CommandSpec spec, String option, int channels) {
        int max = maxChannels();
        range(spec, option, channels, 1, max, "1 to " + max + ": one event loop thread each, at most four per core "
                + "(" + Runtime.getRuntime().availableProcessors() + " here)");
    }

    /**
     * Receive rings must fit in half of the JVM's direct memory (the rest is for reassembly, ESP and Netty's own
     * buffers).
     */
    public static void ringMemory(CommandSpec spec, long channels, long slots, long slotBytes) {
        long total = channels * slots * slotBytes;
        long limit = PlatformDependent.maxDirectMemory() / 2;
        if (total > limit) {
            throw combination(spec, String.format(Locale.ROOT, "the receive rings need %s (%d channel(s) x %d slots "
                    + "x %d B), more than half of the JVM's direct memory limit (%s); lower --ring or the slot size, "
                    + "or raise -XX:MaxDirectMemorySize", bytes(total), channels, slots, slotBytes,
                    bytes(2 * limit)));
        }
    }

    /** Resolves a host name, or fails naming it and the resolver's reason. */
    static InetAddress host(String option, String host) {
        try {
            return InetAddress.getByName(host);
        } catch (UnknownHostException e) {
            throw new Failure("unknown host '" + host + "' (" + option + "): " + reason(e, host), e);
        }
    }

    /**
     * The SAs of {@code --sa} lines and {@code --sa-file} files in one database; a line that does not parse, a file
     * that cannot be read or a duplicate (destination, SPI) is a usage error naming the option.
     */
    static SaDatabase sas(CommandSpec spec, List<String> lines, List<Path> files) {
        SaDatabase db;
        try {
            db = SaDatabase.of(lines.toArray(new String[0]));
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--sa: " + e.getMessage());
        }
        for (Path f : files) {
            List<io.netfrag.esp.SecurityAssociation> parsed;
            try {
                parsed = io.netfrag.esp.XfrmStateParser.parseFile(f); // its messages name the file (and line)
            } catch (IllegalArgumentException | UncheckedIOException e) {
                throw new ParameterException(spec.commandLine(), "--sa-file: " + e.getMessage());
            }
            try {
                db.addAll(parsed);
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), "--sa-file " + f + ": " + e.getMessage());
            }
        }
        return db;
    }

    /** The operating system's reason for {@code e}, without the prefixes Netty and the JDK put before it. */
    static String reason(Throwable e, String subject) {
        String m = e.getMessage();
        if (e instanceof java.nio.file.NoSuchFileException) {
            return "no such file";
        }
        if (e instanceof java.nio.file.AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof java.nio.file.FileSystemException && ((java.nio.file.FileSystemException) e).getReason()
                != null) {
            return ((java.nio.file.FileSystemException) e).getReason();
        }
        if (m == null || m.isBlank()) {
            return e.getClass().getSimpleName();
        }
        // Netty's native errors: "bind(..) failed with error(-98): Address already in use"
        m = m.replaceFirst("^\\w+\\(\\.\\.\\) failed( with error\\(-?\\d+\\))?: ", "");
        if (subject != null && m.startsWith(subject + ": ")) { // the JDK's "host: Name or service not known"
            m = m.substring(subject.length() + 2);
        }
        return m;
    }

    /** A failure to bind: names the protocol, the address and the reason. */
    static Failure bindFailure(String protocol, InetAddress address, int port, Throwable e) {
        return new Failure("cannot bind " + protocol + " " + endpoint(address, port) + ": " + reason(e, null), e);
    }

    /** "[::1]:6635" or "127.0.0.1:6635". */
    static String endpoint(InetAddress address, int port) {
        String host = io.netty.util.NetUtil.toAddressString(address); // RFC 5952: ::1, not 0:0:0:0:0:0:0:1
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }

    static String bytes(long n) {
        if (n >= 1L << 30) {
            return String.format(Locale.ROOT, "%.1f GiB", n / (double) (1L << 30));
        }
        if (n >= 1L << 20) {
            return String.format(Locale.ROOT, "%.1f MiB", n / (double) (1L << 20));
        }
        return n >= 1L << 10 ? String.format(Locale.ROOT, "%.1f KiB", n / 1024.0) : n + " B";
    }

    private static String text(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
    }

    /** Wraps a checked I/O failure of a named file. */
    static Failure fileFailure(int exitCode, Path file, IOException e) {
        return new Failure(exitCode, file + ": " + reason(e, file.toString()), e);
    }

    /**
     * Reads an enum option by its constant's name in any case (the help spells them in lower case); a value that is
     * none of them is answered with the choices.
     */
    public abstract static class EnumConverter<E extends Enum<E>> implements picocli.CommandLine.ITypeConverter<E> {
        private final Class<E> type;
        private final String what;

        protected EnumConverter(Class<E> type, String what) {
            this.type = type;
            this.what = what;
        }

        @Override
        public E convert(String value) {
            E[] all = type.getEnumConstants();
            for (E e : all) {
                if (e.name().equalsIgnoreCase(value)) {
                    return e;
                }
            }
            StringBuilder choices = new StringBuilder();
            for (int i = 0; i < all.length; i++) {
                choices.append(i == 0 ? "" : i == all.length - 1 ? " or " : ", ")
                        .append(all[i].name().toLowerCase(java.util.Locale.ROOT));
            }
            throw new picocli.CommandLine.TypeConversionException("'" + value + "' is not " + what + ": " + choices);
        }
    }

    /** Reads {@code --transport}: auto, epoll, io_uring or nio. */
    public static final class TransportConverter extends EnumConverter<Transport> {
        public TransportConverter() {
            super(Transport.class, "a transport");
        }
    }
}
