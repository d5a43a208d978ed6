package io.netfrag.replay;

import static io.netty.util.internal.ObjectUtil.checkNotNull;

import io.netfrag.ReceivePath;
import io.netfrag.esp.EspDecoder;
import io.netfrag.internal.reassembly.AbstractReassembler;
import io.netfrag.packet.IpPacketDecoder;
import io.netfrag.pcap.LinkLayer;
import io.netfrag.pcap.PcapReader;
import io.netfrag.pcap.PcapRecord;
import io.netfrag.stats.CounterSnapshot;
import io.netfrag.udp.UdpDeliver;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Replays a pcap or pcapng capture through a netfrag pipeline in an {@link EmbeddedChannel}: each record's IP packet
 * is written inbound in capture order, the channel's clock follows the capture's timestamps (so reassembly timeouts
 * behave as they would have), and every message that leaves the pipeline is handed to a {@link Sink} with the number
 * of the record that caused it. Records that carry no IP packet (ARP, LLDP…) are skipped and counted.
 *
 * <p>One instance replays one capture: a fresh pipeline per capture, as a fresh receiver would be. Not thread-safe.
 */
public final class CaptureReplay implements AutoCloseable {

    /** Receives what the pipeline delivers. */
    @FunctionalInterface
    public interface Sink {
        /**
         * One message left the pipeline.
         *
         * @param frame 1-based number of the record whose arrival produced it
         * @param message ownership is transferred to the sink
         */
        void accept(int frame, Object message) throws IOException;
    }

    private final EmbeddedChannel channel;
    private final List<ChannelHandler> handlers;
    private long lastTimestampNanos = Long.MIN_VALUE;
    private int records;
    private int skippedRecords;

    /**
     * A replay through the given handlers.
     *
     * @param handlers the pipeline, first handler first (e.g. decoder, reassemblers, {@link UdpDeliver})
     */
    public CaptureReplay(ChannelHandler... handlers) {
        this.handlers = List.of(handlers);
        this.channel = new EmbeddedChannel(handlers);
        channel.freezeTime();
    }

    /**
     * A replay through a fresh set of {@code path}'s handlers (decoder, both reassemblers, ESP, UDP delivery): what a
     * channel with that receive path delivers, record by record.
     */
    public static CaptureReplay of(ReceivePath path) {
        return new CaptureReplay(checkNotNull(path, "path").newHandlers().toArray());
    }

    /** The channel the pipeline lives in. */
    public EmbeddedChannel channel() {
        return channel;
    }

    /** Packet records read so far. */
    public int records() {
        return records;
    }

    /** Records skipped because they carried no IPv4/IPv6 packet. */
    public int skippedRecords() {
        return skippedRecords;
    }

    /**
     * Replays a whole capture.
     *
     * @param in the capture; read to its end, not closed
     * @param sink receives each delivered message
     * @throws IOException if the capture cannot be read or has an unsupported link type
     */
    public void replay(InputStream in, Sink sink) throws IOException {
        PcapReader reader = PcapReader.open(in);
        for (PcapRecord record = reader.next(); record != null; record = reader.next()) {
            records++;
            int frame = record.number();
            ByteBuf content = record.content();
            boolean handedOn = false;
            try {
                LinkLayer.checkSupported(record.linkType());
                advanceClock(record.timestampNanos());
                long location = LinkLayer.locate(record.linkType(), content);
                if (location < 0) {
                    skippedRecords++;
                } else {
                    int index = LinkLayer.index(location);
                    content.setIndex(index, index + LinkLayer.length(location));
                    handedOn = true;
                    channel.writeInbound(content);
                }
            } finally {
                if (!handedOn) {
                    record.release();
                }
            }
            drain(frame, sink);
        }
    }

    private void advanceClock(long timestampNanos) {
        if (lastTimestampNanos != Long.MIN_VALUE && timestampNanos > lastTimestampNanos) {
            channel.advanceTimeBy(timestampNanos - lastTimestampNanos, TimeUnit.NANOSECONDS);
            channel.runPendingTasks();
        }
        if (timestampNanos > lastTimestampNanos) {
            lastTimestampNanos = timestampNanos;
        }
    }

    private void drain(int frame, Sink sink) throws IOException {
        for (Object m = channel.readInbound(); m != null; m = channel.readInbound()) {
            sink.accept(frame, m); // the sink owns m from here, even if it throws
        }
    }

    /** The counters of every netfrag handler in the pipeline, added up. */
    public CounterSnapshot counters() {
        CounterSnapshot total = null;
        for (ChannelHandler h : handlers) {
            CounterSnapshot s = null;
            if (h instanceof IpPacketDecoder) {
                s = ((IpPacketDecoder) h).stats();
            } else if (h instanceof AbstractReassembler) {
                s = ((AbstractReassembler<?>) h).stats();
            } else if (h instanceof EspDecoder) {
                s = ((EspDecoder) h).stats();
            } else if (h instanceof UdpDeliver) {
                s = ((UdpDeliver) h).stats();
            }
            if (s != null) {
                total = total == null ? s : total.plus(s);
            }
        }
        return total == null ? new io.netfrag.stats.Counters().snapshot() : total;
    }

    /** Closes the channel: handlers are removed and release whatever they still hold. */
    @Override
    public void close() {
        channel.finishAndReleaseAll();
    }
}
