package io.netfrag.stats;

/**
 * Why a packet or fragment was dropped. Every drop in netfrag is counted under exactly one reason.
 */
public enum DropReason {
    /** Shorter than a fixed IP header. */
    TRUNCATED_HEADER("buffer shorter than the IP header"),
    /** The version nibble is not 4 or 6 (or not what the message claimed). */
    BAD_VERSION("IP version is not 4 or 6"),
    /** IPv4 IHL below 5 or total length below the header length. */
    BAD_HEADER_LENGTH("IPv4 header length or total length invalid"),
    /** IPv4 header checksum mismatch. */
    BAD_HEADER_CHECKSUM("IPv4 header checksum mismatch"),
    /** The payload/total length claims more bytes than the buffer has. */
    TRUNCATED_PACKET("length field exceeds the received bytes"),
    /** A multicast source address (RFC 4291 §2.7). */
    BAD_SOURCE_ADDRESS("multicast source address"),
    /** IPv6 jumbograms (payload length 0 with Hop-by-Hop) are not supported. */
    JUMBOGRAM("IPv6 jumbogram not supported"),
    /** An extension header runs past the packet, or Hop-by-Hop is not first. */
    BAD_EXTENSION_HEADER("IPv6 extension header chain malformed or truncated"),
    /** A non-last fragment whose length is not a multiple of 8 (RFC 8200 §4.5). */
    FRAGMENT_NOT_MULTIPLE_OF_8("non-last fragment length not a multiple of 8"),
    /** Fragment offset + length beyond the largest datagram. */
    FRAGMENT_TOO_BIG("fragment ends beyond the maximum datagram size"),
    /** The first fragment does not hold the whole header chain and upper-layer header (RFC 7112). */
    INCOMPLETE_HEADER_CHAIN("first fragment lacks the upper-layer header (RFC 7112)"),
    /** A fragment lying entirely within data already received. */
    DUPLICATE_FRAGMENT("duplicate fragment"),
    /** The fragment overlaps data already received; the whole datagram is discarded (RFC 5722). */
    OVERLAPPING_FRAGMENT("overlapping fragment"),
    /**
     * IPv4: more than {@code ipfrag_max_dist} fragments from the same source arrived since the datagram last grew; its
     * fragments were thrown away and it starts afresh (Linux {@code ip_frag_too_far}); counted per flush.
     */
    FRAGMENT_TOO_FAR("datagram restarted: more than max_dist fragments from its source since it last grew"),
    /** Zero-length fragment, conflicting last fragment or data beyond the known end; the datagram is discarded. */
    INVALID_FRAGMENT("zero-length fragment, conflicting end or data beyond the end"),
    /** ECN codepoints of the fragments cannot be combined (RFC 3168 §5.3). */
    ECN_MISMATCH("Not-ECT fragment mixed with ECT/CE fragments"),
    /** The reassembled datagram would exceed the maximum size. */
    REASSEMBLED_TOO_BIG("reassembled datagram exceeds the maximum size"),
    /** No new queue could be created because pinned memory is above the high threshold. */
    MEMORY_LIMIT("reassembly memory above the high threshold"),
    /**
     * A buffer could not be allocated (direct memory exhausted: Netty's {@code OutOfDirectMemoryError}, or any
     * {@link OutOfMemoryError} from the allocator): the packet, and the datagram it belonged to, are dropped; the
     * handler goes on with the next packet.
     */
    ALLOCATION_FAILED("a buffer could not be allocated (out of memory)"),
    /**
     * A fragment that would start a new datagram while reassembly memory is above the low threshold, carrying fewer
     * data bytes than {@code ReassemblyLimits.minFragmentUnderPressure()} (the shape of a FragmentSmack flood).
     */
    TINY_FRAGMENT_UNDER_PRESSURE("tiny fragment refused a new queue under memory pressure"),
    /** A queue evicted (oldest first) to bring memory back under the low threshold; counted per datagram. */
    QUEUE_EVICTED("incomplete datagram evicted under memory pressure"),
    /** A queue that reached its timeout; counted per datagram. */
    QUEUE_TIMEOUT("incomplete datagram timed out"),
    /** A queue released because the handler was removed or the channel closed; counted per datagram. */
    QUEUE_DISCARDED("incomplete datagram discarded at handler removal"),
    /** ESP header (SPI and sequence number) cannot be read, or a UDP-encapsulated packet is neither ESP nor IKE. */
    ESP_HEADER_TRUNCATED("ESP header truncated"),
    /** No SA for (destination, SPI). */
    ESP_NO_STATE("no SA for destination and SPI"),
    /** Sequence number 0, a replay, or left of the anti-replay window. */
    ESP_REPLAY("sequence number 0, replayed or left of the replay window"),
    /** Shorter than ESP header, IV, trailer and ICV. */
    ESP_TRUNCATED("ESP packet shorter than header, IV, trailer and ICV"),
    /** A block cipher's ciphertext (AES-CBC) that is not a whole number of blocks. */
    ESP_NOT_BLOCK_ALIGNED("ciphertext not a whole number of cipher blocks"),
    /** The SA reached a hard lifetime limit (bytes, packets or time) and is expired. */
    ESP_SA_EXPIRED("SA expired: a hard lifetime limit was reached"),
    /** The ICV did not verify. */
    ESP_ICV_FAILED("ICV verification failed"),
    /**
     * The cipher provider failed on the packet (an error, not an authentication failure, as Linux counts a crypto
     * error): the SA's engine on that event loop is rebuilt for the next packet.
     */
    ESP_ENGINE_FAILED("the cipher provider failed (not an authentication failure)"),
    /** Pad length + 2 reaches the end of the decrypted plaintext: no payload is left (Linux: garbage). */
    ESP_BAD_PADDING("pad length leaves no payload"),
    /** A dummy packet (next header 59). */
    ESP_DUMMY_PACKET("ESP dummy packet (next header 59)"),
    /** The decrypted packet does not match the SA's selector. */
    ESP_SELECTOR_MISMATCH("decrypted packet outside the SA's selector"),
    /** Tunnel mode: the inner packet is not IPv4/IPv6 or does not decode. */
    ESP_BAD_INNER_PACKET("tunnel-mode inner packet is not a valid IP packet"),
    /** Tunnel mode: more nested encapsulations than allowed. */
    ESP_NESTING_TOO_DEEP("tunnel nesting deeper than the limit"),
    /** UDP header does not fit in the IP payload. */
    UDP_TRUNCATED("UDP header truncated"),
    /** UDP length field disagrees with the IP payload. */
    UDP_BAD_LENGTH("UDP length field invalid"),
    /** UDP checksum mismatch. */
    UDP_BAD_CHECKSUM("UDP checksum mismatch"),
    /** A zero UDP checksum over IPv6 (RFC 8200 §8.1). */
    UDP_ZERO_CHECKSUM("zero UDP checksum over IPv6");

    private final String description;

    DropReason(String description) {
        this.description = description;
    }

    /** A human readable description. */
    public String description() {
        return description;
    }
}
