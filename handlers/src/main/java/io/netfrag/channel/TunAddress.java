package io.netfrag.channel;

import static io.netty.util.internal.ObjectUtil.checkNotNull;

import java.net.SocketAddress;

/** The local address of a {@link TunChannel}: the name of its TUN device. */
public final class TunAddress extends SocketAddress {
    private static final long serialVersionUID = 1L;

    private final String name;

    /**
     * Creates an address.
     *
     * @param name the device name, as the kernel reports it ({@code ip link})
     */
    public TunAddress(String name) {
        this.name = checkNotNull(name, "name");
    }

    /** The device name. */
    public String name() {
        return name;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TunAddress && ((TunAddress) o).name.equals(name);
    }

    @Override
    public int hashCode() {
        return name.hashCode();
    }

    @Override
    public String toString() {
        return "tun:" + name;
    }
}
