package io.netfrag.examples;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.ServerSocket;

/** Ports for loopback tests. */
final class LoopbackPorts {
    private LoopbackPorts() {
    }

    /** A port of {@code ::1} free for UDP and TCP at once (a server binds both), as the kernel picks one. */
    static int freeUdpAndTcp() throws IOException {
        for (int attempt = 0; ; attempt++) {
            try (DatagramSocket udp = new DatagramSocket(0, InetAddress.getByName("::1"));
                    ServerSocket tcp = new ServerSocket(udp.getLocalPort(), 1, InetAddress.getByName("::1"))) {
                return udp.getLocalPort();
            } catch (IOException e) {
                if (attempt == 20) {
                    throw e;
                }
            }
        }
    }
}
