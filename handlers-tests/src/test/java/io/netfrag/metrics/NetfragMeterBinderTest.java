package io.netfrag.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netfrag.packet.IpPacketDecoder;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

class NetfragMeterBinderTest {
    @Test
    void countersAndDropsAreExposed() throws Exception {
        IpPacketDecoder decoder = new IpPacketDecoder();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        new NetfragMeterBinder(decoder::stats, () -> 42, Tags.of("channel", "0")).bindTo(registry);
        decoder.decode(Unpooled.wrappedBuffer(new byte[] {0x60, 0, 0})); // truncated: dropped
        Thread.sleep(2); // the binder caches snapshots for 1 ms
        assertEquals(1.0, registry.get("netfrag.mib").tag("name", "InReceives").functionCounter().count());
        assertEquals(1.0, registry.get("netfrag.drops").tag("reason", "TRUNCATED_HEADER").functionCounter().count());
        assertEquals(42.0, registry.get("netfrag.pinned.bytes").gauge().value());
    }
}
