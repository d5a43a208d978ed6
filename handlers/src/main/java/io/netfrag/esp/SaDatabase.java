package io.netfrag.esp;

import static io.netty.util.internal.ObjectUtil.checkNotNull;

import io.netty.util.NetUtil;
import io.netty.util.collection.IntObjectHashMap;
import io.netty.util.collection.IntObjectMap;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.List;

/**
 * The inbound ESP security associations, looked up by (destination address, SPI) as Linux {@code xfrm_state_lookup}
 * does for protocol ESP.
 *
 * <p><b>Threads.</b> Lookups may run on any thread (typically event loops) while any other thread adds or removes
 * SAs. The table is copy-on-write: an immutable map, keyed by SPI, published through a volatile field. A writer takes
 * a private lock (writers are serialized among themselves), copies the current map, changes the copy and publishes
 * it with one volatile write; a lookup makes one volatile read and then sees one consistent version of the whole
 * table, old or new, never a mix. Nothing published is ever mutated again, which is what makes reading Netty's
 * (otherwise unsynchronized) {@link IntObjectHashMap} from several threads safe. Writes cost O(number of SAs); they
 * are control-plane operations.
 *
 * <p><b>Lookup cost.</b> {@link #lookup(int, long, long, int)} allocates nothing: the map is keyed by the primitive
 * SPI, the SAs sharing an SPI (with different destinations) sit in a small array, and each entry keeps its
 * destination precomputed in the long form {@link io.netfrag.packet.IpPacket} uses, so the comparison is three
 * primitive compares.
 *
 * <p><b>Key material.</b> An SA the database lets go of is {@linkplain SecurityAssociation#destroy() destroyed}
 * (its key and salt zeroed): the old SA when {@link #update(SecurityAssociation)} replaces it, the SA {@link #remove}
 * removes, every SA on {@link #clear()}. Destruction happens after the new table is published, so no lookup that
 * starts afterwards returns the destroyed SA; a lookup that raced with the write may still have returned it. Engines
 * built from an SA hold their own copy of the key (a JCA {@code SecretKeySpec} or Bouncy Castle
 * {@code KeyParameter}), so code that caches engines must drop an engine when its SA reports
 * {@link SecurityAssociation#destroyed()}. Do not add an SA to two databases: each would destroy it independently.
 */
public final class SaDatabase {

    /** One SA (or, for a probe, none) with its key: the SPI and the destination in long form. Immutable. */
    private static final class Entry {
        final SecurityAssociation sa;
        final int spi;
        final int version;
        final long destinationHigh;
        final long destinationLow;

        Entry(SecurityAssociation sa) {
            this(sa.destination(), sa.spi(), sa);
        }

        Entry(InetAddress destination, int spi, SecurityAssociation sa) {
            this.sa = sa;
            this.spi = spi;
            byte[] address = destination.getAddress();
            if (destination instanceof Inet4Address) {
                // as IpPacket: the IPv4 address, unsigned, in the low 32 bits; high 0
                version = 4;
                destinationHigh = 0;
                destinationLow = bigEndian(address, 0, 4);
            } else {
                version = 6;
                destinationHigh = bigEndian(address, 0, 8);
                destinationLow = bigEndian(address, 8, 8);
            }
        }

        boolean sameKey(Entry other) {
            return spi == other.spi && sameDestination(other.version, other.destinationHigh, other.destinationLow);
        }

        boolean sameDestination(int version, long high, long low) {
            return destinationLow == low && destinationHigh == high && this.version == version;
        }

        private static long bigEndian(byte[] bytes, int offset, int length) {
            long value = 0;
            for (int i = 0; i < length; i++) {
                value = value << 8 | bytes[offset + i] & 0xff;
            }
            return value;
        }
    }

    private final Object writeLock = new Object();
    /** The published table: never mutated after the volatile write that publishes it. */
    private volatile IntObjectHashMap<Entry[]> bySpi = new IntObjectHashMap<>();

    /** Creates an empty database. */
    public SaDatabase() {
    }

    /**
     * A database holding the SAs of some {@code ip xfrm state add} lines, or of {@code ip xfrm state} listings (a
     * listing argument may hold several SAs).
     *
     * @param xfrmLines one SA per line, as {@link XfrmStateParser#parse(String)} accepts, or listings as
     *     {@link XfrmStateParser#parseAll(java.io.Reader)} reads them
     * @throws IllegalArgumentException if a line is malformed, naming it ("xfrm line 2: …"); nothing is kept then
     */
    public static SaDatabase of(String... xfrmLines) {
        checkNotNull(xfrmLines, "xfrmLines");
        List<SecurityAssociation> sas = new ArrayList<>(xfrmLines.length);
        boolean success = false;
        try {
            for (int i = 0; i < xfrmLines.length; i++) {
                try {
                    String text = checkNotNull(xfrmLines[i], "xfrmLines[" + i + ']');
                    if (XfrmStateListing.looksLikeListing(text)) {
                        sas.addAll(XfrmStateParser.parseAll(new java.io.StringReader(text)));
                    } else {
                        sas.add(XfrmStateParser.parse(text));
                    }
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("xfrm line " + (i + 1) + ": " + e.getMessage(), e);
                }
            }
            SaDatabase db = new SaDatabase();
            db.addAll(sas);
            success = true;
            return db;
        } finally {
            if (!success) {
                sas.forEach(SecurityAssociation::destroy);
            }
        }
    }

    /**
     * A database holding the SAs of a file of {@code ip xfrm state add} lines.
     *
     * @param file as {@link XfrmStateParser#parseFile(Path)} reads
     * @throws IllegalArgumentException naming the file and line if a line is malformed
     * @throws java.io.UncheckedIOException if the file cannot be read
     */
    public static SaDatabase fromFile(Path file) {
        SaDatabase db = new SaDatabase();
        db.addAll(XfrmStateParser.parseFile(file));
        return db;
    }

    /**
     * Finds the SA for an inbound ESP packet. Allocation-free; safe on any thread.
     *
     * @param version 4 or 6: the outer IP version
     * @param destinationHigh high 64 bits of the IPv6 destination; 0 for IPv4
     * @param destinationLow low 64 bits of the IPv6 destination, or the IPv4 destination as an unsigned int (the
     *     representation of {@link io.netfrag.packet.IpPacket#destinationLow()})
     * @param spi the SPI from the ESP header
     * @return the SA, or {@code null} if there is none (RFC 4303 §3.4.2: the packet is then discarded)
     */
    public SecurityAssociation lookup(int version, long destinationHigh, long destinationLow, int spi) {
        Entry[] entries = bySpi.get(spi);
        if (entries != null) {
            for (Entry e : entries) {
                if (e.sameDestination(version, destinationHigh, destinationLow)) {
                    return e.sa;
                }
            }
        }
        return null;
    }

    /**
     * Finds the SA for (destination, SPI): a convenience for the control plane (it allocates).
     *
     * @param destination outer destination address
     * @param spi the SPI
     * @return the SA, or {@code null}
     */
    public SecurityAssociation lookup(InetAddress destination, int spi) {
        Entry probe = new Entry(checkNotNull(destination, "destination"), spi, null);
        return lookup(probe.version, probe.destinationHigh, probe.destinationLow, spi);
    }

    /**
     * Adds an SA, as {@code ip xfrm state add} does: refused when an SA with the same (destination, SPI) is present
     * (Linux answers "File exists"); {@link #update(SecurityAssociation)} replaces one.
     *
     * @param sa the SA; when it is added the database owns it and destroys it when it lets go of it; when it is
     *     refused the caller keeps it
     * @throws IllegalArgumentException naming the destination and SPI if such an SA is present; nothing changes
     */
    public void add(SecurityAssociation sa) {
        checkNotNull(sa, "sa");
        addAll(List.of(sa));
    }

    /**
     * Adds SAs in one step: lookups see all of them or none. Refused as a whole when one of them has the
     * (destination, SPI) of an SA present or of another one in {@code sas}.
     *
     * @param sas the SAs; when they are added the database owns them; when they are refused the caller keeps them
     * @throws IllegalArgumentException naming the first duplicate (destination, SPI); nothing changes
     */
    public void addAll(Collection<SecurityAssociation> sas) {
        checkNotNull(sas, "sas");
        List<Entry> entries = entries(sas);
        if (entries.isEmpty()) {
            return;
        }
        synchronized (writeLock) {
            IntObjectHashMap<Entry[]> next = copy(bySpi);
            for (Entry entry : entries) {
                if (put(next, entry) != null) {
                    throw new IllegalArgumentException("an SA for dst " + NetUtil.toAddressString(entry.sa.destination())
                            + " spi 0x" + String.format("%08x", entry.spi) + " exists already (Linux: File exists); "
                            + "update replaces one");
                }
            }
            bySpi = next;
        }
    }

    /**
     * Replaces SAs, as {@code ip xfrm state update} does: each takes the place of the SA with its (destination, SPI),
     * which is then destroyed (its key material zeroed). Lookups see every replacement or none.
     *
     * @param sas the new SAs; when they are taken the database owns them; when they are refused the caller keeps them
     * @throws IllegalArgumentException naming the (destination, SPI) for which no SA is present (Linux: No such
     *     process), or that appears twice in {@code sas}; nothing changes
     */
    public void update(Collection<SecurityAssociation> sas) {
        checkNotNull(sas, "sas");
        List<Entry> entries = entries(sas);
        List<SecurityAssociation> replaced = new ArrayList<>();
        synchronized (writeLock) {
            IntObjectHashMap<Entry[]> current = bySpi;
            IntObjectHashMap<Entry[]> next = copy(current);
            for (Entry entry : entries) {
                SecurityAssociation old = put(next, entry);
                if (old == null || find(current, entry) != old) {
                    throw new IllegalArgumentException("no SA to update for dst "
                            + NetUtil.toAddressString(entry.sa.destination()) + " spi 0x" + String.format("%08x", entry.spi)
                            + (old == null ? " (Linux: No such process)" : " (it appears twice)"));
                }
                replaced.add(old);
            }
            bySpi = next;
        }
        for (SecurityAssociation old : replaced) {
            if (!sas.contains(old)) {
                old.destroy();
            }
        }
    }

    /**
     * Replaces one SA, as {@link #update(Collection)} does.
     *
     * @param sa the new SA; the database owns it once it is taken
     * @throws IllegalArgumentException if no SA with its (destination, SPI) is present; nothing changes
     */
    public void update(SecurityAssociation sa) {
        checkNotNull(sa, "sa");
        update(List.of(sa));
    }

    private static List<Entry> entries(Collection<SecurityAssociation> sas) {
        List<Entry> entries = new ArrayList<>(sas.size());
        for (SecurityAssociation sa : sas) {
            entries.add(new Entry(checkNotNull(sa, "sa"))); // all checked before anything changes
        }
        return entries;
    }

    /**
     * Removes the SA for (destination, SPI) and destroys it (its key material is zeroed).
     *
     * @param destination outer destination address
     * @param spi the SPI
     * @return whether there was such an SA
     */
    public boolean remove(InetAddress destination, int spi) {
        Entry probe = new Entry(checkNotNull(destination, "destination"), spi, null);
        SecurityAssociation removed = null;
        synchronized (writeLock) {
            IntObjectHashMap<Entry[]> current = bySpi;
            Entry[] entries = current.get(spi);
            if (entries == null) {
                return false;
            }
            for (int i = 0; i < entries.length; i++) {
                if (entries[i].sameKey(probe)) {
                    removed = entries[i].sa;
                    IntObjectHashMap<Entry[]> next = copy(current);
                    if (entries.length == 1) {
                        next.remove(spi);
                    } else {
                        Entry[] rest = new Entry[entries.length - 1];
                        System.arraycopy(entries, 0, rest, 0, i);
                        System.arraycopy(entries, i + 1, rest, i, entries.length - i - 1);
                        next.put(spi, rest);
                    }
                    bySpi = next;
                    break;
                }
            }
        }
        if (removed == null) {
            return false;
        }
        removed.destroy();
        return true;
    }

    /** Removes and destroys every SA (their key material is zeroed). */
    public void clear() {
        IntObjectHashMap<Entry[]> old;
        synchronized (writeLock) {
            old = bySpi;
            bySpi = new IntObjectHashMap<>();
        }
        for (Entry[] entries : old.values()) {
            for (Entry e : entries) {
                e.sa.destroy();
            }
        }
    }

    /** The number of SAs. */
    public int size() {
        int size = 0;
        for (Entry[] entries : bySpi.values()) {
            size += entries.length;
        }
        return size;
    }

    /** An unmodifiable snapshot of the SAs, ordered by SPI (unsigned) and then by the order they were added. */
    public List<SecurityAssociation> all() {
        IntObjectHashMap<Entry[]> current = bySpi;
        int[] spis = new int[current.size()];
        int n = 0;
        for (IntObjectMap.PrimitiveEntry<Entry[]> e : current.entries()) {
            spis[n++] = e.key();
        }
        // sort unsigned: flipping the sign bit maps unsigned order onto signed order
        for (int i = 0; i < n; i++) {
            spis[i] ^= Integer.MIN_VALUE;
        }
        Arrays.sort(spis);
        List<SecurityAssociation> result = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            for (Entry e : current.get(spis[i] ^ Integer.MIN_VALUE)) {
                result.add(e.sa);
            }
        }
        return Collections.unmodifiableList(result);
    }

    @Override
    public String toString() {
        return "SaDatabase" + all();
    }

    private static IntObjectHashMap<Entry[]> copy(IntObjectHashMap<Entry[]> from) {
        IntObjectHashMap<Entry[]> to = new IntObjectHashMap<>(Math.max(8, from.size() * 2));
        to.putAll(from); // the Entry[] values are shared: they are never mutated once published
        return to;
    }

    /** Puts {@code entry} into an unpublished map; returns the SA it replaced, or {@code null}. */
    private static SecurityAssociation put(IntObjectHashMap<Entry[]> map, Entry entry) {
        int spi = entry.spi;
        Entry[] entries = map.get(spi);
        if (entries == null) {
            map.put(spi, new Entry[] {entry});
            return null;
        }
        for (int i = 0; i < entries.length; i++) {
            if (entries[i].sameKey(entry)) {
                Entry[] replaced = entries.clone(); // the old array may be published: copy, never write into it
                replaced[i] = entry;
                map.put(spi, replaced);
                return entries[i].sa;
            }
        }
        Entry[] grown = Arrays.copyOf(entries, entries.length + 1);
        grown[entries.length] = entry;
        map.put(spi, grown);
        return null;
    }

    private static SecurityAssociation find(IntObjectHashMap<Entry[]> map, Entry key) {
        Entry[] entries = map.get(key.spi);
        if (entries != null) {
            for (Entry e : entries) {
                if (e.sameKey(key)) {
                    return e.sa;
                }
            }
        }
        return null;
    }
}
