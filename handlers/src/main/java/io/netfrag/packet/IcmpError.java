package io.netfrag.packet;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.DefaultByteBufHolder;
import java.net.InetAddress;

/**
 * An ICMP or ICMPv6 error a Linux receiver would send, produced as a message rather than sent: the user's
 * {@link IcmpErrorSink} decides. Owns the quoted invoking packet (as much of it as Linux puts in an error: up to
 * 1232 bytes for ICMPv6 (the minimum MTU less the headers), up to 548 bytes for ICMPv4 (576 less the headers)); releasing the error releases the quote.
 */
public final class IcmpError extends DefaultByteBufHolder {
    /** ICMPv6 Time Exceeded (RFC 4443 §3.3). */
    public static final int ICMPV6_TIME_EXCEEDED = 3;
    /** ICMPv6 Parameter Problem (RFC 4443 §3.4). */
    public static final int ICMPV6_PARAMETER_PROBLEM = 4;
    /** ICMPv4 Time Exceeded (RFC 792). */
    public static final int ICMPV4_TIME_EXCEEDED = 11;
    /** ICMPv4 Parameter Problem (RFC 792). */
    public static final int ICMPV4_PARAMETER_PROBLEM = 12;
    /** Time Exceeded code 1: fragment reassembly time exceeded. */
    public static final int CODE_REASSEMBLY_TIME_EXCEEDED = 1;
    /** ICMPv6 Parameter Problem code 0: erroneous header field. */
    public static final int CODE_ERRONEOUS_HEADER_FIELD = 0;
    /** ICMPv6 Parameter Problem code 3: IPv6 first fragment has incomplete header chain (RFC 7112). */
    public static final int CODE_INCOMPLETE_HEADER_CHAIN = 3;

    private final int version;
    private final int type;
    private final int code;
    private final int pointer;
    private final InetAddress destination;

    /**
     * Creates an error.
     *
     * @param quote the start of the invoking packet; ownership is transferred
     * @param version 4 or 6
     * @param type ICMP type
     * @param code ICMP code
     * @param pointer Parameter Problem pointer, else 0
     * @param destination where the error would be sent: the invoking packet's source
     */
    public IcmpError(ByteBuf quote, int version, int type, int code, int pointer, InetAddress destination) {
        super(quote);
        this.version = version;
        this.type = type;
        this.code = code;
        this.pointer = pointer;
        this.destination = destination;
    }

    /** 4 for ICMP, 6 for ICMPv6. */
    public int version() {
        return version;
    }

    /** ICMP type. */
    public int type() {
        return type;
    }

    /** ICMP code. */
    public int code() {
        return code;
    }

    /** Parameter Problem pointer (offset of the erroneous byte in the invoking packet). */
    public int pointer() {
        return pointer;
    }

    /** The invoking packet's source, to which the error would be sent. */
    public InetAddress destination() {
        return destination;
    }

    @Override
    public IcmpError replace(ByteBuf content) {
        return new IcmpError(content, version, type, code, pointer, destination);
    }

    @Override
    public IcmpError retain() {
        super.retain();
        return this;
    }

    @Override
    public IcmpError touch(Object hint) {
        super.touch(hint);
        return this;
    }

    @Override
    public String toString() {
        return "IcmpError(v" + version + " type " + type + " code " + code + " pointer " + pointer + " to "
                + destination.getHostAddress() + ", quote " + content().readableBytes() + " bytes)";
    }
}
