package io.netfrag.channel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netfrag.testkit.SourcePorts;
import io.netfrag.testkit.TrafficGenerator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A fleet on paper: K receivers behind ECMP or RSS (a Toeplitz hash of the outer 4-tuple, as NICs and most routers
 * compute it), N event loops per receiver (the steering program's hash of the inner packet), and one IPsec/FOU-like
 * tunnel whose sender picks the outer source port with {@link SourcePorts} from a pool of 16. The traffic is a mix of
 * 256 inner flows, IPv6 and IPv4, with datagram sizes as a tunnel carries them: 50 % that need no fragmenting (64 to
 * 1400 bytes), 30 % of 8 KiB (NFS-like), 20 % of 60000 bytes (the seed's netperf). Every fragment is placed; the
 * table gives the load balance (busiest bucket's bytes over the mean) per receiver and per (receiver, loop), and the
 * test fails if any datagram's fragments reached two buckets.
 *
 * <p>Run alone to print the table: {@code mvn -B -ntp -pl handlers-tests -am verify -Dtest=ScalingSimulationTest
 * -Dsurefire.failIfNoSpecifiedTests=false}.
 */
class ScalingSimulationTest {
    /** The Toeplitz key most NIC drivers use by default (Microsoft's RSS verification key). */
    private static final byte[] RSS_KEY = {
        0x6d, 0x5a, 0x56, (byte) 0xda, 0x25, 0x5b, 0x0e, (byte) 0xc2, 0x41, 0x67, 0x25, 0x3d, 0x43, (byte) 0xa3,
        (byte) 0x8f, (byte) 0xb0, (byte) 0xd0, (byte) 0xca, 0x2b, (byte) 0xcb, (byte) 0xae, 0x7b, 0x30, (byte) 0xb4,
        0x77, (byte) 0xcb, 0x2d, (byte) 0xa3, (byte) 0x80, 0x30, (byte) 0xf2, 0x0c, 0x6a, 0x42, (byte) 0xb7, 0x3b,
        (byte) 0xbe, (byte) 0xac, 0x01, (byte) 0xfa};
    private static final int SOURCE_PORTS = 16;
    private static final int FLOWS = 256;
    private static final int DATAGRAMS = 20_000;
    /**
     * The simulation makes 20,000 datagrams only to read their headers: buffers without leak tracking (the suite's
     * paranoid detector would record a stack per buffer), each released right after its first 48 bytes are copied.
     */
    private static final io.netty.buffer.ByteBufAllocator UNTRACKED =
            new io.netty.buffer.UnpooledByteBufAllocator(false, true);

    @Test
    void fragmentsOfADatagramStayTogetherAndTheFleetIsBalanced() throws Exception {
        int[] ks = {1, 2, 4, 8};
        int[] ns = {1, 2, 4, 8};
        StringBuilder table = new StringBuilder("| receivers K | loops N | receiver max/mean | (receiver, loop) max/mean"
                + " | datagrams split |\n|---|---|---|---|---|\n");
        List<List<Piece>> traffic = traffic(42);
        for (int k : ks) {
            for (int n : ns) {
                Result r = simulate(traffic, k, n);
                table.append(String.format("| %d | %d | %.3f | %.3f | %d |%n", k, n, r.receiverBalance,
                        r.bucketBalance, r.split));
                assertEquals(0, r.split, "no datagram split across receivers or loops");
                // 20,000 datagrams of which 20 % are 60000-byte ones spread per datagram: the busiest bucket stays
                // within a quarter of the mean even at 64 buckets
                assertTrue(r.bucketBalance < 1.25, k + " x " + n + ": " + r.bucketBalance);
            }
        }
        System.out.println("scaling simulation (" + DATAGRAMS + " datagrams, " + FLOWS + " inner flows, "
                + SOURCE_PORTS + " source ports, bytes per bucket):\n" + table);
    }

    private record Result(double receiverBalance, double bucketBalance, int split) {
    }

    /** One fragment as the hashes see it: its first 48 bytes (every field they read) and its length. */
    private record Piece(ByteBuf head, int length) {
    }

    /** The traffic, generated once: per datagram, its fragments. */
    private static List<List<Piece>> traffic(long seed) throws Exception {
        Random rnd = new Random(seed);
        List<TrafficGenerator> flows = new ArrayList<>();
        for (int f = 0; f < FLOWS; f++) {
            TrafficGenerator.Builder b = TrafficGenerator.builder().allocator(UNTRACKED).mtu(1500)
                    .ports(10000 + f, 5001).firstIdentification(rnd.nextInt(1 << 16));
            if (f % 4 == 3) {
                b.addresses(InetAddress.getByName("10.8." + (f >>> 8) + "." + (f & 0xff)),
                        InetAddress.getByName("10.9.0." + (1 + f % 7)));
            } else {
                b.addresses(InetAddress.getByName("fd00:8::" + Integer.toHexString(f + 1)),
                        InetAddress.getByName("fd00:9::" + (1 + f % 7)));
            }
            flows.add(b.build());
        }
        List<List<Piece>> datagrams = new ArrayList<>(DATAGRAMS);
        List<ByteBuf> fragments = new ArrayList<>();
        for (int d = 0; d < DATAGRAMS; d++) {
            TrafficGenerator g = flows.get(rnd.nextInt(FLOWS));
            double u = rnd.nextDouble();
            int size = u < 0.5 ? 64 + rnd.nextInt(1337) : u < 0.8 ? 8192 : 60000;
            fragments.clear();
            g.next(size, fragments::add);
            List<Piece> pieces = new ArrayList<>(fragments.size());
            for (ByteBuf f : fragments) {
                // a plain array view: nothing to release, nothing for the leak detector to track
                pieces.add(new Piece(Unpooled.wrappedBuffer(io.netty.buffer.ByteBufUtil.getBytes(f, f.readerIndex(),
                        Math.min(48, f.readableBytes()))), f.readableBytes()));
                f.release();
            }
            datagrams.add(pieces);
        }
        return datagrams;
    }

    private static Result simulate(List<List<Piece>> traffic, int receivers, int loops) {
        long[] bytes = new long[receivers * loops];
        long[] perReceiver = new long[receivers];
        int split = 0;
        for (List<Piece> datagram : traffic) {
            int bucket = -1;
            boolean apart = false;
            for (Piece p : datagram) {
                int port = 20000 + SourcePorts.pick(p.head(), SOURCE_PORTS);
                int receiver = (int) (Integer.toUnsignedLong(toeplitz(port, 4789)) % receivers);
                int loop = InnerPacketSteering.socketIndex(p.head(), loops);
                int b = receiver * loops + loop;
                apart |= bucket >= 0 && bucket != b;
                bucket = b;
                bytes[b] += p.length();
                perReceiver[receiver] += p.length();
            }
            split += apart ? 1 : 0;
        }
        return new Result(balance(perReceiver), balance(bytes), split);
    }

    private static double balance(long[] loads) {
        long max = 0;
        long sum = 0;
        for (long l : loads) {
            max = Math.max(max, l);
            sum += l;
        }
        return max / ((double) sum / loads.length);
    }

    /** The outer IPv6 4-tuple between two fixed tunnel endpoints (fc00:1::1 → fc00:2::1), in RSS input order. */
    private static int toeplitz(int sourcePort, int destinationPort) {
        byte[] input = new byte[36];
        input[0] = (byte) 0xfc;
        input[3] = 0x01;
        input[15] = 0x01;
        input[16] = (byte) 0xfc;
        input[19] = 0x02;
        input[31] = 0x01;
        input[32] = (byte) (sourcePort >>> 8);
        input[33] = (byte) sourcePort;
        input[34] = (byte) (destinationPort >>> 8);
        input[35] = (byte) destinationPort;
        return toeplitz(input);
    }

    @Test
    void toeplitzMatchesMicrosoftsVerificationSuite() {
        // 66.9.149.187:2794 -> 161.142.100.80:1766 (source, destination, ports), "Verifying the RSS hash calculation"
        byte[] input = {(byte) 66, 9, (byte) 149, (byte) 187, (byte) 161, (byte) 142, 100, 80, 0x0a, (byte) 0xea, 0x06,
            (byte) 0xe6};
        assertEquals(0x51ccc178, toeplitz(input));
    }

    /**
     * The Toeplitz hash NICs compute for RSS: written out because it is the network's function being modelled, a
     * dozen lines, and no library on Maven Central offers it.
     */
    static int toeplitz(byte[] input) {
        int result = 0;
        long window = 0; // the next 64 key bits, left-aligned
        for (int i = 0; i < 8; i++) {
            window = window << 8 | (RSS_KEY[i] & 0xff);
        }
        int next = 8;
        for (byte b : input) {
            for (int bit = 7; bit >= 0; bit--) {
                if ((b >>> bit & 1) != 0) {
                    result ^= (int) (window >>> 32);
                }
                window <<= 1;
            }
            if (next < RSS_KEY.length) {
                window |= RSS_KEY[next++] & 0xff;
            }
        }
        return result;
    }
}
