package io.netfrag.esp;

import static io.netty.util.internal.ObjectUtil.checkNotNull;
import static io.netty.util.internal.ObjectUtil.checkPositiveOrZero;

import io.netfrag.internal.esp.EspTransform;
import io.netfrag.internal.esp.ReplayWindow;
import io.netfrag.internal.wire.IpProtocols;
import io.netfrag.internal.wire.Ipv4Header;
import io.netfrag.internal.wire.Ipv6Header;
import io.netfrag.internal.wire.Ipv6HeaderChain;
import io.netfrag.internal.wire.UdpHeader;
import io.netfrag.packet.IpPacket;
import io.netfrag.packet.IpPacketDecoder;
import io.netfrag.packet.LocalAddresses;
import io.netfrag.reassembly.CoalescePolicy;
import io.netfrag.stats.CounterSnapshot;
import io.netfrag.stats.Counters;
import io.netfrag.stats.DropReason;
import io.netfrag.stats.MibCounter;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.function.Function;

/**
 * IPsec ESP input (RFC 4303) for combined-mode algorithms (AES-GCM RFC 4106, AES-GMAC RFC 4543, ChaCha20-Poly1305 RFC
 * 7634), in the order of Linux {@code xfrm_input} / {@code esp_input}:
 *
 * <ol>
 *   <li>SPI and sequence number; no SA for (destination, SPI) → drop (XfrmInNoStates).
 *   <li>Anti-replay check before decryption (sequence 0, replays, left of the window; ESN high bits inferred)
 *       → drop (XfrmInStateSeqError).
 *   <li>A ciphertext that is not whole cipher blocks (AES-CBC) or too short for the trailer → drop.
 *   <li>Verify the ICV and decrypt; failure → drop (XfrmInStateProtoError). With a separate integrity algorithm the
 *       ICV is checked (in constant time) before anything is decrypted; combined-mode algorithms do both at once.
 *       Unverified plaintext never leaves: it is written only into the packet's own buffer or this handler's scratch
 *       array, and the packet is released.
 *   <li>Only then advance the replay window.
 *   <li>Trailer: pad length and next header; pad length + 2 reaching the end of the plaintext (no payload left, as
 *       Linux's {@code esp_input_done2}) → drop; next header 59 (dummy) → drop,
 *       counted (EspInDummy).
 *   <li>Transport mode: the IP header is kept with next header and lengths fixed, ESP header, IV, trailer and ICV
 *       removed; the packet continues down the pipeline. The SA's selector, if any, is enforced. Tunnel mode: the
 *       inner IPv4/IPv6 packet is decoded and sent through the pipeline again from the {@link IpPacketDecoder}
 *       onwards (so inner fragments are reassembled and nested ESP is decrypted), up to a nesting limit.
 *   <li>RFC 3948 UDP encapsulation on a port (default 4500): a 1-byte 0xFF payload is a NAT keepalive (consumed), a
 *       4-byte zero non-ESP marker is IKE (passed on untouched), anything longer than 8 bytes is ESP.
 * </ol>
 *
 * <p><b>Buffers.</b> Decryption works in place over the input (a heap buffer's own array, or a scratch array whose
 * plaintext is written back into the input's components) and the output is the input buffer with its indices moved:
 * no new buffer. The exception is a packet that arrived whole under {@link CoalescePolicy#COPY}: it is still in its
 * receive buffer, which COPY never lets a delivered datagram pin, so its plaintext is written into one new contiguous
 * buffer and the input released. A datagram reassembled under COPY is already in a buffer of its own (the
 * reassembler's copy buffer, a heap buffer for ESP: see {@code Fragment#decryptedNext}) and is decrypted there.
 * Default: in place ({@link CoalescePolicy#ADAPTIVE}).
 *
 * <p><b>State.</b> One {@link EspTransform} per SA per decoder (per event loop: cipher objects are not thread-safe);
 * the anti-replay window and the lifetime counters belong to the {@link SecurityAssociation} itself and are shared by
 * every decoder (every event loop) that meets the SA, as Linux keeps them in the {@code xfrm_state}: the window is
 * checked under its lock before decryption and re-checked and advanced under it after (see {@code ReplayWindow}), so
 * one SA's packets may be spread over several loops and no replay is ever accepted twice. The {@link SaDatabase} may
 * be changed from any thread. A decoder given the same database as another therefore continues that decoder's window:
 * to replay the same capture twice, build the database again.
 *
 * <p>Reads {@link IpPacket}s; anything that is not ESP (or ESP-in-UDP on the encapsulation port) passes through. Each
 * ESP packet read is owned by this handler. Not sharable.
 */
public class EspDecoder extends ChannelInboundHandlerAdapter {
    /** Default RFC 3948 UDP encapsulation port. */
    public static final int DEFAULT_ENCAP_PORT = 4500;
    /** Default limit of nested tunnel decapsulations. */
    public static final int DEFAULT_MAX_DEPTH = 4;

    private static final int ESP_HEADER = 8;
    private static final InternalLogger LOG = InternalLoggerFactory.getInstance(EspDecoder.class);

    private final SaDatabase database;
    private final CoalescePolicy policy;
    private final int encapPort;
    private final int maxDepth;
    private final Counters counters = new Counters();
    private final IpPacketDecoder innerDecoder;
    private final Ipv6HeaderChain chain = new Ipv6HeaderChain();
    private final Map<SecurityAssociation, SaState> states = new IdentityHashMap<>();
    private byte[] scratch = new byte[2048];
    private byte[] headerScratch = new byte[128];
    private ChannelHandlerContext reentry;
    private boolean engineFailureLogged;
    /** Builds an SA's transform for this decoder; tests put a failing engine in its place. */
    private Function<SecurityAssociation, EspTransform> transforms = SecurityAssociation::newTransform;

    private static final class SaState {
        final EspTransform transform;
        final ReplayWindow window;

        SaState(SecurityAssociation sa, EspTransform transform) {
            this.transform = transform;
            window = sa.inboundWindow;
        }
    }

    /** A decoder decrypting in place, UDP encapsulation on 4500, every inner destination local. */
    public EspDecoder(SaDatabase database) {
        this(database, CoalescePolicy.ADAPTIVE, DEFAULT_ENCAP_PORT, DEFAULT_MAX_DEPTH, LocalAddresses.ALL);
    }

    /**
     * Creates a decoder.
     *
     * @param database the SAs; may change at run time from any thread
     * @param policy {@link CoalescePolicy#COPY}: the plaintext of a packet that arrived whole into one new contiguous
     *     buffer (a reassembled one is decrypted where it was reassembled); otherwise in place
     * @param encapPort RFC 3948 UDP encapsulation port, 0 to disable
     * @param maxDepth most nested tunnel decapsulations a packet may have gone through
     * @param innerLocalAddresses which inner (tunnel-mode) destinations are local
     */
    public EspDecoder(SaDatabase database, CoalescePolicy policy, int encapPort, int maxDepth,
            LocalAddresses innerLocalAddresses) {
        this.database = checkNotNull(database, "database");
        this.policy = checkNotNull(policy, "policy");
        if (encapPort < 0 || encapPort > 65535) {
            throw new IllegalArgumentException("encapPort must be in [0, 65535]: " + encapPort);
        }
        this.encapPort = encapPort;
        this.maxDepth = checkPositiveOrZero(maxDepth, "maxDepth");
        this.innerDecoder = new IpPacketDecoder(checkNotNull(innerLocalAddresses, "innerLocalAddresses"), 0);
    }

    /** Replaces how this decoder builds an SA's transform (tests inject failing engines); event loop only. */
    void transforms(Function<SecurityAssociation, EspTransform> factory) {
        this.transforms = checkNotNull(factory, "factory");
        states.clear();
    }

    /** Counters: Xfrm* as Linux, EspInDecrypted, EspInDummy, EspInNatKeepalives, drops by reason. */
    public CounterSnapshot stats() {
        return counters.snapshot();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        reentry = ctx.pipeline().context(IpPacketDecoder.class);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        states.clear();
        java.util.Arrays.fill(scratch, (byte) 0);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof IpPacket) {
            IpPacket p = (IpPacket) msg;
            if (!p.needsReassembly() && !p.forwarding()) {
                if (p.protocol() == IpProtocols.ESP) {
                    decrypt(ctx, p, p.content().readerIndex() + p.upperOffset());
                    return;
                }
                if (p.protocol() == IpProtocols.UDP && encapPort != 0 && udpEncapsulated(ctx, p)) {
                    return;
                }
            }
        }
        ctx.fireChannelRead(msg);
    }

    /** RFC 3948: returns true when the packet was consumed here (keepalive, ESP or a malformed encapsulation). */
    private boolean udpEncapsulated(ChannelHandlerContext ctx, IpPacket p) {
        ByteBuf buf = p.content();
        int udp = buf.readerIndex() + p.upperOffset();
        if (p.upperLength() < UdpHeader.LENGTH || UdpHeader.destinationPort(buf, udp) != encapPort) {
            return false;
        }
        int payload = udp + UdpHeader.LENGTH;
        int length = buf.writerIndex() - payload;
        if (length == 1 && buf.getUnsignedByte(payload) == 0xff) {
            counters.increment(MibCounter.ESP_IN_NAT_KEEPALIVES); // RFC 3948 §2.3
            p.release();
            return true;
        }
        if (length >= 4 && buf.getInt(payload) == 0) {
            return false; // non-ESP marker: IKE, for the key manager (RFC 3948 §2.2)
        }
        if (length <= ESP_HEADER) {
            drop(p, DropReason.ESP_HEADER_TRUNCATED, MibCounter.XFRM_IN_HDR_ERROR);
            return true;
        }
        decrypt(ctx, p, payload);
        return true;
    }

    /**
     * A direct buffer, or null when the allocator is out of memory: the caller drops its packet (as Linux counts an
     * ENOMEM in {@code xfrm_input} as XfrmInError) and the decoder goes on with the next one.
     */
    private static ByteBuf allocate(ChannelHandlerContext ctx, int capacity) {
        try {
            return ctx.alloc().directBuffer(capacity);
        } catch (OutOfMemoryError e) {
            return null;
        }
    }

    private void drop(IpPacket p, DropReason reason, MibCounter counter) {
        counters.drop(reason);
        counters.increment(counter);
        p.release();
    }

    private SaState state(SecurityAssociation sa) {
        SaState s = states.get(sa);
        if (s == null) {
            if (states.size() > 16 + 2 * database.size()) {
                for (Iterator<SecurityAssociation> it = states.keySet().iterator(); it.hasNext();) {
                    if (it.next().destroyed()) {
                        it.remove(); // removed from the database: forget its engine and window
                    }
                }
            }
            try {
                s = new SaState(sa, transforms.apply(sa));
            } catch (IllegalStateException e) {
                if (sa.destroyed()) {
                    return null;
                }
                throw e;
            }
            states.put(sa, s);
        }
        return s;
    }

    /**
     * Checks the SA's lifetime before its packet is processed, as Linux's {@code xfrm_state_check_expire} (bytes and
     * packets) and its state timer (time): a hard limit reached expires the SA, a soft one is reported once. Each is
     * reported once, for every event loop, as a {@link SaExpiryEvent} fired down the pipeline.
     *
     * @return whether the SA has expired
     */
    private static boolean lifetimeExpired(ChannelHandlerContext ctx, SecurityAssociation sa) {
        SecurityAssociation.Usage u = sa.usage;
        if (u.hardReached.get()) {
            return true;
        }
        SaLifetime l = sa.lifetime();
        long now = ctx.executor().ticker().nanoTime();
        if (u.addedNanos == Long.MIN_VALUE) {
            u.addedNanos = now; // a benign race: two loops meeting the SA at once start the clock within a packet
        }
        long bytes = u.bytes.get();
        long packets = u.packets.get();
        long addSeconds = (now - u.addedNanos) / 1_000_000_000L;
        long firstUse = u.firstUseNanos;
        long useSeconds = firstUse == Long.MIN_VALUE ? -1 : (now - firstUse) / 1_000_000_000L;
        if (bytes >= l.hardBytes() || packets >= l.hardPackets() || timeUp(addSeconds, l.hardAddSeconds())
                || timeUp(useSeconds, l.hardUseSeconds())) {
            if (u.hardReached.compareAndSet(false, true)) {
                ctx.fireUserEventTriggered(new SaExpiryEvent(sa, true));
            }
            return true;
        }
        if ((bytes >= l.softBytes() || packets >= l.softPackets() || timeUp(addSeconds, l.softAddSeconds())
                || timeUp(useSeconds, l.softUseSeconds())) && u.softReached.compareAndSet(false, true)) {
            ctx.fireUserEventTriggered(new SaExpiryEvent(sa, false));
        }
        return false;
    }

    /** A time limit of 0 is none, as in Linux; {@code elapsed} is -1 while the clock has not started. */
    private static boolean timeUp(long elapsedSeconds, long limitSeconds) {
        return limitSeconds != 0 && elapsedSeconds >= 0 && elapsedSeconds >= limitSeconds;
    }

    private byte[] scratch(int length) {
        if (scratch.length < length) {
            scratch = new byte[Math.max(length, scratch.length * 2)];
        }
        return scratch;
    }

    /**
     * Decrypts the ESP packet starting at absolute index {@code esp}.
     *
     * @param p ownership is transferred
     */
    private void decrypt(ChannelHandlerContext ctx, IpPacket p, int esp) {
        ByteBuf buf = p.content();
        int start = buf.readerIndex();
        int end = buf.writerIndex();
        if (end - esp < ESP_HEADER) {
            drop(p, DropReason.ESP_HEADER_TRUNCATED, MibCounter.XFRM_IN_HDR_ERROR);
            return;
        }
        int spi = buf.getInt(esp);
        int sequenceLow = buf.getInt(esp + 4);
        SecurityAssociation sa = database.lookup(p.version(), p.destinationHigh(), p.destinationLow(), spi);
        if (sa == null) {
            drop(p, DropReason.ESP_NO_STATE, MibCounter.XFRM_IN_NO_STATES);
            return;
        }
        if (sa.lifetime() != SaLifetime.NONE && lifetimeExpired(ctx, sa)) {
            drop(p, DropReason.ESP_SA_EXPIRED, MibCounter.XFRM_IN_STATE_EXPIRED);
            return;
        }
        SaState st = state(sa);
        if (st == null) { // removed (and its keys zeroed) by another thread since the lookup
            drop(p, DropReason.ESP_NO_STATE, MibCounter.XFRM_IN_NO_STATES);
            return;
        }
        EspTransform transform = st.transform;
        int icv = transform.icvLength();
        int data = esp + ESP_HEADER + transform.ivLength();
        int ciphertext = end - data - icv; // payload, padding, pad length and next header
        if (ciphertext < 2) {
            drop(p, DropReason.ESP_TRUNCATED, MibCounter.XFRM_IN_STATE_PROTO_ERROR);
            return;
        }
        if (ciphertext % transform.alignment() != 0) {
            // a block cipher decrypts whole blocks only (Linux: the cipher fails, EINVAL)
            drop(p, DropReason.ESP_NOT_BLOCK_ALIGNED, MibCounter.XFRM_IN_STATE_PROTO_ERROR);
            return;
        }
        long sequence = st.window.check(sequenceLow);
        if (sequence == ReplayWindow.REJECT) {
            drop(p, DropReason.ESP_REPLAY, MibCounter.XFRM_IN_STATE_SEQ_ERROR);
            return;
        }
        byte[] array;
        int arrayEsp;
        // Under COPY the output must not pin a receive buffer: a packet that arrived whole is still in one; a
        // reassembled datagram in one contiguous buffer is in the reassembler's own copy buffer (a chain may hold
        // receive buffers, when the reassemblers were given another policy than this decoder).
        boolean inPlace = policy != CoalescePolicy.COPY || p.reassembled() && !(buf instanceof CompositeByteBuf);
        boolean inArray = buf.hasArray() && inPlace;
        if (inArray) {
            array = buf.array();
            arrayEsp = buf.arrayOffset() + esp;
        } else {
            array = scratch(end - esp);
            arrayEsp = 0;
            buf.getBytes(esp, array, 0, end - esp);
        }
        // verifies the ICV (before decrypting, for a separate integrity algorithm) and decrypts in place
        boolean authentic;
        try {
            authentic = transform.open(array, arrayEsp, end - esp, (int) (sequence >>> 32));
        } catch (RuntimeException e) {
            // the provider failed (not an authentication failure): the packet is dropped and counted, and the SA's
            // engine, whose state is now unknown, is rebuilt for the next packet; the window did not move
            states.remove(sa);
            if (!engineFailureLogged) {
                engineFailureLogged = true;
                LOG.warn("netfrag ESP: the cipher provider failed on a packet of {} ({}); packets it fails on are "
                        + "dropped and counted as {}", sa, e.toString(), DropReason.ESP_ENGINE_FAILED);
            }
            drop(p, DropReason.ESP_ENGINE_FAILED, MibCounter.XFRM_IN_STATE_PROTO_ERROR);
            return;
        }
        if (!authentic) {
            drop(p, DropReason.ESP_ICV_FAILED, MibCounter.XFRM_IN_STATE_PROTO_ERROR);
            return;
        }
        int offset = arrayEsp + ESP_HEADER + transform.ivLength();
        counters.increment(MibCounter.ESP_IN_DECRYPTED);
        int plain = ciphertext;
        int padLength = array[offset + plain - 2] & 0xff;
        int nextHeader = array[offset + plain - 1] & 0xff;
        if (padLength + 2 >= plain) {
            // as Linux esp_input_done2 ("ipsec esp packet is garbage"): padding and trailer leave no payload; the
            // window does not advance (xfrm_input advances only after the ESP input succeeded)
            drop(p, DropReason.ESP_BAD_PADDING, MibCounter.XFRM_IN_STATE_PROTO_ERROR);
            return;
        }
        int payloadLength = plain - padLength - 2;
        if (!st.window.recheckAndAdvance(sequence)) {
            // as Linux xfrm_replay_recheck: another event loop accepted this sequence number (or moved the window
            // past it) while this one decrypted
            drop(p, DropReason.ESP_REPLAY, MibCounter.XFRM_IN_STATE_SEQ_ERROR);
            return;
        }
        if (sa.lifetime() != SaLifetime.NONE) {
            SecurityAssociation.Usage usage = sa.usage;
            usage.packets.incrementAndGet();
            usage.bytes.addAndGet(payloadLength); // as Linux: the packet's length once ESP is removed
            if (usage.firstUseNanos == Long.MIN_VALUE) {
                usage.firstUseNanos = ctx.executor().ticker().nanoTime();
            }
        }
        if (nextHeader == IpProtocols.NO_NEXT_HEADER) {
            counters.increment(MibCounter.ESP_IN_DUMMY); // RFC 4303 §2.6: silently discarded
            counters.drop(DropReason.ESP_DUMMY_PACKET);
            p.release();
            return;
        }
        if (sa.mode() == SecurityAssociation.Mode.TUNNEL) {
            tunnel(ctx, p, sa, array, offset, inArray, inPlace, data, payloadLength, nextHeader);
        } else {
            transport(ctx, p, sa, array, offset, inArray, inPlace, data, payloadLength, nextHeader);
        }
    }

    private void transport(ChannelHandlerContext ctx, IpPacket p, SecurityAssociation sa, byte[] array, int offset,
            boolean inArray, boolean inPlace, int data, int payloadLength, int nextHeader) {
        ByteBuf buf = p.content();
        int start = buf.readerIndex();
        // read now: when the plaintext goes into a new buffer the packet is released (its object back in the pool)
        int version = p.version();
        int depth = p.depth();
        int headerLength = p.upperOffset(); // IP header (+ extension headers); a UDP encapsulation header is dropped
        int nameOffset;
        if (p.version() == 6) {
            chain.walk(buf, start, buf.writerIndex());
            nameOffset = chain.upperNextHeaderIndex() - start;
        } else {
            nameOffset = Ipv4Header.PROTOCOL_OFFSET;
        }
        if (headerScratch.length < headerLength) {
            headerScratch = new byte[headerLength];
        }
        buf.getBytes(start, headerScratch, 0, headerLength);
        headerScratch[nameOffset] = (byte) nextHeader;
        ByteBuf out;
        int outStart;
        if (!inPlace) {
            out = allocate(ctx, headerLength + payloadLength);
            if (out == null) {
                drop(p, DropReason.ALLOCATION_FAILED, MibCounter.XFRM_IN_ERROR);
                return;
            }
            out.writeBytes(headerScratch, 0, headerLength).writeBytes(array, offset, payloadLength);
            p.release();
            outStart = 0;
        } else {
            out = buf;
            if (!inArray) {
                out.setBytes(data, array, offset, payloadLength);
            }
            outStart = data - headerLength;
            out.setBytes(outStart, headerScratch, 0, headerLength);
            out.setIndex(outStart, data + payloadLength);
            p.releaseWrapper(); // its content goes on as the inner packet's: the packet object back to its pool
        }
        if (version == 6) {
            Ipv6Header.payloadLength(out, outStart, headerLength - Ipv6Header.LENGTH + payloadLength);
        } else {
            out.setShort(outStart + Ipv4Header.TOTAL_LENGTH_OFFSET, headerLength + payloadLength);
            Ipv4Header.updateChecksum(out, outStart, Ipv4Header.headerLength(out, outStart));
        }
        IpPacket decoded = innerDecoder.decode(out, depth);
        if (decoded == null) {
            counters.drop(DropReason.ESP_BAD_INNER_PACKET);
            counters.increment(MibCounter.XFRM_IN_STATE_MODE_ERROR);
            return;
        }
        if (!sa.selector().isAny() && !selectorMatches(sa.selector(), decoded)) {
            drop(decoded, DropReason.ESP_SELECTOR_MISMATCH, MibCounter.XFRM_IN_STATE_MISMATCH);
            return;
        }
        ctx.fireChannelRead(decoded);
    }

    private static boolean selectorMatches(Selector selector, IpPacket p) {
        ByteBuf b = p.content();
        int upper = b.readerIndex() + p.upperOffset();
        int sport = 0;
        int dport = 0;
        if ((p.protocol() == IpProtocols.UDP || p.protocol() == IpProtocols.TCP) && p.upperLength() >= 4) {
            sport = b.getUnsignedShort(upper);
            dport = b.getUnsignedShort(upper + 2);
        }
        return selector.matches(p.sourceAddress().getAddress(), p.destinationAddress().getAddress(), p.protocol(),
                sport, dport);
    }

    private void tunnel(ChannelHandlerContext ctx, IpPacket p, SecurityAssociation sa, byte[] array, int offset,
            boolean inArray, boolean inPlace, int data, int payloadLength, int nextHeader) {
        if (nextHeader != IpProtocols.IPV4 && nextHeader != IpProtocols.IPV6) {
            drop(p, DropReason.ESP_BAD_INNER_PACKET, MibCounter.XFRM_IN_STATE_MODE_ERROR);
            return;
        }
        if (p.depth() >= maxDepth) {
            drop(p, DropReason.ESP_NESTING_TOO_DEEP, MibCounter.XFRM_IN_STATE_MODE_ERROR);
            return;
        }
        int depth = p.depth(); // read now: copied out, the packet is released (its object pooled) before it is used
        ByteBuf inner;
        if (!inPlace) {
            inner = allocate(ctx, payloadLength);
            if (inner == null) {
                drop(p, DropReason.ALLOCATION_FAILED, MibCounter.XFRM_IN_ERROR);
                return;
            }
            inner.writeBytes(array, offset, payloadLength);
            p.release();
        } else {
            inner = p.content();
            if (!inArray) {
                inner.setBytes(data, array, offset, payloadLength);
            }
            inner.setIndex(data, data + payloadLength);
            p.releaseWrapper(); // its content goes on as the inner packet's: the packet object back to its pool
        }
        IpPacket decoded = innerDecoder.decode(inner, depth + 1);
        if (decoded == null) {
            counters.drop(DropReason.ESP_BAD_INNER_PACKET);
            counters.increment(MibCounter.XFRM_IN_STATE_MODE_ERROR);
            return;
        }
        // the inner packet goes through reassembly and ESP again, from just after the IpPacketDecoder
        if (reentry != null && !reentry.isRemoved()) {
            reentry.fireChannelRead(decoded);
        } else {
            ctx.pipeline().fireChannelRead(decoded);
        }
    }
}
