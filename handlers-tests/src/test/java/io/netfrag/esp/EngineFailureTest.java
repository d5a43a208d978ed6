package io.netfrag.esp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netfrag.ReceivePath;
import io.netfrag.internal.esp.EspTransform;
import io.netfrag.reassembly.CoalescePolicy;
import io.netfrag.stats.CounterSnapshot;
import io.netfrag.stats.DropReason;
import io.netfrag.stats.MibCounter;
import io.netfrag.testing.TestPackets;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.DatagramPacket;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A cipher provider that throws (a provider error, not an authentication failure) on some packets: each such packet
 * is dropped, released and counted as {@link DropReason#ESP_ENGINE_FAILED}, nothing escapes the handler, the SA's
 * engine is rebuilt, and every other packet — including the next one of the same SA — is delivered byte-exact.
 */
class EngineFailureTest {
    private static final String SA_LINE = "src fc00:1::1 dst fc00:2::1 proto esp spi 0x3000 mode transport"
            + " replay-window 64 aead 'rfc4106(gcm(aes))' 0x" + "0b".repeat(20) + " 128";

    /** Throws on the packets whose sequence number (bytes 4–7 of the ESP header) is a multiple of {@code every}. */
    private static final class FailingTransform implements EspTransform {
        private final EspTransform real;
        private final int every;

        FailingTransform(EspTransform real, int every) {
            this.real = real;
            this.every = every;
        }

        @Override
        public int ivLength() {
            return real.ivLength();
        }

        @Override
        public int icvLength() {
            return real.icvLength();
        }

        @Override
        public int alignment() {
            return real.alignment();
        }

        @Override
        public boolean open(byte[] packet, int esp, int length, int sequenceHigh) {
            int sequence = (packet[esp + 4] & 0xff) << 24 | (packet[esp + 5] & 0xff) << 16
                    | (packet[esp + 6] & 0xff) << 8 | packet[esp + 7] & 0xff;
            if (sequence % every == 0) {
                // half-done work first, as a provider failing midway would leave it
                Arrays.fill(packet, esp + 8, esp + Math.min(length, 24), (byte) 0x5a);
                throw new IllegalStateException("test: provider failure on sequence " + sequence);
            }
            return real.open(packet, esp, length, sequenceHigh);
        }

        @Override
        public int seal(byte[] packet, int esp, int plaintextLength, int sequenceHigh) {
            return real.seal(packet, esp, plaintextLength, sequenceHigh);
        }
    }

    @ParameterizedTest(name = "{0} direct={1}")
    @CsvSource({"COPY, false", "COPY, true", "ADAPTIVE, false", "ADAPTIVE, true"})
    void aFailingProviderCostsOnlyThePacketsItFailsOn(CoalescePolicy policy, boolean direct) {
        SaDatabase db = SaDatabase.of(SA_LINE);
        ReceivePath.Handlers handlers = ReceivePath.builder().policy(policy).sas(db).build().newHandlers();
        AtomicInteger built = new AtomicInteger();
        handlers.esp().transforms(sa -> {
            built.incrementAndGet();
            return new FailingTransform(sa.newTransform(), 5);
        });
        EmbeddedChannel ch = new EmbeddedChannel(handlers.toArray());
        EspEncoder encoder = new EspEncoder(XfrmStateParser.parse(SA_LINE));
        int packets = 100;
        int delivered = 0;
        for (int i = 1; i <= packets; i++) {
            byte[] payload = TestPackets.payload(200 + i);
            ByteBuf plain = Unpooled.wrappedBuffer(TestPackets.udp6(payload));
            ByteBuf esp = encoder.protectTransport(plain, UnpooledByteBufAllocator.DEFAULT);
            plain.release();
            ByteBuf in = direct ? PooledByteBufAllocator.DEFAULT.directBuffer(esp.readableBytes()) : Unpooled.buffer();
            in.writeBytes(esp);
            esp.release();
            ch.writeInbound(in);
            DatagramPacket d = ch.readInbound();
            if (i % 5 == 0) {
                assertEquals(null, d, "packet " + i + " failed in the provider");
            } else {
                assertTrue(d != null, "packet " + i + " delivered after the failures before it");
                assertTrue(Arrays.equals(payload, TestPackets.bytes(d.content())), "packet " + i + " byte-exact");
                d.release();
                delivered++;
            }
        }
        CounterSnapshot s = handlers.stats();
        assertEquals(packets / 5, s.drops(DropReason.ESP_ENGINE_FAILED), s.toString());
        assertEquals(packets / 5, s.get(MibCounter.XFRM_IN_STATE_PROTO_ERROR), s.toString());
        assertEquals(packets - packets / 5, delivered);
        assertEquals(0, s.drops(DropReason.ESP_REPLAY), "the window did not move for a failed packet: " + s);
        // the first engine, and one more after each failure that another packet followed
        assertEquals(1 + (packets - 1) / 5, built.get(), "the engine is rebuilt after each failure");
        assertFalse(ch.finishAndReleaseAll(), "nothing left over");
        db.clear();
    }
}
