package io.netfrag.esp;

import static io.netty.util.internal.ObjectUtil.checkNotNull;

import io.netfrag.internal.esp.EspTransform;
import io.netfrag.internal.wire.IpProtocols;
import io.netfrag.internal.wire.Ipv4Header;
import io.netfrag.internal.wire.Ipv6Header;
import io.netfrag.internal.wire.Ipv6HeaderChain;
import io.netfrag.internal.wire.UdpHeader;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.security.SecureRandom;

/**
 * The sending side of one SA: protects IP packets with ESP (RFC 4303) in transport or tunnel mode, with outbound
 * sequence numbers (64-bit under ESN, low 32 bits on the wire), IVs as each suite needs them — for the counter modes
 * a 64-bit counter from a random start (RFC 4106 §3.1, RFC 3686 §3.1 allow any IV that never repeats under a key),
 * unpredictable random bytes for AES-CBC (RFC 3602 §3), none for ESP-NULL —, RFC 4303
 * default padding (1, 2, 3, …) to a 4-byte boundary and the cipher's block, and RFC 3948 UDP encapsulation when the
 * SA has {@code encap}. For test kits, the
 * {@code stream} client and users testing their own pipelines. Not thread-safe.
 */
public final class EspEncoder {
    private final SecurityAssociation sa;
    private final EspTransform transform;
    private final Ipv6HeaderChain chain = new Ipv6HeaderChain();
    private final SecureRandom random;
    private long ivCounter;
    private byte[] scratch = new byte[2048];
    private long sequence;
    private int identification = 1;

    /** An encoder for {@code sa}; its first packet carries the SA's outbound sequence number + 1 (1 for a fresh SA). */
    public EspEncoder(SecurityAssociation sa) {
        this.sa = checkNotNull(sa, "sa");
        this.transform = sa.newTransform();
        SecureRandom seed = new SecureRandom();
        this.random = sa.encryption() == EncryptionAlgorithm.AES_CBC ? seed : null;
        this.ivCounter = seed.nextLong();
        this.sequence = sa.outboundSequence(); // replay-oseq: the last sequence number sent
    }

    /** The SA. */
    public SecurityAssociation sa() {
        return sa;
    }

    /** Sets the sequence number of the next packet (it is used as is; 0 is allowed for negative tests). */
    public EspEncoder nextSequence(long next) {
        this.sequence = next - 1;
        return this;
    }

    /** The sequence number the last packet carried. */
    public long lastSequence() {
        return sequence;
    }

    /**
     * Transport mode: keeps the IP header (and IPv6 extension headers), encrypts the upper-layer payload.
     *
     * @param packet a whole IPv4 or IPv6 packet from its reader index; borrowed
     * @return the ESP packet; owned by the caller
     */
    public ByteBuf protectTransport(ByteBuf packet, ByteBufAllocator alloc) {
        int start = packet.readerIndex();
        int version = packet.getUnsignedByte(start) >>> 4;
        int headerLength;
        int nameOffset;
        if (version == 6) {
            chain.walk(packet, start, packet.writerIndex());
            headerLength = chain.upperIndex() - start;
            nameOffset = chain.upperNextHeaderIndex() - start;
        } else {
            headerLength = Ipv4Header.headerLength(packet, start);
            nameOffset = Ipv4Header.PROTOCOL_OFFSET;
        }
        int next = packet.getUnsignedByte(start + nameOffset);
        int payload = packet.writerIndex() - start - headerLength;
        ByteBuf out = alloc.buffer(headerLength + overhead(payload));
        out.writeBytes(packet, start, headerLength);
        seal(out, packet, start + headerLength, packet.writerIndex() - start - headerLength, next, nameOffset);
        fixLengths(out, version);
        return out;
    }

    /**
     * Tunnel mode: a new outer header from {@code outerSource} to {@code outerDestination}, the whole inner packet
     * encrypted.
     *
     * @param inner a whole IPv4 or IPv6 packet; borrowed
     * @return the ESP packet; owned by the caller
     */
    public ByteBuf protectTunnel(ByteBuf inner, InetAddress outerSource, InetAddress outerDestination,
            ByteBufAllocator alloc) {
        int innerVersion = inner.getUnsignedByte(inner.readerIndex()) >>> 4;
        ByteBuf out = alloc.buffer(Ipv6Header.LENGTH + overhead(inner.readableBytes()));
        int nameOffset;
        int version;
        if (outerDestination instanceof Inet4Address) {
            version = 4;
            out.writeByte(0x45).writeByte(0).writeShort(0).writeShort(identification++).writeShort(0).writeByte(64)
                    .writeByte(IpProtocols.ESP).writeShort(0).writeBytes(outerSource.getAddress())
                    .writeBytes(outerDestination.getAddress());
            nameOffset = Ipv4Header.PROTOCOL_OFFSET;
        } else {
            version = 6;
            out.writeInt(6 << 28).writeShort(0).writeByte(IpProtocols.ESP).writeByte(64)
                    .writeBytes(outerSource.getAddress()).writeBytes(outerDestination.getAddress());
            nameOffset = Ipv6Header.NEXT_HEADER_OFFSET;
        }
        seal(out, inner, inner.readerIndex(), inner.readableBytes(),
                innerVersion == 6 ? IpProtocols.IPV6 : IpProtocols.IPV4, nameOffset);
        fixLengths(out, version);
        return out;
    }

    /** Bytes ESP (and UDP encapsulation) add around {@code payload} bytes. */
    private int overhead(int payload) {
        return (sa.encapDestinationPort() != 0 ? UdpHeader.LENGTH : 0) + 8 + transform.ivLength()
                + payload + padLength(payload) + 2 + transform.icvLength();
    }

    /** RFC 4303 §2.4: pad length and next header end on a 4-byte boundary and on the cipher's block. */
    private int padLength(int payload) {
        int align = Math.max(4, transform.alignment());
        return (align - (payload + 2) % align) % align;
    }

    /** Appends (UDP header,) ESP header, IV, ciphertext and ICV to {@code out}, whose header is already written. */
    private void seal(ByteBuf out, ByteBuf src, int index, int length, int nextHeader, int nameOffset) {
        int headerEnd = out.writerIndex();
        if (sa.encapDestinationPort() != 0) {
            out.setByte(nameOffset, IpProtocols.UDP);
            out.writeZero(UdpHeader.LENGTH); // length and ports set below, checksum 0 (RFC 3948 §2.1)
        } else {
            out.setByte(nameOffset, IpProtocols.ESP);
        }
        sequence++;
        int padLength = padLength(length);
        int ivLength = transform.ivLength();
        int plain = length + padLength + 2;
        int total = 8 + ivLength + plain + transform.icvLength();
        if (scratch.length < total) {
            scratch = new byte[Math.max(total, scratch.length * 2)];
        }
        put(scratch, 0, sa.spi());
        put(scratch, 4, (int) sequence);
        if (random != null) {
            random.nextBytes(ivBytes(ivLength));
            System.arraycopy(ivBytes(ivLength), 0, scratch, 8, ivLength);
        } else {
            // the counter modes: a counter from a random start, so IVs never repeat within an encoder (not even when
            // a test sends a sequence number twice) nor, but with negligible chance, across encoders of one SA
            ivCounter++;
            for (int i = 0; i < ivLength; i++) {
                scratch[8 + i] = (byte) (ivCounter >>> (56 - 8 * i));
            }
        }
        int data = 8 + ivLength;
        src.getBytes(index, scratch, data, length);
        // RFC 4303 §2.4: default pad bytes 1, 2, 3…
        for (int i = 0; i < padLength; i++) {
            scratch[data + length + i] = (byte) (i + 1);
        }
        scratch[data + length + padLength] = (byte) padLength;
        scratch[data + length + padLength + 1] = (byte) nextHeader;
        int sealed = transform.seal(scratch, 0, plain, (int) (sequence >>> 32));
        out.writeBytes(scratch, 0, sealed);
        if (sa.encapDestinationPort() != 0) {
            UdpHeader.write(out, headerEnd, sa.encapSourcePort(), sa.encapDestinationPort(),
                    out.writerIndex() - headerEnd);
        }
    }

    private byte[] ivBuffer = new byte[0];

    private byte[] ivBytes(int length) {
        if (ivBuffer.length != length) {
            ivBuffer = new byte[length];
        }
        return ivBuffer;
    }

    private static void put(byte[] b, int i, int v) {
        b[i] = (byte) (v >>> 24);
        b[i + 1] = (byte) (v >>> 16);
        b[i + 2] = (byte) (v >>> 8);
        b[i + 3] = (byte) v;
    }

    private static void fixLengths(ByteBuf out, int version) {
        int start = out.readerIndex();
        int limit = version == 6 ? Ipv6Header.LENGTH + Ipv6Header.MAX_PAYLOAD_LENGTH : 65535;
        if (out.readableBytes() > limit) {
            int size = out.readableBytes();
            out.release();
            throw new IllegalArgumentException("the ESP packet would be " + size + " bytes, more than IPv" + version
                    + " allows (" + limit + ")");
        }
        if (version == 6) {
            Ipv6Header.payloadLength(out, start, out.readableBytes() - Ipv6Header.LENGTH);
        } else {
            out.setShort(start + Ipv4Header.TOTAL_LENGTH_OFFSET, out.readableBytes());
            out.setShort(start + Ipv4Header.FRAGMENT_FIELD_OFFSET, 0);
            Ipv4Header.updateChecksum(out, start, Ipv4Header.headerLength(out, start));
        }
    }
}
