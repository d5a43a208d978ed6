/**
 * Streaming readers for classic pcap and pcapng capture files, a classic pcap writer, and the link-layer lookup that
 * finds the IP packet inside a captured frame.
 *
 * <p>{@link io.netfrag.pcap.PcapReader} reads one record at a time from any {@link java.io.InputStream} and hands each
 * one out as a {@link io.netfrag.pcap.PcapRecord} owning a Netty {@link io.netty.buffer.ByteBuf};
 * {@link io.netfrag.pcap.LinkLayer} locates the IPv4 or IPv6 packet inside it; {@link io.netfrag.pcap.PcapWriter}
 * makes captures for tests and tools. The code is hand-written on purpose: pcap4j needs a native libpcap through JNA
 * and is not maintained for reading pcapng in pure Java.
 *
 * <p>Formats: classic pcap as in draft-ietf-opsawg-pcap, pcapng as in draft-ietf-opsawg-pcapng, link types as in
 * draft-ietf-opsawg-pcaplinktype.
 */
package io.netfrag.pcap;
