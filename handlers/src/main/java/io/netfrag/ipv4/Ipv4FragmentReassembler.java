package io.netfrag.ipv4;

import static io.netty.util.internal.ObjectUtil.checkNotNull;
import static io.netty.util.internal.ObjectUtil.checkPositiveOrZero;

import io.netfrag.internal.reassembly.AbstractReassembler;
import io.netfrag.internal.reassembly.Fragment;
import io.netfrag.internal.reassembly.FragmentQueue;
import io.netfrag.internal.reassembly.InsertResult;
import io.netfrag.internal.reassembly.KeyHasher;
import io.netfrag.internal.wire.EcnCombiner;
import io.netfrag.internal.wire.Ipv4Header;
import io.netfrag.internal.wire.IpProtocols;
import io.netfrag.packet.IcmpError;
import io.netfrag.packet.IcmpErrorSink;
import io.netfrag.packet.IpPacket;
import io.netfrag.reassembly.CoalescePolicy;
import io.netfrag.reassembly.OverlapPolicy;
import io.netfrag.reassembly.ReassemblyLimits;
import io.netfrag.stats.DropReason;
import io.netfrag.stats.MibCounter;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.util.collection.LongObjectHashMap;
import java.time.Duration;

/**
 * Reassembles IPv4 fragments (RFC 791, RFC 815) with the behaviour of Linux {@code net/ipv4/ip_fragment.c}, on the
 * same core as the IPv6 reassembler.
 *
 * <ul>
 *   <li>Key: source, destination, identification, protocol (and the ingress index).
 *   <li>The header checksum, IHL and total length are verified by {@code IpPacketDecoder} before a fragment gets
 *       here.
 *   <li>A non-last fragment whose end is not a multiple of 8 is cut down to one, as Linux does.
 *   <li>Zero-length fragments, conflicting last fragments and data beyond a known end discard the datagram; overlaps
 *       discard it and count ReasmOverlaps (Linux since 4.19); a fragment inside one run of received data is a
 *       duplicate. A target-based {@link OverlapPolicy} can be chosen for analysis.
 *   <li>{@code ipfrag_max_dist} (default 64): when more than that many fragments from a datagram's source arrived
 *       since it last grew, its fragments are flushed and it restarts (ReasmFails).
 *   <li>The reassembled header is the first fragment's (options included) with total length, flags/offset and
 *       checksum rewritten; DF is set only if the largest fragment carried DF; ECN combined as RFC 3168 §5.3; more
 *       than 65535 bytes drops the datagram.
 *   <li>Queues time out 30 s (default) after creation; ICMP Time Exceeded (code 1) only if the first fragment had
 *       arrived, through the {@link IcmpErrorSink}.
 * </ul>
 *
 * <p>Reads {@link IpPacket}s; non-IPv4 packets and non-fragments pass through. Each fragment read is owned by this
 * handler. Not sharable.
 */
public class Ipv4FragmentReassembler extends AbstractReassembler<Ipv4FragmentKey> {
    /** Default timeout: 30 s (Linux {@code ipfrag_time}). */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
    /** Largest IPv4 datagram. */
    public static final int MAX_DATAGRAM = 65535;
    /** Most bytes of the invoking packet an ICMPv4 error carries in Linux (576 − 20 − 8). */
    public static final int ICMP_QUOTE_LIMIT = 548;
    /**
     * Largest fragment end the core can be asked to hold: offsets reach 65528 and a fragment may carry up to 65515
     * bytes. Like Linux, such datagrams are queued and rejected when complete.
     */
    private static final int MAX_FRAGMENT_END = 65528 + 65535;

    /** Default {@code ipfrag_max_dist} (Linux {@code net.ipv4.ipfrag_max_dist}). */
    public static final int DEFAULT_MAX_DIST = 64;

    private final Ipv4FragmentKey lookup = new Ipv4FragmentKey();
    private final Fragment fragment = new Fragment();
    private final IpPacket.Builder packet = IpPacket.builder();
    /** The source of the fragment being inserted, for {@link #fragmentQueued}. */
    private int insertingSource;
    private final OverlapPolicy overlapPolicy;
    private final int maxDist;
    /**
     * Per source address: fragments seen (Linux {@code inet_peer.rid}) and when the last one came, found by a keyed hash
     * of the address under a secret of this handler ({@link KeyHasher}): keyed by the address itself, an open-addressing
     * map lets a sender that spoofs addresses equal in their low bits pile every entry into one probe run. At most
     * {@link #MAX_PEERS}, like Linux's {@code inet_peer_threshold}; sources idle for longer than the timeout are
     * forgotten by a scan that runs when the map has doubled since the last one, and at most every 1/16 of the timeout
     * once it is full, so a flood of fresh source addresses costs O(1) per fragment.
     */
    private final LongObjectHashMap<Peer> peers = new LongObjectHashMap<>();
    private final KeyHasher peerHasher = new KeyHasher();
    private int peerScanSize = MIN_PEER_SCAN_SIZE;
    private long peerScanNotBefore;
    private boolean peerScanWaits;
    private long peerScans;

    /** Sources tracked for {@code ipfrag_max_dist} at most (Linux {@code inet_peer_threshold}: 65536). */
    static final int MAX_PEERS = 65_536;
    private static final int MIN_PEER_SCAN_SIZE = 1024;

    private static final class Peer {
        final int source;
        int sequence;
        long lastSeenNanos;

        Peer(int source) {
            this.source = source;
        }
    }

    /** {@link CoalescePolicy#ADAPTIVE}, Linux limits, 30 s timeout, ICMP errors fired as user events. */
    public Ipv4FragmentReassembler() {
        this(CoalescePolicy.ADAPTIVE);
    }

    /** The given policy with Linux limits, 30 s timeout, ICMP errors fired as user events. */
    public Ipv4FragmentReassembler(CoalescePolicy policy) {
        this(policy, ReassemblyLimits.defaults(DEFAULT_TIMEOUT), IcmpErrorSink.FIRE_USER_EVENT);
    }

    /**
     * Creates a reassembler.
     *
     * @param policy how fragment data is coalesced
     * @param limits memory thresholds, timeout and component budget
     * @param icmpSink where ICMP errors go
     */
    public Ipv4FragmentReassembler(CoalescePolicy policy, ReassemblyLimits limits, IcmpErrorSink icmpSink) {
        this(policy, limits, icmpSink, OverlapPolicy.DROP, DEFAULT_MAX_DIST);
    }

    /**
     * Creates a reassembler.
     *
     * @param policy how fragment data is coalesced (target-based overlap policies always copy)
     * @param limits memory thresholds, timeout and component budget
     * @param icmpSink where ICMP errors go
     * @param overlapPolicy {@link OverlapPolicy#DROP} (Linux since 4.19) or a target-based policy for analysis
     * @param maxDist Linux {@code ipfrag_max_dist}: when more than this many fragments from a datagram's source
     *     arrived since the datagram last grew, its fragments are thrown away and it starts afresh; 0 disables
     */
    public Ipv4FragmentReassembler(CoalescePolicy policy, ReassemblyLimits limits, IcmpErrorSink icmpSink,
            OverlapPolicy overlapPolicy, int maxDist) {
        super(policy, limits, MAX_FRAGMENT_END, icmpSink);
        this.overlapPolicy = checkNotNull(overlapPolicy, "overlapPolicy");
        this.maxDist = checkPositiveOrZero(maxDist, "maxDist");
    }

    @Override
    protected boolean accepts(IpPacket packet) {
        return packet.version() == 4 && packet.needsReassembly();
    }

    @Override
    protected void reassemble(ChannelHandlerContext ctx, IpPacket packet) {
        counters.increment(MibCounter.REASM_REQDS);
        ByteBuf buf = packet.content();
        int start = buf.readerIndex();
        int headerLength = packet.upperOffset();
        int offset = packet.fragmentOffsetBytes();
        boolean more = packet.moreFragments();
        int end = offset + buf.readableBytes() - headerLength;
        if (more && (end & 7) != 0) {
            end &= ~7; // as Linux ip_frag_queue: a non-last fragment ends on an 8-byte boundary
        }
        lookup.set((int) packet.sourceLow(), (int) packet.destinationLow(), packet.identification(),
                packet.protocol(), packet.ingressIndex());
        int size = buf.readableBytes();
        insertingSource = (int) packet.sourceLow();
        insertingNanos = nowNanos();
        fragment.data(buf, start + headerLength, offset, Math.max(0, end - offset), !more).header(start, headerLength)
                .flags(EcnCombiner.bit(packet.ecn())).route(packet.forwarding(), overlapPolicy)
                .decryptedNext(packet.protocol() == IpProtocols.ESP && !packet.forwarding());
        InsertResult result = table.insert(lookup, fragment, insertingNanos, ctx.alloc());
        if ((packet.flags() & IpPacket.FLAG_DONT_FRAGMENT) != 0
                && (result == InsertResult.QUEUED || result == InsertResult.COMPLETE)) {
            // as Linux ip_frag_queue: the largest fragment that carried DF, for the reassembled datagram's DF
            Ipv4Queue q = (Ipv4Queue) (result == InsertResult.COMPLETE ? table.completedQueue() : table.lastQueue());
            if (q != null) {
                q.maxDfFragmentSize = Math.max(q.maxDfFragmentSize, size);
            }
        }
        if (result == InsertResult.COMPLETE) {
            complete(ctx, packet);
        }
        packet.releaseWrapper(); // the table took the buffer over: the packet object goes back to its pool
    }

    /** The ticker time of the fragment being inserted, for {@link #fragmentQueued}. */
    private long insertingNanos;

    /** The IPv4 state of a datagram being reassembled (Linux {@code struct ipq}). */
    private static final class Ipv4Queue extends FragmentQueue<Ipv4FragmentKey> {
        /** The source's fragment sequence when this datagram last took a fragment (Linux {@code qp->rid}). */
        int sequence;
        /** The largest fragment that carried DF (Linux {@code q.max_df_size}), 0 if none. */
        int maxDfFragmentSize;
    }

    @Override
    protected FragmentQueue<Ipv4FragmentKey> newQueue() {
        return new Ipv4Queue();
    }

    /**
     * As Linux {@code ip_frag_too_far}, which runs in {@code ip_frag_queue} once the fragment has a queue (so a
     * fragment refused a new queue is not counted): counts the fragment against its source, and when more than
     * {@code maxDist} fragments from that source arrived since this datagram last took one and the datagram holds
     * data, it is started afresh with this fragment.
     */
    @Override
    protected DropReason fragmentQueued(FragmentQueue<Ipv4FragmentKey> queue, boolean created) {
        if (maxDist == 0) {
            return null;
        }
        Ipv4Queue q = (Ipv4Queue) queue;
        int source = insertingSource;
        long key = peerHasher.begin().add(source).end();
        Peer peer = peers.get(key);
        if (peer == null) {
            peer = newPeer(key, source, insertingNanos);
        }
        if (peer == null || peer.source != source) {
            // No room (the map is full of sources active within the timeout) or, about once in 2^64, another
            // source's hash: as Linux when inet_getpeer finds no peer, the distance is not checked.
            return null;
        }
        peer.lastSeenNanos = insertingNanos;
        int start = q.sequence;
        int sequence = ++peer.sequence;
        q.sequence = sequence;
        return !created && sequence - start > maxDist ? DropReason.FRAGMENT_TOO_FAR : null;
    }

    private Peer newPeer(long key, int source, long now) {
        if (peers.size() >= peerScanSize && (!peerScanWaits || now - peerScanNotBefore >= 0)) {
            // A source idle for longer than the timeout has no live datagram (each would have expired): forget it.
            long timeout = table.limits().timeoutNanos();
            peers.values().removeIf(p -> now - p.lastSeenNanos > timeout);
            peerScans++;
            peerScanSize = Math.max(MIN_PEER_SCAN_SIZE, 2 * peers.size());
            peerScanWaits = peerScanSize >= MAX_PEERS;
            if (peerScanWaits) {
                peerScanSize = MAX_PEERS;
                peerScanNotBefore = now + timeout / 16;
            }
        }
        if (peers.size() >= MAX_PEERS) {
            return null;
        }
        Peer p = new Peer(source);
        peers.put(key, p);
        return p;
    }

    /** Sources tracked for {@code ipfrag_max_dist} now (tests). */
    int peerCount() {
        return peers.size();
    }

    /** Scans for idle sources so far (tests). */
    long peerScans() {
        return peerScans;
    }

    private void complete(ChannelHandlerContext ctx, IpPacket last) {
        Ipv4Queue q = (Ipv4Queue) table.completedQueue();
        ByteBuf result = table.takeCompleted();
        int ecn = EcnCombiner.combine(q.flags());
        if (ecn == EcnCombiner.DROP) {
            fail(result, DropReason.ECN_MISMATCH);
            return;
        }
        int headerLength = q.headerLength();
        int total = headerLength + q.length();
        if (total > MAX_DATAGRAM) {
            fail(result, DropReason.REASSEMBLED_TOO_BIG);
            return;
        }
        int start = result.readerIndex();
        result.setShort(start + Ipv4Header.TOTAL_LENGTH_OFFSET, total);
        // as Linux ip_frag_reasm: DF only if the largest fragment carried DF
        boolean df = q.maxDfFragmentSize != 0 && q.maxDfFragmentSize == q.maxFragmentSize();
        result.setShort(start + Ipv4Header.FRAGMENT_FIELD_OFFSET, df ? Ipv4Header.FLAG_DF : 0);
        result.setByte(start + 1, Ipv4Header.tos(result, start) | ecn);
        Ipv4Header.updateChecksum(result, start, headerLength);
        counters.increment(MibCounter.REASM_OKS);
        int flags = IpPacket.FLAG_REASSEMBLED | (q.forwarding() ? IpPacket.FLAG_FORWARDING : 0)
                | (df ? IpPacket.FLAG_DONT_FRAGMENT : 0);
        ctx.fireChannelRead(packet.addresses(4, 0, last.sourceLow(), 0, last.destinationLow())
                .upper(last.protocol(), headerLength)
                .trafficClass(Ipv4Header.tos(result, start), Ipv4Header.ttl(result, start)).notFragment()
                .identification(last.identification()).flags(flags).ingressIndex(last.ingressIndex())
                .maxFragmentSize(q.maxFragmentSize()).depth(last.depth()).build(result));
    }

    private void fail(ByteBuf result, DropReason reason) {
        counters.increment(MibCounter.REASM_FAILS);
        counters.drop(reason);
        result.release();
    }

    @Override
    protected void expired(FragmentQueue<Ipv4FragmentKey> q) {
        if (!q.firstIn()) {
            return; // as Linux ip_expire: no error unless the first fragment arrived
        }
        ByteBuf quote = icmpQuoteBuffer(ICMP_QUOTE_LIMIT);
        if (quote == null) {
            return; // out of memory: the datagram is gone either way, its ICMP error is not sent (counted)
        }
        boolean ok = false;
        try {
            q.copyHeaderTo(quote);
            q.copyFirstDataTo(quote, Math.max(0, ICMP_QUOTE_LIMIT - quote.readableBytes()));
            quote.writerIndex(Math.min(quote.writerIndex(), ICMP_QUOTE_LIMIT));
            counters.increment(MibCounter.OUT_TIME_EXCDS);
            emitIcmp(new IcmpError(quote, 4, IcmpError.ICMPV4_TIME_EXCEEDED, IcmpError.CODE_REASSEMBLY_TIME_EXCEEDED,
                    0, IpPacket.address(4, 0, q.key().source & 0xffffffffL)));
            ok = true;
        } finally {
            if (!ok) {
                quote.release();
            }
        }
    }
}
