package io.netfrag.reassembly;

/**
 * What to do when fragments overlap.
 *
 * <p>{@link #DROP} is the default and what RFC 5722 and Linux (since 4.19, for IPv4 too) do: the whole datagram is
 * discarded. The others are the target-based policies of Novak's "Target-Based Fragmentation Reassembly" (2005), as
 * used by Snort and Suricata, for analysis users who need to see what a given target OS would have reassembled. Each
 * decides, for every 8-byte block that a new fragment shares with a fragment already received, whose data stays:
 *
 * <table>
 *   <caption>new fragment N against the old fragment O that currently provides the block</caption>
 *   <tr><th>policy</th><th>N wins when</th><th>targets</th></tr>
 *   <tr><td>FIRST</td><td>never</td><td>Mac OS, HP-UX 11, old Solaris</td></tr>
 *   <tr><td>LAST</td><td>always</td><td>Cisco IOS</td></tr>
 *   <tr><td>BSD</td><td>N starts before O</td><td>BSD, AIX, HP-UX 10, IRIX</td></tr>
 *   <tr><td>BSD_RIGHT</td><td>N starts before O, or ends after O</td><td>HP JetDirect</td></tr>
 *   <tr><td>LINUX</td><td>N starts at or before O</td><td>Linux before 4.19</td></tr>
 *   <tr><td>WINDOWS</td><td>N starts before O and ends after O</td><td>Windows</td></tr>
 *   <tr><td>SOLARIS</td><td>N starts before O and ends at or after O</td><td>Solaris</td></tr>
 * </table>
 *
 * <p>These rules reproduce the published Sturges–Novak results for every policy that has one (see the tests).
 * Target-based policies place data by copying (a datagram under them is always coalesced with {@code COPY}).
 */
public enum OverlapPolicy {
    /** Discard the whole datagram on any overlap (RFC 5722, Linux). */
    DROP,
    /** The data that arrived first wins. */
    FIRST,
    /** The data that arrived last wins. */
    LAST,
    /** A new fragment wins where it starts before the old one. */
    BSD,
    /** A new fragment wins where it starts before, or ends after, the old one. */
    BSD_RIGHT,
    /** A new fragment wins where it starts at or before the old one (Linux before 4.19). */
    LINUX,
    /** A new fragment wins where it starts before and ends after the old one. */
    WINDOWS,
    /** A new fragment wins where it starts before and ends at or after the old one. */
    SOLARIS;

    /**
     * Whether the new fragment's data replaces the old fragment's in a block they share.
     *
     * @param newStart first byte of the new fragment
     * @param newEnd end (exclusive) of the new fragment
     * @param oldStart first byte of the old fragment
     * @param oldEnd end (exclusive) of the old fragment
     */
    public boolean newWins(int newStart, int newEnd, int oldStart, int oldEnd) {
        switch (this) {
            case FIRST:
                return false;
            case LAST:
                return true;
            case BSD:
                return newStart < oldStart;
            case BSD_RIGHT:
                return newStart < oldStart || newEnd > oldEnd;
            case LINUX:
                return newStart <= oldStart;
            case WINDOWS:
                return newStart < oldStart && newEnd > oldEnd;
            case SOLARIS:
                return newStart < oldStart && newEnd >= oldEnd;
            case DROP:
            default:
                throw new IllegalStateException("DROP never keeps overlapping data");
        }
    }
}
