package io.netfrag.testing;

import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDatagramChannel;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * What some tests need from the machine beyond a JDK: each says, once probed, why it is unavailable here (or
 * {@code null}). {@link Requires} skips a test whose feature is missing, or fails it when the run demands the feature
 * ({@code -Dnetfrag.require=…} or {@code NETFRAG_REQUIRE=…}, as {@code .ci/run} does).
 */
public enum Feature {
    /** Netty's native epoll transport: Linux on x86_64 or aarch64. */
    EPOLL("epoll") {
        @Override
        String probe() {
            return Epoll.isAvailable() ? null : "Netty's native epoll transport is unavailable: "
                    + Epoll.unavailabilityCause();
        }
    },
    /** UDP GSO ({@code UDP_SEGMENT}) and GRO ({@code UDP_GRO}) on loopback: Linux 5.0 or later, with epoll. */
    GSO("gso") {
        @Override
        String probe() {
            String epoll = EPOLL.unavailable();
            if (epoll != null) {
                return epoll;
            }
            return EpollDatagramChannel.isSegmentedDatagramPacketSupported() ? null
                    : "the kernel has no UDP GSO/GRO (Linux 5.0 or later)";
        }
    },
    /** Netty's native io_uring transport: Linux 5.x or later with io_uring enabled ({@code kernel.io_uring_disabled}). */
    IO_URING("io_uring") {
        @Override
        String probe() {
            return io.netty.channel.uring.IoUring.isAvailable() ? null : "Netty's io_uring transport is unavailable: "
                    + io.netty.channel.uring.IoUring.unavailabilityCause();
        }
    },
    /**
     * Amazon Corretto Crypto Provider, a JCA provider on AWS-LC: its native library loads on Linux x86_64 (the
     * classifier this build depends on).
     */
    ACCP("accp") {
        @Override
        String probe() {
            Throwable error = com.amazon.corretto.crypto.provider.AmazonCorrettoCryptoProvider.INSTANCE
                    .getLoadingError();
            return error == null ? null : "Amazon Corretto Crypto Provider cannot load here: " + error;
        }
    },
    /**
     * A TUN device moved into a network namespace of the test's own: root (CAP_NET_ADMIN, CAP_SYS_ADMIN),
     * {@code /dev/net/tun}, iproute2 and epoll.
     */
    TUN("tun") {
        @Override
        String probe() {
            String epoll = EPOLL.unavailable();
            if (epoll != null) {
                return epoll;
            }
            if (!Files.exists(Path.of("/dev/net/tun"))) {
                return "no /dev/net/tun (modprobe tun; in a container, pass --device /dev/net/tun)";
            }
            try {
                io.netfrag.channel.TunDevice.builder("nfprobe%d").open().close();
            } catch (IOException | RuntimeException e) {
                return "cannot create a TUN device: " + e.getMessage();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return "interrupted";
            }
            String ns = "nfprobe-" + ProcessHandle.current().pid();
            String failure = run("ip", "netns", "add", ns);
            if (failure != null) {
                return "cannot create a network namespace: " + failure;
            }
            run("ip", "netns", "del", ns);
            return null;
        }
    };

    private final String token;
    private volatile String reason;
    private volatile boolean probed;

    Feature(String token) {
        this.token = token;
    }

    /** The name in {@code netfrag.require}: epoll, gso, io_uring, accp, tun. */
    public String token() {
        return token;
    }

    /** Why the feature is unavailable here, or {@code null} when it is available (probed once per JVM). */
    public String unavailable() {
        if (!probed) {
            synchronized (this) {
                if (!probed) {
                    reason = probe();
                    probed = true;
                }
            }
        }
        return reason;
    }

    abstract String probe();

    /** Runs a command; returns {@code null} on success, else what it printed (or why it could not run). */
    static String run(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return String.join(" ", command) + " did not finish";
            }
            return p.exitValue() == 0 ? null : out.isEmpty() ? "exit " + p.exitValue() : out;
        } catch (IOException e) {
            return String.join(" ", List.of(command)) + ": " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    /** The features the run demands: {@code -Dnetfrag.require} or {@code NETFRAG_REQUIRE}, comma-separated. */
    static List<Feature> required() {
        String list = System.getProperty("netfrag.require", System.getenv("NETFRAG_REQUIRE"));
        List<Feature> out = new ArrayList<>();
        if (list == null || list.isBlank()) {
            return out;
        }
        for (String t : list.split(",")) {
            String token = t.trim();
            boolean found = false;
            for (Feature f : values()) {
                if (f.token.equals(token) || token.equals("all")) {
                    out.add(f);
                    found = true;
                }
            }
            if (!found && !token.isEmpty()) {
                throw new IllegalArgumentException("netfrag.require: unknown feature '" + token
                        + "' (known: epoll, gso, tun, all)");
            }
        }
        return out;
    }
}
