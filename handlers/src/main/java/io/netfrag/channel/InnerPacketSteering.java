package io.netfrag.channel;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.unix.RawUnixChannelOption;
import io.netty.util.internal.PlatformDependent;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Spreads one tunnel's packets over the sockets of an {@code SO_REUSEPORT} group by the <em>inner</em> packet, so that
 * every fragment of a datagram reaches the same socket (the same event loop) while different datagrams of one outer
 * flow spread over all of them: a classic BPF program attached with {@code SO_ATTACH_REUSEPORT_CBPF}.
 *
 * <p>Without it the kernel picks the socket by a hash of the outer 4-tuple, so one tunnel (one outer flow) lands on one
 * socket however many there are. The program reads the UDP payload (for a reuseport program the kernel has pulled the
 * UDP header: offset 0 is the inner IP header) and hashes
 * <ul>
 *   <li>IPv4: source, destination and the identification field (every fragment of a datagram carries the same ones);
 *   <li>IPv6: source and destination, and the Fragment header's identification when the Fragment header directly
 *       follows the fixed header (next header 44 at offset 6, as Linux and most senders place it); after other
 *       extension headers, the addresses alone (fragments still stay together: they share the addresses);
 *   <li>anything else: the program returns an index past the group, and the kernel falls back to its 4-tuple hash.
 * </ul>
 * The 32-bit words are XOR-folded, mixed (a multiply and two shift-XORs, so that nearby identifications spread) and
 * taken modulo the number of sockets; the socket index is the order in which the sockets joined the group. A packet
 * too short for a load ends the program with 0 (socket 0), as classic BPF does.
 *
 * <p>{@link #hash(ByteBuf, int)} computes the same function in Java, for tests and for senders that want to predict
 * the socket. Classic BPF is assembled here by hand because no library on Maven Central assembles it and the program is
 * 40 instructions; the opcodes are Linux's {@code include/uapi/linux/filter.h} and {@code bpf_common.h}.
 */
final class InnerPacketSteering {
    /** {@code SOL_SOCKET} on Linux. */
    private static final int SOL_SOCKET = 1;
    /** {@code SO_ATTACH_REUSEPORT_CBPF} on Linux (asm-generic and x86). */
    private static final int SO_ATTACH_REUSEPORT_CBPF = 51;
    /** {@code struct sock_fprog} on a 64-bit Linux: an unsigned short length, padding, a pointer. */
    private static final RawUnixChannelOption ATTACH =
            new RawUnixChannelOption("SO_ATTACH_REUSEPORT_CBPF", SOL_SOCKET, SO_ATTACH_REUSEPORT_CBPF, 16);

    private static final int MIX = 0x45d9f3b;

    // classic BPF opcodes (linux/bpf_common.h, linux/filter.h)
    private static final int LD_W_ABS = 0x20;
    private static final int LD_H_ABS = 0x28;
    private static final int LD_B_ABS = 0x30;
    private static final int LD_MEM = 0x60;
    private static final int ST = 0x02;
    private static final int ALU_RSH_K = 0x74;
    private static final int ALU_XOR_X = 0xac;
    private static final int ALU_MUL_K = 0x24;
    private static final int ALU_MOD_K = 0x94;
    private static final int JMP_JA = 0x05;
    private static final int JMP_JEQ_K = 0x15;
    private static final int RET_A = 0x16;
    private static final int RET_K = 0x06;
    private static final int TAX = 0x07;

    private InnerPacketSteering() {
    }

    /**
     * Attaches the program for {@code sockets} sockets to the reuseport group of {@code channel} (a bound epoll
     * datagram channel with {@code SO_REUSEPORT}).
     *
     * @throws UnsupportedOperationException if the channel takes no raw socket options or no direct-buffer address
     *     is available
     * @throws io.netty.channel.ChannelException if the kernel refuses the program
     */
    static void attach(Channel channel, int sockets) {
        attach(channel, program(sockets));
    }

    /** Attaches {@code program} ({code, jt, jf, k} instructions) to the reuseport group of {@code channel}. */
    static void attach(Channel channel, int[][] program) {
        if (!PlatformDependent.hasUnsafe()) {
            throw new UnsupportedOperationException("no direct-buffer addresses (sun.misc.Unsafe unavailable)");
        }
        ByteBuffer filter = ByteBuffer.allocateDirect(8 * program.length).order(ByteOrder.nativeOrder());
        for (int[] insn : program) {
            filter.putShort((short) insn[0]).put((byte) insn[1]).put((byte) insn[2]).putInt(insn[3]);
        }
        ByteBuffer fprog = ByteBuffer.allocateDirect(16).order(ByteOrder.nativeOrder());
        fprog.putShort(0, (short) program.length);
        // the kernel copies the program during setsockopt: the filter buffer need only live until the call returns
        fprog.putLong(8, PlatformDependent.directBufferAddress(filter));
        if (!channel.config().setOption(ATTACH, fprog)) {
            throw new UnsupportedOperationException(channel.getClass().getSimpleName()
                    + " takes no raw socket options");
        }
        java.lang.ref.Reference.reachabilityFence(filter);
    }

    /**
     * The socket index the program picks for an IP packet, or -1 where the kernel's own 4-tuple hash decides.
     *
     * @param packet the inner IP packet from its reader index (not consumed, not released: the caller keeps it)
     * @param sockets sockets in the group
     */
    static int socketIndex(ByteBuf packet, int sockets) {
        long h = hash(packet, sockets);
        return h < 0 ? -1 : (int) h;
    }

    /**
     * The program's result for {@code packet} (see {@link #socketIndex}); {@code -1} for a packet that is not IPv4 or
     * IPv6, and 0 where the program would read past the end.
     */
    static long hash(ByteBuf packet, int sockets) {
        int at = packet.readerIndex();
        int length = packet.readableBytes();
        if (length < 1) {
            return 0;
        }
        int version = packet.getUnsignedByte(at) >>> 4;
        int h;
        if (version == 4) {
            if (length < 20) {
                return 0;
            }
            h = packet.getInt(at + 12) ^ packet.getInt(at + 16) ^ packet.getUnsignedShort(at + 4);
        } else if (version == 6) {
            if (length < 40) {
                return 0;
            }
            h = 0;
            for (int i = 8; i < 40; i += 4) {
                h ^= packet.getInt(at + i);
            }
            if (packet.getUnsignedByte(at + 6) == 44) {
                if (length < 48) {
                    return 0;
                }
                h ^= packet.getInt(at + 44);
            }
        } else {
            return -1;
        }
        h ^= h >>> 16;
        h *= MIX;
        h ^= h >>> 16;
        return Integer.toUnsignedLong(h) % sockets;
    }

    /** The program as {code, jt, jf, k} instructions. */
    static int[][] program(int sockets) {
        if (sockets < 1) {
            throw new IllegalArgumentException("sockets must be at least 1: " + sockets);
        }
        Assembler a = new Assembler();
        a.op(LD_B_ABS, 0).op(ALU_RSH_K, 4);
        a.jeq(4, "v4", null).jeq(6, "v6", "other");
        a.label("v4").op(LD_W_ABS, 12).op(TAX, 0).op(LD_W_ABS, 16).op(ALU_XOR_X, 0).op(TAX, 0)
                .op(LD_H_ABS, 4).op(ALU_XOR_X, 0).ja("mix");
        a.label("v6").op(LD_W_ABS, 8);
        for (int i = 12; i < 40; i += 4) {
            a.op(TAX, 0).op(LD_W_ABS, i).op(ALU_XOR_X, 0);
        }
        a.op(ST, 0).op(LD_B_ABS, 6).jeq(44, null, "addresses");
        a.op(LD_W_ABS, 44).op(TAX, 0).op(LD_MEM, 0).op(ALU_XOR_X, 0).ja("mix");
        a.label("addresses").op(LD_MEM, 0);
        a.label("mix").op(TAX, 0).op(ALU_RSH_K, 16).op(ALU_XOR_X, 0).op(ALU_MUL_K, MIX)
                .op(TAX, 0).op(ALU_RSH_K, 16).op(ALU_XOR_X, 0).op(ALU_MOD_K, sockets).op(RET_A, 0);
        a.label("other").op(RET_K, 0xffffffff); // past the group: the kernel's 4-tuple hash decides
        return a.assemble();
    }

    /** Resolves forward labels of conditional (8-bit) and unconditional jumps. */
    private static final class Assembler {
        private final List<Object[]> insns = new ArrayList<>();
        private final Map<String, Integer> labels = new HashMap<>();

        Assembler op(int code, int k) {
            insns.add(new Object[] {code, null, null, k});
            return this;
        }

        /** Jump to {@code yes} if A == k, else to {@code no}; null = the next instruction. */
        Assembler jeq(int k, String yes, String no) {
            insns.add(new Object[] {JMP_JEQ_K, yes, no, k});
            return this;
        }

        Assembler ja(String target) {
            insns.add(new Object[] {JMP_JA, null, null, target});
            return this;
        }

        Assembler label(String name) {
            labels.put(name, insns.size());
            return this;
        }

        int[][] assemble() {
            int[][] out = new int[insns.size()][];
            for (int i = 0; i < out.length; i++) {
                Object[] in = insns.get(i);
                int code = (Integer) in[0];
                if (code == JMP_JA) {
                    out[i] = new int[] {code, 0, 0, offset(i, (String) in[3], Integer.MAX_VALUE)};
                } else {
                    out[i] = new int[] {code, offset(i, (String) in[1], 255), offset(i, (String) in[2], 255),
                        (Integer) in[3]};
                }
            }
            return out;
        }

        private int offset(int from, String label, int max) {
            if (label == null) {
                return 0;
            }
            int off = labels.get(label) - from - 1;
            if (off < 0 || off > max) {
                throw new IllegalStateException("jump out of range: " + label);
            }
            return off;
        }
    }
}
