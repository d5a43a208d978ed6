package io.netfrag.stats;

/**
 * Counters named as in IP-MIB (RFC 4293), UDP-MIB and Linux {@code /proc/net/snmp6}, so figures read the same as the
 * kernel's.
 */
public enum MibCounter {
    /** Packets handed to the decoder. */
    IN_RECEIVES("InReceives"),
    /** Packets discarded for header errors (version, lengths, checksum, options, fragment rules). */
    IN_HDR_ERRORS("InHdrErrors"),
    /** Packets discarded because the buffer is shorter than the header says. */
    IN_TRUNCATED_PKTS("InTruncatedPkts"),
    /**
     * Packets whose buffer held bytes beyond the length the IP header states that were not another IP packet:
     * link-layer padding, or the truncated tail of a read (trimmed, as Linux {@code pskb_trim_rcsum} does).
     */
    IN_TRAILING_PKTS("InTrailingPkts"),
    /** The bytes trimmed from the packets counted in InTrailingPkts. */
    IN_TRAILING_OCTETS("InTrailingOctets"),
    /**
     * Reads that held several IP packets back to back (a UDP GRO aggregate that arrived unsplit); each packet in
     * them is counted in InReceives and processed on its own.
     */
    IN_MULTI_PACKET_READS("InMultiPacketReads"),
    /** IPv4 packets whose header checksum failed (also counted in InHdrErrors, as Linux does). */
    IN_CSUM_ERRORS("InCsumErrors"),
    /** Fragments received that need reassembly (atomic fragments included, as Linux). */
    REASM_REQDS("ReasmReqds"),
    /** Datagrams successfully reassembled. */
    REASM_OKS("ReasmOKs"),
    /** Reassembly failures of any kind (timeouts, overlaps, invalid fragments, memory limits). */
    REASM_FAILS("ReasmFails"),
    /** Queues that expired before completing. */
    REASM_TIMEOUT("ReasmTimeout"),
    /** Datagrams discarded because fragments overlapped (RFC 5722). */
    REASM_OVERLAPS("ReasmOverlaps"),
    /** UDP datagrams delivered. */
    UDP_IN_DATAGRAMS("UdpInDatagrams"),
    /** UDP datagrams discarded for length or checksum errors. */
    UDP_IN_ERRORS("UdpInErrors"),
    /** UDP datagrams whose checksum failed (also counted in UdpInErrors). */
    UDP_IN_CSUM_ERRORS("UdpInCsumErrors"),
    /** ESP packets for which no SA exists (Linux {@code /proc/net/xfrm_stat}). */
    XFRM_IN_NO_STATES("XfrmInNoStates"),
    /** ESP packets rejected by the anti-replay check. */
    XFRM_IN_STATE_SEQ_ERROR("XfrmInStateSeqError"),
    /** ESP packets whose ICV failed, or whose length or padding is wrong. */
    XFRM_IN_STATE_PROTO_ERROR("XfrmInStateProtoError"),
    /** ESP packets for an SA that has expired (a hard lifetime limit reached). */
    XFRM_IN_STATE_EXPIRED("XfrmInStateExpired"),
    /** ESP packets whose header cannot be read. */
    XFRM_IN_HDR_ERROR("XfrmInHdrError"),
    /** Decrypted packets that do not match the SA's selector. */
    XFRM_IN_STATE_MISMATCH("XfrmInStateMismatch"),
    /** Tunnel-mode packets whose inner packet is not IP, does not decode, or nests too deep. */
    XFRM_IN_STATE_MODE_ERROR("XfrmInStateModeError"),
    /** ESP packets lost to an error no other counter names: here, a buffer that could not be allocated. */
    XFRM_IN_ERROR("XfrmInError"),
    /** ESP packets authenticated and decrypted. */
    ESP_IN_DECRYPTED("EspInDecrypted"),
    /** ESP dummy packets (next header 59, RFC 4303 §2.6) consumed. */
    ESP_IN_DUMMY("EspInDummy"),
    /** NAT keepalives (RFC 3948 §2.3) consumed. */
    ESP_IN_NAT_KEEPALIVES("EspInNatKeepalives"),
    /** ICMP Time Exceeded messages produced. */
    OUT_TIME_EXCDS("OutTimeExcds"),
    /** ICMP Parameter Problem messages produced. */
    OUT_PARM_PROBLEMS("OutParmProblems");

    private final String mibName;

    MibCounter(String mibName) {
        this.mibName = mibName;
    }

    /** The name used by IP-MIB / Linux. */
    public String mibName() {
        return mibName;
    }
}
