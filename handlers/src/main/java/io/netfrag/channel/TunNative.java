package io.netfrag.channel;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import com.sun.jna.Platform;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * The two libc calls Netty has no binding for: {@code open("/dev/net/tun")} and {@code ioctl(TUNSETIFF)}. Everything
 * after that (epoll registration, read, write, close) goes through Netty's own native {@code FileDescriptor}.
 *
 * <p>Constants are those of the asm-generic Linux ABI (x86-64, AArch64, RISC-V — the architectures Netty ships native
 * epoll for): {@code TUNSETIFF = _IOW('T', 202, int)}, {@code O_NONBLOCK = 04000}.
 */
final class TunNative {
    /** {@code _IOW('T', 202, int)} from {@code <linux/if_tun.h>}. */
    static final long TUNSETIFF = 0x400454caL;
    /** {@code IFF_TUN}: layer-3 packets. */
    static final short IFF_TUN = 0x0001;
    /** {@code IFF_NO_PI}: no 4-byte packet-information prefix; each read is exactly one IP packet. */
    static final short IFF_NO_PI = 0x1000;
    /** {@code IFF_MULTI_QUEUE}: one file descriptor per queue. */
    static final short IFF_MULTI_QUEUE = 0x0100;
    /** {@code IFNAMSIZ}, the terminating NUL included. */
    static final int IFNAMSIZ = 16;

    private static final int O_RDWR = 02;
    private static final int O_NONBLOCK = 04000;
    private static final int O_CLOEXEC = 02000000;
    /** {@code sizeof(struct ifreq)} on LP64: the name and a 24-byte union. */
    private static final int IFREQ_BYTES = 40;
    private static final int IFR_FLAGS_OFFSET = IFNAMSIZ;

    private static final int EPERM = 1;
    private static final int ENOENT = 2;
    private static final int ENXIO = 6;
    private static final int EBUSY = 16;
    private static final int ENODEV = 19;
    private static final int EINVAL = 22;

    /** The libc functions, through a JNA interface (ioctl is variadic; JNA passes varargs per the C ABI). */
    interface Libc extends Library {
        int open(String path, int flags) throws LastErrorException;

        int ioctl(int fd, NativeLong request, Object... args) throws LastErrorException;

        int close(int fd);
    }

    private static volatile Libc libc;

    private TunNative() {
    }

    /** An open, configured TUN file descriptor and the name the kernel gave the device. */
    record Opened(int fd, String name) {
    }

    /**
     * Opens {@code /dev/net/tun} non-blocking and attaches it to (creating if needed) the TUN device {@code name}
     * with {@code IFF_TUN | IFF_NO_PI} (and {@code IFF_MULTI_QUEUE} if asked).
     *
     * @param name device name, at most 15 bytes; may be a template such as {@code "tun%d"}; empty = kernel's choice
     * @throws IOException with a message naming the likely cause (no {@code /dev/net/tun}, no CAP_NET_ADMIN, a
     *     persistent device created with other flags, …)
     */
    static Opened open(String name, boolean multiQueue) throws IOException {
        byte[] nameBytes = name.getBytes(StandardCharsets.US_ASCII);
        if (nameBytes.length >= IFNAMSIZ) {
            throw new IllegalArgumentException("TUN device name longer than " + (IFNAMSIZ - 1) + " bytes: " + name);
        }
        if (!Platform.isLinux()) {
            throw new IOException("TUN devices need Linux (this is " + System.getProperty("os.name") + ")");
        }
        Libc c = libc();
        int fd;
        try {
            fd = c.open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
        } catch (LastErrorException e) {
            throw new IOException("cannot open /dev/net/tun: " + explain(e.getErrorCode(), name, multiQueue), e);
        }
        boolean ok = false;
        try {
            Memory ifr = new Memory(IFREQ_BYTES);
            ifr.clear();
            ifr.write(0, nameBytes, 0, nameBytes.length);
            short flags = (short) (IFF_TUN | IFF_NO_PI | (multiQueue ? IFF_MULTI_QUEUE : 0));
            ifr.setShort(IFR_FLAGS_OFFSET, flags);
            try {
                c.ioctl(fd, new NativeLong(TUNSETIFF), ifr);
            } catch (LastErrorException e) {
                throw new IOException("TUNSETIFF " + (name.isEmpty() ? "(any name)" : name) + ": "
                        + explain(e.getErrorCode(), name, multiQueue), e);
            }
            String actual = ifr.getString(0, StandardCharsets.US_ASCII.name());
            ok = true;
            return new Opened(fd, actual);
        } finally {
            if (!ok) {
                c.close(fd);
            }
        }
    }

    private static Libc libc() throws IOException {
        Libc c = libc;
        if (c == null) {
            try {
                c = Native.load(Platform.C_LIBRARY_NAME, Libc.class);
            } catch (UnsatisfiedLinkError e) {
                throw new IOException("JNA cannot load libc: " + e.getMessage(), e);
            }
            libc = c;
        }
        return c;
    }

    private static String explain(int errno, String name, boolean multiQueue) {
        String why = switch (errno) {
            case EPERM -> "permission denied (needs CAP_NET_ADMIN, e.g. root)";
            case ENOENT, ENXIO, ENODEV -> "no TUN driver (modprobe tun; in a container, pass --device /dev/net/tun)";
            case EBUSY -> "device " + name + " is busy (another process is attached to it)";
            case EINVAL -> "invalid argument: a device named " + name + " exists with other flags (netfrag needs "
                    + "tun mode without packet information" + (multiQueue ? ", multi_queue" : ", no multi_queue")
                    + ", as 'ip tuntap add dev " + name + " mode tun" + (multiQueue ? " multi_queue" : "")
                    + "' makes)";
            default -> "unexpected error";
        };
        return why + " [errno " + errno + "]";
    }
}
