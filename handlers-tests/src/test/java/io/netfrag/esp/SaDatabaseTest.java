package io.netfrag.esp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netfrag.esp.SecurityAssociation.EngineKind;
import io.netfrag.esp.SecurityAssociation.Mode;
import io.netfrag.packet.IpPacket;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SaDatabaseTest {

    private static InetAddress address(String literal) {
        try {
            return InetAddress.getByName(literal); // literals only: no name lookup
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    private static SecurityAssociation sa(String destination, int spi) {
        byte[] key = new byte[16];
        Arrays.fill(key, (byte) spi);
        return SecurityAssociation.builder().destination(address(destination)).spi(spi).mode(Mode.TRANSPORT)
                .aead(AeadAlgorithm.AES_GCM, key, new byte[] {1, 2, 3, 4}, 128).engine(EngineKind.JCA).build();
    }

    /** The destination in IpPacket's long form: {version, high, low}. */
    private static long[] key(String destination) {
        byte[] b = address(destination).getAddress();
        ByteBuffer buf = ByteBuffer.wrap(b);
        return b.length == 4 ? new long[] {4, 0, buf.getInt() & 0xffffffffL}
                : new long[] {6, buf.getLong(), buf.getLong()};
    }

    private static SecurityAssociation lookup(SaDatabase db, String destination, int spi) {
        long[] k = key(destination);
        return db.lookup((int) k[0], k[1], k[2], spi);
    }

    private static boolean zeroed(SecurityAssociation sa) {
        for (byte b : sa.key()) {
            if (b != 0) {
                return false;
            }
        }
        for (byte b : sa.salt()) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }

    @ParameterizedTest
    @CsvSource({"fc00:2::1, 0x1000", "10.200.1.2, 0x1000", "fd00:20::1, 0xdeadbeef", "192.168.20.1, 1",
        "::, 7", "0.0.0.0, 7", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff, -1", "255.255.255.255, 0x80000000"})
    void lookupByDestinationAndSpi(String destination, long spiValue) {
        int spi = (int) spiValue;
        SaDatabase db = new SaDatabase();
        SecurityAssociation sa = sa(destination, spi);
        db.add(sa);
        assertSame(sa, lookup(db, destination, spi));
        assertSame(sa, db.lookup(address(destination), spi));
        assertNull(lookup(db, destination, spi + 1));
        assertNull(lookup(db, address(destination) instanceof Inet4Address ? "10.9.9.9" : "fc00:9::9", spi));
        assertEquals(1, db.size());
    }

    @Test
    void longFormIsIpPackets() {
        SaDatabase db = new SaDatabase();
        SecurityAssociation v6 = sa("fc00:2::1", 0x1000);
        SecurityAssociation v4 = sa("10.200.1.2", 0x1000);
        db.addAll(List.of(v6, v4));
        // the representation IpPacket.address(version, high, low) turns back into the address
        long[] k6 = key("fc00:2::1");
        assertEquals(address("fc00:2::1"), IpPacket.address(6, k6[1], k6[2]));
        assertSame(v6, db.lookup(6, k6[1], k6[2], 0x1000));
        long[] k4 = key("10.200.1.2");
        assertEquals(address("10.200.1.2"), IpPacket.address(4, k4[1], k4[2]));
        assertSame(v4, db.lookup(4, 0, 0x0ac80102L, 0x1000));
    }

    @Test
    void sameSpiDifferentDestinations() {
        SaDatabase db = new SaDatabase();
        SecurityAssociation a = sa("fc00:2::1", 0x1000);
        SecurityAssociation b = sa("fc00:2::2", 0x1000);
        SecurityAssociation c = sa("10.200.1.2", 0x1000);
        SecurityAssociation compatible = sa("::10.200.1.2", 0x1000); // same low 32 bits as c, version 6
        db.add(a);
        db.add(b);
        db.add(c);
        db.add(compatible);
        assertEquals(4, db.size());
        assertSame(a, lookup(db, "fc00:2::1", 0x1000));
        assertSame(b, lookup(db, "fc00:2::2", 0x1000));
        assertSame(c, db.lookup(4, 0, 0x0ac80102L, 0x1000));
        assertSame(compatible, db.lookup(6, 0, 0x0ac80102L, 0x1000));
        assertTrue(db.remove(address("fc00:2::2"), 0x1000));
        assertSame(a, lookup(db, "fc00:2::1", 0x1000));
        assertNull(lookup(db, "fc00:2::2", 0x1000));
        assertSame(c, lookup(db, "10.200.1.2", 0x1000));
        assertEquals(3, db.size());
        assertFalse(a.destroyed());
        assertTrue(b.destroyed());
    }

    @Test
    void replacementDestroysTheOldSa() {
        SaDatabase db = new SaDatabase();
        SecurityAssociation old = sa("fc00:2::1", 0x1000);
        SecurityAssociation other = sa("fc00:2::1", 0x1001);
        db.add(old);
        db.add(other);
        SecurityAssociation replacement = sa("fc00:2::1", 0x1000);
        db.update(replacement);
        assertSame(replacement, lookup(db, "fc00:2::1", 0x1000));
        assertTrue(old.destroyed());
        assertTrue(zeroed(old));
        assertFalse(replacement.destroyed());
        assertFalse(zeroed(replacement));
        assertFalse(other.destroyed());
        assertEquals(2, db.size());
    }

    /** As Linux {@code ip xfrm state add}: a second SA for a (destination, SPI) is refused ("File exists"). */
    @Test
    void addingADuplicateIsRefusedAndChangesNothing() {
        SaDatabase db = new SaDatabase();
        SecurityAssociation x = sa("fc00:2::1", 0x1000);
        SecurityAssociation y = sa("fc00:2::1", 0x1000);
        SecurityAssociation z = sa("fc00:2::2", 0x1000);
        db.add(x);
        IllegalArgumentException again = assertThrows(IllegalArgumentException.class, () -> db.add(x));
        assertTrue(again.getMessage().contains("dst fc00:2::1 ") && again.getMessage().contains("0x00001000")
                && again.getMessage().contains("File exists"), again.getMessage());
        assertThrows(IllegalArgumentException.class, () -> db.add(y));
        // all or nothing: z is not added either, and within one call a key may appear once
        assertThrows(IllegalArgumentException.class, () -> db.addAll(List.of(z, y)));
        assertThrows(IllegalArgumentException.class, () -> db.addAll(List.of(z, sa("fc00:2::2", 0x1000))));
        assertSame(x, lookup(db, "fc00:2::1", 0x1000));
        assertNull(lookup(db, "fc00:2::2", 0x1000));
        assertEquals(1, db.size());
        assertFalse(x.destroyed());
        assertFalse(y.destroyed()); // refused: the caller still owns it
        assertFalse(z.destroyed());
    }

    /** As Linux {@code ip xfrm state update}: only an SA present can be replaced ("No such process"). */
    @Test
    void updateNeedsAnSaToReplace() {
        SaDatabase db = new SaDatabase();
        SecurityAssociation x = sa("fc00:2::1", 0x1000);
        IllegalArgumentException none = assertThrows(IllegalArgumentException.class, () -> db.update(x));
        assertTrue(none.getMessage().contains("No such process"), none.getMessage());
        assertEquals(0, db.size());
        db.add(x);
        db.update(x); // the same instance: kept, not destroyed
        assertSame(x, lookup(db, "fc00:2::1", 0x1000));
        assertFalse(x.destroyed());
        SecurityAssociation y = sa("fc00:2::1", 0x1000);
        SecurityAssociation w = sa("fc00:2::1", 0x1000);
        assertThrows(IllegalArgumentException.class, () -> db.update(List.of(y, w)));
        assertSame(x, lookup(db, "fc00:2::1", 0x1000));
        db.update(y);
        assertSame(y, lookup(db, "fc00:2::1", 0x1000));
        assertTrue(x.destroyed());
    }

    @Test
    void removeDestroys() {
        SaDatabase db = new SaDatabase();
        SecurityAssociation sa = sa("10.200.1.2", 0x2000);
        db.add(sa);
        assertFalse(db.remove(address("10.200.1.3"), 0x2000));
        assertFalse(db.remove(address("10.200.1.2"), 0x2001));
        assertFalse(sa.destroyed());
        assertTrue(db.remove(address("10.200.1.2"), 0x2000));
        assertTrue(sa.destroyed());
        assertTrue(zeroed(sa));
        assertNull(lookup(db, "10.200.1.2", 0x2000));
        assertEquals(0, db.size());
        assertFalse(db.remove(address("10.200.1.2"), 0x2000));
    }

    @Test
    void clearDestroysAll() {
        SaDatabase db = new SaDatabase();
        List<SecurityAssociation> sas = List.of(sa("fc00:2::1", 1), sa("fc00:2::1", 2), sa("10.0.0.1", 2));
        db.addAll(sas);
        assertEquals(3, db.size());
        db.clear();
        assertEquals(0, db.size());
        assertEquals(List.of(), db.all());
        for (SecurityAssociation sa : sas) {
            assertTrue(sa.destroyed());
            assertTrue(zeroed(sa));
        }
    }

    @Test
    void allIsASnapshotOrderedByUnsignedSpi() {
        SaDatabase db = new SaDatabase();
        SecurityAssociation high = sa("fc00:2::1", 0x80000000);
        SecurityAssociation low = sa("fc00:2::1", 0x1000);
        SecurityAssociation lowToo = sa("10.0.0.1", 0x1000);
        db.add(high);
        db.add(low);
        db.add(lowToo);
        List<SecurityAssociation> all = db.all();
        assertEquals(List.of(low, lowToo, high), all);
        db.remove(address("fc00:2::1"), 0x1000);
        assertEquals(3, all.size()); // a snapshot
        assertThrows(UnsupportedOperationException.class, () -> db.all().clear());
    }

    @Test
    void ofAndFromFile(@TempDir Path dir) throws IOException {
        String transport = "ip xfrm state add src fc00:1::1 dst fc00:2::1 proto esp spi 0x00001000 reqid 4096 "
                + "mode transport replay-window 32 aead 'rfc4106(gcm(aes))' "
                + "0x0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b 128";
        String v4 = "dst 10.200.1.2 proto esp spi 0x1000 aead 'rfc4106(gcm(aes))' 0x" + "0c".repeat(20) + " 96";
        SaDatabase db = SaDatabase.of(transport, v4);
        assertEquals(2, db.size());
        assertEquals(32, lookup(db, "fc00:2::1", 0x1000).replayWindow());
        assertEquals(12, lookup(db, "10.200.1.2", 0x1000).icvLength());

        Path file = dir.resolve("sas");
        Files.writeString(file, "# SAs\n" + transport + "\n" + v4 + "\n", StandardCharsets.UTF_8);
        SaDatabase fromFile = SaDatabase.fromFile(file);
        assertEquals(2, fromFile.size());
        assertEquals(4096, lookup(fromFile, "fc00:2::1", 0x1000).reqid());

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SaDatabase.of(transport, v4.replace("spi 0x1000", "spi 0")));
        assertTrue(e.getMessage().startsWith("xfrm line 2: bad spi '0'"), e.getMessage());
    }

    @Test
    void lookupDoesNotAllocate() {
        java.lang.management.ThreadMXBean bean = ManagementFactory.getThreadMXBean();
        if (!(bean instanceof com.sun.management.ThreadMXBean threads) || !threads.isThreadAllocatedMemorySupported()
                || !threads.isThreadAllocatedMemoryEnabled()) {
            return; // not measurable on this JVM
        }
        SaDatabase db = new SaDatabase();
        for (int i = 1; i <= 64; i++) {
            db.add(sa("fc00:2::" + Integer.toHexString(i), 0x1000 + i % 8));
        }
        long[] k = key("fc00:2::21");
        int spi = 0x1000 + 0x21 % 8;
        SecurityAssociation expected = db.lookup((int) k[0], k[1], k[2], spi);
        assertTrue(expected != null);
        long before = threads.getCurrentThreadAllocatedBytes();
        int found = 0;
        for (int i = 0; i < 100_000; i++) {
            if (db.lookup((int) k[0], k[1], k[2], spi) == expected) {
                found++;
            }
        }
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertEquals(100_000, found);
        assertTrue(allocated < 1024, allocated + " bytes allocated by 100000 lookups");
    }

    /**
     * A writer adds and removes SAs (some with the stable SA's SPI) as fast as it can while this thread looks up the
     * stable SA a million times: every lookup must find it, never a destroyed SA, never an exception.
     */
    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void lookupsStayCorrectWhileAWriterChurns() throws Exception {
        SaDatabase db = new SaDatabase();
        SecurityAssociation stable = sa("fc00:2::1", 0x1000);
        db.add(stable);
        long[] k = key("fc00:2::1");
        AtomicReference<Throwable> writerFailure = new AtomicReference<>();
        AtomicLong writes = new AtomicLong();
        CountDownLatch started = new CountDownLatch(1);
        Thread writer = new Thread(() -> {
            try {
                for (int i = 0; !Thread.currentThread().isInterrupted(); i++) {
                    int spi = i % 3 == 0 ? 0x1000 : 0x2000 + i % 61; // the stable SPI, other destinations too
                    String destination = i % 2 == 0 ? "fc00:2::" + Integer.toHexString(2 + i % 97)
                            : "10.200." + i % 7 + '.' + (1 + i % 200);
                    if (db.lookup(address(destination), spi) == null) {
                        db.add(sa(destination, spi));
                    } else {
                        db.update(sa(destination, spi));
                    }
                    if (i % 4 != 0) {
                        db.remove(address(destination), spi);
                    }
                    if (i % 1000 == 999) {
                        List<SecurityAssociation> pair = List.of(sa("fc00:3::1", 0x1000), sa("fc00:3::2", 0x1000));
                        if (db.lookup(address("fc00:3::1"), 0x1000) == null) {
                            db.addAll(pair);
                        } else {
                            db.update(pair);
                        }
                    }
                    writes.incrementAndGet();
                    if (i == 100) {
                        started.countDown();
                    }
                }
            } catch (Throwable t) {
                writerFailure.set(t);
                started.countDown();
            }
        }, "sa-writer");
        writer.setDaemon(true);
        writer.start();
        try {
            assertTrue(started.await(10, TimeUnit.SECONDS), "writer did not start");
            for (int n = 0; n < 1_000_000; n++) {
                SecurityAssociation got = db.lookup((int) k[0], k[1], k[2], 0x1000);
                if (got != stable) {
                    throw new AssertionError("lookup " + n + " returned " + got);
                }
            }
        } finally {
            writer.interrupt();
            writer.join(10_000);
        }
        assertFalse(writer.isAlive());
        assertNull(writerFailure.get());
        assertTrue(writes.get() > 100, writes + " writes");
        assertFalse(stable.destroyed());
        assertSame(stable, db.lookup(address("fc00:2::1"), 0x1000));
    }
}
